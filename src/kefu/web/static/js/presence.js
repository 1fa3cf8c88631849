// The agent's presence in the top bar: 在线 / 离开 / 小休 / 离线 (PUT /api/me/presence) and the protected
// 10-minute break (POST /api/me/break) with the time left; the break ends by itself on the server. Used by
// the workspace and the supervisor view (a supervisor is only routed to while online). Also shows the notice
// of chats moved back to the queue while the agent was away (moved-notice.js).

import { showMoved } from './moved-notice.js';
import { api, errorText, parseTime, t, toast } from './dom.js';

export const BREAK_MINUTES = 10;

/** When an agent's break ends: the server's presence_until, else 10 minutes after it started; NaN when the
 *  agent is not on a break or neither is known. */
export function breakEnds(agent) {
  if (!agent || agent.presence !== 'break') return NaN;
  if (agent.presence_until) return parseTime(agent.presence_until);
  return parseTime(agent.presence_changed_at) + BREAK_MINUTES * 60000;
}

/** 9:05 */
export function mmss(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** "还剩 9:05" for a break ending at ``until``; "即将结束" once it is over (the server ends it at its next
 *  pass); "" when the end is unknown. ``short`` leaves out "小休中". */
export function breakLeft(until, short = false) {
  if (Number.isNaN(until)) return short ? '' : t('break_on');
  if (until <= Date.now()) return t(short ? 'break_ending_short' : 'break_ending');
  return t(short ? 'break_left_short' : 'break_left', { t: mmss(until - Date.now()) });
}

/**
 * Wire the <select> and the 小休 button; returns a function that shows the agent's presence as set
 * elsewhere (another tab, an event): show({presence, presence_until, presence_changed_at, moved_unseen}).
 */
export function presenceSelector(select, breakButton) {
  let until = NaN;
  const show = (agent) => {
    select.value = agent.presence;
    select.dataset.presence = agent.presence;
    until = breakEnds(agent);
    renderBreak();
    if (agent.moved_unseen !== undefined) showMoved(agent.moved_unseen);
  };
  function renderBreak() {
    if (!breakButton) return;
    const onBreak = select.value === 'break';
    breakButton.disabled = onBreak;
    breakButton.classList.toggle('is-on', onBreak);
    breakButton.textContent = onBreak ? breakLeft(until) : t('break_take');
  }
  async function takeBreak() {
    const r = await api('POST', '/api/me/break');
    show(r.agent);
    toast(t('break_started'), 'ok');
  }
  select.addEventListener('change', async () => {
    try {
      if (select.value === 'break') return await takeBreak(); // every break is a protected one
      const r = await api('PUT', '/api/me/presence', { presence: select.value });
      show(r.agent);
      toast(t('presence_changed', { p: t(`presence_${r.agent.presence}`) }));
    } catch (e) {
      toast(errorText(e), 'error');
      select.value = select.dataset.presence;
    }
  });
  if (breakButton) {
    breakButton.addEventListener('click', async () => {
      try {
        await takeBreak();
      } catch (e) {
        toast(errorText(e), 'error');
      }
    });
    let lastPoll = 0;
    setInterval(() => {
      const now = Date.now();
      const stale = Number.isNaN(until) || until <= now - 5000;
      if (select.value === 'break' && stale && now - lastPoll > 15000) {
        lastPoll = now; // the agent.updated event normally says the break is over; ask if it did not come
        api('GET', '/api/me').then((r) => show(r.agent)).catch(() => {});
      }
      renderBreak();
    }, 1000);
  }
  const d = select.dataset;
  show({ presence: select.value, presence_until: d.until || null, presence_changed_at: d.changedAt || null });
  api('GET', '/api/me').then((r) => showMoved(r.agent.moved_unseen)).catch(() => {}); // moved while I was away
  return show;
}
