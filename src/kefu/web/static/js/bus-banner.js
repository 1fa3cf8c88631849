// The banner of ops_parts.html: shown while the server says cross-instance delivery is degraded (Redis down, the
// instances poll the event log), hidden when it says "live" again. The server tells each staff socket in its
// ready frame ({"type":"ready","bus":"live"|"degraded"}) and on every change ({"type":"bus","state":…}).

export function busBanner(el) {
  const show = (state) => {
    if (el && (state === 'live' || state === 'degraded')) el.hidden = state !== 'degraded';
  };
  return {
    onReady: (frame) => show(frame.bus),
    onFrame: (frame) => {
      if (frame.type === 'bus') show(frame.state);
    },
  };
}
