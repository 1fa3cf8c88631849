// The buyer's after-sale cases in the widget (我的售后): a header button, shown once the buyer has a case, opens a
// panel with each case's status and outcome (the policy's sentence, the refund, who pays the return parcel,
// whether the new item ships at once), their photos and an 上传凭证 button (photos are type- and size-checked by
// the server; ticket-images.js uploads them on pick). It refreshes when one of the buyer's cases moves (the live
// case.updated event, passed on by widget-app.js) or a case card reaches the chat (card-case.js).

import { $, api, errorText, h, lang, storage, t } from './dom.js';
import { payerText, reasonText } from './card-case.js';
import { PhotoPicker, noteImages } from './ticket-images.js';

const tokenKey = `kefu.visitor.${document.body.dataset.shop}`;
const store = storage();
const token = () => store.get(tokenKey);
const headers = () => ({ 'X-Visitor-Token': token() });
const pick = (pair) => (Array.isArray(pair) ? pair[lang === 'en' ? 1 : 0] : pair);
const money = (n) => t('cs_yuan', { n: Number(n || 0).toFixed(2) });

const panel = $('#wg-case-panel');
const button = h('button', { type: 'button', id: 'wg-cases', class: 'wg-tickets wg-cases btn btn-ghost btn-small',
  'aria-expanded': 'false', hidden: true, text: t('cs_w_button'), onclick: () => toggle() });
const close = $('#wg-close');
if (close) close.before(button);
const tickets = $('#wg-tickets');
if (tickets) tickets.addEventListener('click', () => !panel.hidden && toggle()); // one panel at a time

const state = { cases: [], pickers: new Map(), timer: null, busy: false, again: false };

async function refresh() {
  if (!token()) return;
  if (state.busy) {
    state.again = true; // asked while a read is on its way: read once more after it
    return;
  }
  state.busy = true;
  try {
    state.cases = (await api('GET', '/api/widget/cases', undefined, headers())).cases;
    button.hidden = !state.cases.length;
    if (!panel.hidden) render();
  } catch {
    /* the chat works without it; the next card or open tries again */
  } finally {
    state.busy = false;
  }
  if (state.again) {
    state.again = false;
    refresh();
  }
}

function toggle() {
  const theirs = $('#wg-ticket-panel');
  if (panel.hidden && theirs && !theirs.hidden && tickets) tickets.click(); // closes theirs; ours is still hidden
  panel.hidden = !panel.hidden;
  button.classList.remove('has-news');
  button.setAttribute('aria-expanded', String(!panel.hidden));
  if (!panel.hidden) {
    render();
    refresh();
  }
}

function picker(c, say) {
  if (!state.pickers.has(c.number)) {
    state.pickers.set(c.number, new PhotoPicker({ url: '/api/widget/attachments', headers, label: t('cs_w_upload'),
      onError: say }));
  }
  return state.pickers.get(c.number);
}

function upload(c) {
  const error = h('p', { class: 'wt-error', role: 'alert', hidden: true });
  const say = (text) => {
    error.textContent = text || '';
    error.hidden = !text;
  };
  const p = picker(c, say);
  const send = h('button', { type: 'button', class: 'btn btn-primary btn-small wc-send', text: t('cs_w_send'),
    onclick: async () => {
      if (p.busy()) return say(t('cs_w_upload_wait'));
      if (!p.keys().length) return p.input.click();
      try {
        await api('POST', `/api/widget/cases/${encodeURIComponent(c.number)}/photos`, { attachment_ids: p.keys() },
          headers());
      } catch (e) {
        return say(errorText(e));
      }
      p.clear();
      state.pickers.delete(c.number);
      await refresh();
      const card = panel.querySelector(`[data-number="${c.number}"]`);
      if (card) card.append(h('p', { class: 'wt-done', role: 'status', text: t('cs_w_sent') }));
    } });
  return h('div', { class: 'wc-upload' }, h('div', { class: 'tp-row' }, p.input,
    h('button', { type: 'button', class: 'btn btn-ghost btn-small wc-pick', text: t('cs_w_upload'),
      onclick: () => p.input.click() }), h('span', { class: 'tp-spacer' }), send), p.strip, error);
}

function caseView(c) {
  const o = c.outcome;
  const facts = [];
  if (o && o.allowed && c.refund) facts.push([t('cs_refund_is'), money(c.refund)]);
  if (o && o.return_shipping_payer && o.return_shipping_payer !== 'none') facts.push([t('cs_return_parcel'), payerText(o)]);
  if (o && o.reship_now) facts.push(['', t('cs_reship_now')]);
  return h('article', { class: 'wc-case', dataset: { number: c.number, status: c.status } },
    h('div', { class: 'wt-title' }, h('code', { text: c.number }), ' ',
      h('span', { text: [lang === 'en' ? t(`cs_kind_${c.kind}`) : c.kind_label, reasonText(c.reason, c.reason_label)]
        .filter(Boolean).join(' · ') })),
    h('div', { class: `cs-status cs-status--${c.status}`, text: pick(c.status_label) }),
    h('p', { class: 'wc-text', text: o ? o.reason_text : t('cs_w_waiting') }),
    facts.length ? h('dl', { class: 'case-card-facts' }, ...facts.flatMap(([k, v]) => [
      h('dt', { text: k }), h('dd', { text: v })])) : null,
    noteImages(c.photos),
    c.status === 'closed' ? null : upload(c));
}

function render() {
  panel.replaceChildren(
    h('div', { class: 'wt-head' }, h('strong', { text: t('cs_w_title') }),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('cs_w_back'), onclick: () => toggle() })),
    ...(state.cases.length ? state.cases.map(caseView) : [h('p', { class: 'muted', text: t('cs_w_none') })]));
}

let soon = null;
function changed() { // a case of this buyer moved (live event), or its card reached the chat
  clearTimeout(soon);
  soon = setTimeout(() => {
    if (panel.hidden) button.classList.add('has-news');
    refresh();
  }, 300);
}
document.addEventListener('kefu:case-card', changed);
document.addEventListener('kefu:event', (e) => { if (e.detail.type === 'case.updated') changed(); });
setTimeout(refresh, 1500); // once the widget's session has its token
