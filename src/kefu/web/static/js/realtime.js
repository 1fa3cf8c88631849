// A reconnecting WebSocket client for /ws/buyer and /ws/agent.
//
// It remembers the id of the last event it saw and reconnects with ?last_event_id=N, so the server
// replays whatever was missed while the socket was down. Reconnects back off exponentially (with
// jitter) up to 30 s, and immediately when the browser comes back online or the tab becomes visible.
// A ping every 25 s keeps proxies from idling the socket out; no pong within 10 s means it is dead.

const PING_MS = 25000;
const PONG_TIMEOUT_MS = 10000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30000;

export class Realtime {
  /**
   * @param {object} o
   * @param {(lastEventId: number) => string} o.url  the ws:// URL to (re)connect to
   * @param {number} [o.lastEventId]
   * @param {(ev: object) => void} [o.onEvent]      one {type:"event"} frame's event (replayed or live)
   * @param {(frame: object) => void} [o.onReady]   replay finished; the socket is live
   * @param {(frame: object) => void} [o.onAck]     a sent message was stored
   * @param {(frame: object) => void} [o.onError]   a frame was refused: {code, zh, en, ref}
   * @param {(status: string) => void} [o.onStatus] "connecting" | "online" | "offline"
   * @param {(failures: number) => void} [o.onFail] a connection dropped before it became ready
   * @param {(frame: object) => void} [o.onFrame]   any other server frame ({type:"bus",state}, say)
   */
  constructor(o) {
    this.o = o;
    this.lastEventId = Number(o.lastEventId) || 0;
    this.ws = null;
    this.ready = false;
    this.failures = 0;
    this.stopped = true;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.state = 'idle';
    window.addEventListener('online', () => this.reconnectNow());
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.reconnectNow();
    });
  }

  get isOpen() {
    return this.ready && this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopTimers();
    if (this.ws) this.ws.close(1000, 'bye');
    this.ws = null;
    this.ready = false;
  }

  /** Send one JSON frame. Returns false (and sends nothing) while the socket is not live. */
  send(frame) {
    if (!this.isOpen) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  reconnectNow() {
    if (this.stopped || this.ws) return;
    this.failures = 0;
    this.open();
  }

  open() {
    clearTimeout(this.retryTimer);
    // "connecting" only until the first connection; after a drop it stays "offline" until ready again.
    if (this.state !== 'offline') this.setStatus('connecting');
    let ws;
    try {
      ws = new WebSocket(this.o.url(this.lastEventId));
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    this.ready = false;
    ws.onopen = () => this.startPing(ws);
    ws.onmessage = (m) => this.receive(m.data);
    ws.onclose = () => this.closed(ws);
  }

  receive(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    switch (frame.type) {
      case 'ready':
        this.ready = true;
        this.failures = 0;
        // The server's word: it may be lower than ours when ours came from before an upgrade (it starts
        // such a client from now), and then we must not skip what comes next.
        this.lastEventId = Number(frame.last_event_id) || 0;
        this.setStatus('online');
        this.call('onReady', frame);
        break;
      case 'event': {
        const ev = frame.event || {};
        if (typeof ev.id === 'number') this.lastEventId = Math.max(this.lastEventId, ev.id);
        this.call('onEvent', ev);
        break;
      }
      case 'ack':
        this.call('onAck', frame);
        break;
      case 'error':
        this.call('onError', frame);
        break;
      case 'pong':
        clearTimeout(this.pongTimer);
        break;
      default:
        this.call('onFrame', frame);
        break;
    }
  }

  closed(ws) {
    if (ws !== this.ws) return;
    const wasReady = this.ready;
    this.stopTimers();
    this.ws = null;
    this.ready = false;
    if (this.stopped) return;
    this.setStatus('offline');
    if (!wasReady) {
      this.failures += 1;
      this.call('onFail', this.failures);
    }
    this.scheduleRetry();
  }

  scheduleRetry() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(this.failures, 10));
    const delay = base * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  startPing(ws) {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      try {
        ws.send('{"type":"ping"}');
      } catch {
        return;
      }
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => {
        // Half-open connection: drop it; onclose schedules the reconnect.
        ws.close(4000, 'pong timeout');
        if (ws === this.ws) this.closed(ws);
      }, PONG_TIMEOUT_MS);
    }, PING_MS);
  }

  stopTimers() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  setStatus(s) {
    if (s === this.state) return;
    this.state = s;
    this.call('onStatus', s);
  }

  call(name, arg) {
    const fn = this.o[name];
    if (typeof fn !== 'function') return undefined;
    try {
      return fn(arg);
    } catch (e) {
      console.error(`kefu realtime ${name} handler failed`, e);
      return undefined;
    }
  }
}
