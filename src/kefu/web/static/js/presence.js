// The agent's presence selector (在线 / 离开 / 小休 / 离线) in the top bar: PUT /api/me/presence.

import { api, errorText, t, toast } from './dom.js';

/** Wire the <select>; returns a function that shows a presence set elsewhere (another tab, an event). */
export function presenceSelector(select) {
  const show = (p) => {
    select.value = p;
    select.dataset.presence = p;
  };
  select.addEventListener('change', async () => {
    try {
      const r = await api('PUT', '/api/me/presence', { presence: select.value });
      show(r.agent.presence);
      toast(t('presence_changed', { p: t(`presence_${r.agent.presence}`) }));
    } catch (e) {
      toast(errorText(e), 'error');
      show(select.dataset.presence);
    }
  });
  show(select.value);
  return show;
}
