// The agreement card (处理协议) of a complaint, drawn in the chat on both sides: the remedy, the next steps, the
// deadline and the complaint's number. The buyer's view has a 确认 button (POST /api/widget/complaints/{n}/confirm
// with the widget's visitor token); the agent's view says whether the buyer confirmed, and flips live when the
// workspace hears `case.updated` (agreement_confirmed) for that complaint.

import { api, errorText, h, lang, parseTime, storage, t } from './dom.js';

const CSS = '/static/css/complaints.css';
const drawn = new Map(); // complaint number → [{el, state, messageId}] drawn in the agent's view, unconfirmed
const confirmed = new Map(); // message id → confirmed_at heard live (a card drawn again later shows it too)

/** The widget page does not link the card's styles: add them once (same origin, so the CSP allows it). */
function ensureStyles() {
  if (document.querySelector(`link[href="${CSS}"]`)) return;
  document.head.append(h('link', { rel: 'stylesheet', href: CSS }));
}

const fmt = new Intl.DateTimeFormat(lang === 'en' ? 'en-US' : 'zh-CN', {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false,
});

export function when(iso) {
  const ms = parseTime(iso);
  return Number.isNaN(ms) ? '' : fmt.format(new Date(ms));
}

function visitorToken() {
  return storage().get(`kefu.visitor.${document.body.dataset.shop || ''}`);
}

function row(label, value) {
  return h('div', { class: 'agr-row' }, h('dt', { text: label }), h('dd', { text: value || '—' }));
}

function confirmedLine(at) {
  return h('p', { class: 'agr-state is-confirmed', text: `✓ ${t('agr_confirmed')} · ${when(at)}` });
}

function buyerFoot(card, messageId) {
  const err = h('p', { class: 'agr-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'button', class: 'btn btn-primary btn-small agr-confirm',
    text: t('agr_confirm') });
  const foot = h('div', { class: 'agr-foot' }, h('p', { class: 'agr-help', text: t('agr_confirm_help') }), button, err);
  button.addEventListener('click', async () => {
    button.disabled = true;
    err.hidden = true;
    try {
      const r = await api('POST', `/api/widget/complaints/${encodeURIComponent(card.number)}/confirm`,
        { message_id: messageId || null }, { 'X-Visitor-Token': visitorToken() || '' });
      card.confirmed_at = r.agreement.confirmed_at;
      foot.replaceWith(confirmedLine(card.confirmed_at));
    } catch (e) {
      err.textContent = e.code === 'agreement_outdated' || e.code === 'agreement_not_open' ? t('agr_outdated')
        : errorText(e);
      err.hidden = false;
      button.disabled = e.code === 'agreement_outdated' || e.code === 'agreement_not_open';
    }
  });
  return foot;
}

/** @returns {HTMLElement|null} */
export function agreementCard(card, ctx) {
  if (!card || !card.number || !card.remedy) return null;
  ensureStyles();
  const viewer = ctx && ctx.viewer;
  const messageId = ctx && ctx.message && ctx.message.id;
  if (!card.confirmed_at && confirmed.has(messageId)) card = { ...card, confirmed_at: confirmed.get(messageId) };
  const state = card.confirmed_at ? confirmedLine(card.confirmed_at)
    : viewer === 'buyer' ? buyerFoot(card, messageId)
      : h('p', { class: 'agr-state is-waiting', text: t('agr_waiting') });
  const el = h('section', { class: 'agr-card', 'aria-label': t('agr_title'), dataset: { number: card.number } },
    h('header', { class: 'agr-head' }, h('strong', { text: t('agr_title') }),
      h('span', { class: 'agr-number', text: t('agr_case', { number: card.number }) })),
    h('dl', { class: 'agr-body' }, row(t('agr_remedy'), card.remedy), row(t('agr_steps'), card.next_steps),
      row(t('agr_deadline'), when(card.deadline))),
    state);
  if (viewer !== 'buyer' && !card.confirmed_at) {
    const list = (drawn.get(card.number) || []).filter((d) => d.el.isConnected);
    list.push({ el, state, messageId });
    drawn.set(card.number, list);
  }
  return el;
}

// The agent's chat: the buyer confirmed → the waiting line of that card turns confirmed.
document.addEventListener('kefu:event', (e) => {
  const ev = e.detail;
  const d = (ev && ev.data) || {};
  if (!ev || ev.type !== 'case.updated' || d.action !== 'agreement_confirmed' || !d.case) return;
  if (d.message_id) confirmed.set(d.message_id, d.confirmed_at);
  for (const item of drawn.get(d.case.number) || []) {
    const same = !d.message_id || !item.messageId || item.messageId === d.message_id;
    if (same && item.el.isConnected && item.state.isConnected) item.state.replaceWith(confirmedLine(d.confirmed_at));
  }
});
