// "3 个会话因您离开已转回排队": chats the server moved back to the queue while the agent was away
// (agents.moved_unseen, in every agent.updated and GET /api/me). Shown until the agent clicks 知道了,
// which tells the server (POST /api/me/moved/seen).

import { api, h, t } from './dom.js';

let box = null;
let shown = 0;

async function dismiss() {
  box?.remove();
  box = null;
  shown = 0;
  try {
    await api('POST', '/api/me/moved/seen');
  } catch {
    /* it shows again at the next load; nothing is lost */
  }
}

/** Show (or update) the notice for ``n`` moved chats; 0 hides it. */
export function showMoved(n) {
  if (!n) {
    box?.remove();
    box = null;
    shown = 0;
    return;
  }
  if (n === shown) return;
  shown = n;
  box?.remove();
  box = h('div', { class: 'toast moved-notice', role: 'status', dataset: { moved: n } },
    h('span', { text: t('moved_notice', { n }) }),
    h('button', { type: 'button', class: 'btn btn-small', text: t('moved_notice_ok'), onclick: dismiss }));
  // placed through CSSOM (not a style attribute) so it passes a strict CSP; looks from base.css's .toast
  Object.assign(box.style, { position: 'fixed', left: '20px', bottom: '20px', zIndex: '100', display: 'flex',
    alignItems: 'center', gap: '12px' });
  document.body.append(box);
}
