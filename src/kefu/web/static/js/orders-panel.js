// The workspace's 订单 tab. With a chat open: the buyer's orders as compact cards (items, amount paid, payment,
// status and logistics — a delay in red —, carrier and tracking number with a copy button, the times), the
// orders the buyer typed the numbers of (the tab's count badge), the last-4 check for an order of a buyer not
// yet identified, 发送订单卡片 and, for an unpaid one, 催付. With no chat open: the 催付 list of unpaid orders
// with 一键催付. When the order system is down the panel says so and the chat goes on.

import { revealButton } from './chat-view.js';
import { $, $$, api, clock, errorText, h, t, toast } from './dom.js';

const panel = $('#orders-panel');
const badge = $('#orders-count');
let current = null; // {conversation, customer}
let data = null; // {orders, others, mentioned, tries_left}
let seq = 0;
let seen = new Set(); // mentioned numbers the agent has looked at (the badge counts the others)
let receivers = new Map(); // order number -> its receiver as revealed (查看), while this chat stays open

const yuan = (fen) => (fen / 100).toFixed(2);
const status = (s) => t(`os_${s}`);
const logistics = (s) => t(`ol_${s}`);
const payment = (p) => (p ? (['alipay', 'wechat', 'card', 'cod'].includes(p) ? t(`pay_${p}`) : p) : '');

function ordersTabOpen() {
  const tab = $('[data-side="orders"]');
  return tab && tab.getAttribute('aria-selected') === 'true';
}

function updateBadge() {
  if (!badge) return;
  if (ordersTabOpen() && data) (data.mentioned || []).forEach((n) => seen.add(n));
  const n = data ? (data.mentioned || []).filter((x) => !seen.has(x)).length : 0;
  badge.textContent = n ? String(n) : '';
  badge.hidden = !n;
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast(t('op_copied'));
  } catch {
    toast(text);
  }
}

async function busy(button, fn) {
  button.disabled = true;
  try {
    await fn();
  } catch (e) {
    toast(errorText(e), 'error');
  } finally {
    button.disabled = false;
  }
}

function times(o) {
  const row = [['op_placed', o.placed_at], ['op_paid_at', o.paid_at], ['op_shipped_at', o.shipped_at],
    ['op_delivered_at', o.delivered_at]].filter(([, at]) => at);
  return h('dl', { class: 'op-times' }, row.flatMap(([key, at]) => [h('dt', { text: t(key) }), h('dd', { text: clock(at) })]));
}

function verifyForm(o) {
  const input = h('input', { class: 'op-last4', inputmode: 'numeric', maxlength: 4, pattern: '\\d{4}',
    placeholder: t('op_last4'), 'aria-label': t('op_last4'), autocomplete: 'off' });
  const note = h('p', { class: 'op-verify-note muted small', role: 'status',
    text: t('op_verify_help') });
  const go = h('button', { type: 'submit', class: 'btn btn-small btn-primary', text: t('op_verify') });
  const form = h('form', { class: 'op-verify' }, note, h('div', { class: 'op-verify-row' }, input, go));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!/^\d{4}$/.test(input.value)) {
      note.textContent = t('op_verify_bad');
      return;
    }
    busy(go, async () => {
      const r = await api('POST', '/api/orders/verify', { conversation_id: current.conversation.id,
        order_number: o.number, last4: input.value });
      if (r.ok) {
        toast(t('op_verify_ok'));
        await load();
      } else {
        note.textContent = t('op_verify_wrong', { n: r.tries_left });
        note.classList.add('is-error');
        input.value = '';
      }
    });
  });
  return form;
}

function actions(o) {
  const out = [];
  if (current) {
    const send = h('button', { type: 'button', class: 'btn btn-small op-send', text: t('op_send_card') });
    send.addEventListener('click', () => busy(send, async () => {
      await api('POST', `/api/orders/${encodeURIComponent(o.number)}/card`, { conversation_id: current.conversation.id });
      toast(t('op_card_sent'));
    }));
    out.push(send);
  }
  if (o.status === 'unpaid') out.push(remindButton(o.number, current ? current.conversation.id : null, t('op_remind_one')));
  return out.length ? h('div', { class: 'op-actions' }, out) : null;
}

/** One order as a compact card: everything the agent may see of it. */
export function orderBlock(o, mentioned = false) {
  const head = h('div', { class: 'op-head' }, h('span', { class: 'op-number', text: o.number }),
    h('span', { class: `op-status op-status--${o.status}`, text: status(o.status) }));
  const box = h('article', { class: `op-order${mentioned ? ' is-mentioned' : ''}`, dataset: { number: o.number } }, head);
  if (o.needs_verification) {
    box.append(h('p', { class: 'op-hidden muted small', text: t('op_hidden') }), verifyForm(o));
    return box;
  }
  box.append(h('ul', { class: 'op-items' }, (o.items || []).map((it) => h('li', {},
    h('span', { class: 'op-item-name', text: it.name }), h('span', { class: 'muted', text: t('op_qty', { n: it.qty }) })))));
  const money = o.status === 'unpaid' ? t('op_owes', { amount: yuan(o.total_fen) }) : t('op_paid', { amount: yuan(o.total_fen) });
  box.append(h('div', { class: 'op-money' }, h('strong', { text: money }),
    o.shipping_fen ? h('span', { class: 'muted small', text: t('op_shipping', { amount: yuan(o.shipping_fen) }) }) : null,
    o.payment_method ? h('span', { class: 'muted small', text: payment(o.payment_method) }) : null));
  const track = o.tracking_number
    ? [h('span', { class: 'op-track', text: `${o.carrier || ''} ${o.tracking_number}`.trim() }),
      h('button', { type: 'button', class: 'link op-copy', text: t('op_copy'), onclick: () => copy(o.tracking_number) })]
    : [];
  box.append(h('div', { class: 'op-ship' }, h('span', {
    class: `op-logistics op-logistics--${o.logistics_status}`, text: logistics(o.logistics_status) }), ...track));
  if (o.logistics_note) box.append(h('p', { class: `op-note op-note--${o.logistics_status} small`, text: o.logistics_note }));
  box.append(times(o));
  if (o.address || o.buyer_phone) box.append(receiverLine(o));
  const act = actions(o);
  if (act) box.append(act);
  return box;
}

/** 收货人: name, phone and address as staff see them (masked), with 查看 (audited; refused for a buyer not
 * identified, and the refusal said on the line). */
function receiverLine(o) {
  const got = receivers.get(o.number);
  const value = (x) => [x.buyer_name, x.buyer_phone, x.address].filter(Boolean).join(' ');
  const text = h('span', { class: 'wsp-value', text: value(got || o) });
  const line = h('p', { class: 'op-receiver small muted' }, `${t('op_receiver')}：`, text);
  if (!o.receiver_masked || got || !current) return line;
  const conversationId = current.conversation.id;
  const refused = h('span', { class: 'wsp-error', role: 'alert', hidden: true });
  line.append(revealButton(
    () => api('POST', `/api/orders/${encodeURIComponent(o.number)}/reveal?conversation_id=${conversationId}`),
    (r) => {
      receivers.set(o.number, r);
      text.textContent = value(r);
      refused.hidden = true;
    },
    (e) => {
      refused.textContent = errorText(e);
      refused.hidden = false;
    }), refused);
  return line;
}

function remindButton(number, conversationId, label) {
  const b = h('button', { type: 'button', class: 'btn btn-small op-remind', text: label });
  b.addEventListener('click', () => busy(b, async () => {
    const r = await api('POST', `/api/orders/${encodeURIComponent(number)}/remind`,
      conversationId ? { conversation_id: conversationId } : {});
    toast(t(r.reminder.via === 'chat' ? 'op_reminded_chat' : 'op_reminded_record'));
    b.replaceWith(h('span', { class: 'op-reminded small', text: t('op_reminded', { when: clock(r.reminder.at) }) }));
  }));
  return b;
}

function outage(e, retry) {
  const again = h('button', { type: 'button', class: 'btn btn-small', text: t('op_retry'), onclick: retry });
  const text = e && e.code === 'order_system_unavailable' ? t('op_down') : errorText(e);
  return h('div', { class: 'alert alert--warn op-down', role: 'alert' }, h('p', { text }), again);
}

function renderChat() {
  const mentioned = new Set(data.mentioned || []);
  const byMention = [...(data.others || []), ...data.orders.filter((o) => mentioned.has(o.number))];
  byMention.sort((a, b) => data.mentioned.indexOf(a.number) - data.mentioned.indexOf(b.number));
  const parts = [];
  if (byMention.length) {
    parts.push(h('h3', { class: 'op-title', text: t('op_mentioned') }), ...byMention.map((o) => orderBlock(o, true)));
  }
  const rest = data.orders.filter((o) => !mentioned.has(o.number));
  parts.push(h('div', { class: 'op-title-row' }, h('h3', { class: 'op-title', text: t('op_buyer_orders') }),
    h('button', { type: 'button', class: 'link small', text: t('op_refresh'), onclick: load })));
  if (!data.orders.length) parts.push(h('p', { class: 'muted small op-empty', text: t('op_none') }));
  parts.push(...rest.map((o) => orderBlock(o)));
  panel.replaceChildren(...parts);
  updateBadge();
}

async function load() {
  const mine = ++seq;
  if (!current) return loadUnpaid(mine);
  const id = current.conversation.id;
  if (!data) panel.replaceChildren(h('div', { class: 'loading', text: t('loading') }));
  try {
    const got = await api('GET', `/api/orders?conversation_id=${id}`);
    if (mine !== seq) return;
    data = got;
    renderChat();
  } catch (e) {
    if (mine !== seq) return;
    data = null;
    panel.replaceChildren(outage(e, load));
    updateBadge();
  }
}

function unpaidRow(o) {
  const state = o.reminded
    ? h('span', { class: 'op-reminded small', text: `${t('op_reminded', { when: clock(o.reminded.at) })} · ${t(`op_via_${o.reminded.via}`)}` })
    : remindButton(o.number, o.conversation_id, t('op_remind'));
  return h('article', { class: 'op-order op-unpaid', dataset: { number: o.number } },
    h('div', { class: 'op-head' }, h('span', { class: 'op-number', text: o.number }),
      h('span', { class: 'muted small', text: clock(o.placed_at) })),
    h('div', { class: 'op-money' }, h('strong', { text: t('op_owes', { amount: yuan(o.total_fen) }) }),
      h('span', { class: 'small', text: o.item ? `${o.item}${o.count > 1 ? ` ${t('oc_more', { n: o.count })}` : ''}` : '' })),
    h('div', { class: 'op-ship' }, h('span', { class: 'small', text: o.buyer_name || '' }),
      o.conversation_id ? null : h('span', { class: 'muted small', text: t('op_no_chat') })),
    h('div', { class: 'op-actions' }, state));
}

async function loadUnpaid(mine) {
  panel.replaceChildren(h('div', { class: 'loading', text: t('loading') }));
  try {
    const r = await api('GET', '/api/orders/unpaid');
    if (mine !== seq) return;
    const head = [h('h3', { class: 'op-title', text: t('op_unpaid_title') }),
      h('p', { class: 'muted small', text: t('op_unpaid_help', { m: r.delay_minutes }) })];
    if (r.auto_remind) head.push(h('p', { class: 'small op-auto', text: t('op_unpaid_auto') }));
    const body = !r.supported ? [h('p', { class: 'muted small op-empty', text: t('op_unpaid_unsupported') })]
      : r.orders.length ? r.orders.map(unpaidRow) : [h('p', { class: 'muted small op-empty', text: t('op_unpaid_none') })];
    panel.replaceChildren(h('section', { class: 'op-unpaid-list' }, ...head, ...body));
  } catch (e) {
    if (mine === seq) panel.replaceChildren(outage(e, load));
  }
}

document.addEventListener('kefu:conversation', (e) => {
  const next = e.detail && e.detail.conversation ? e.detail : null;
  if (next && current && next.conversation.id === current.conversation.id) return;
  current = next;
  data = null;
  seen = new Set();
  receivers = new Map();
  load();
});

document.addEventListener('kefu:event', (e) => {
  const ev = e.detail;
  if (ev && !current && ev.type === 'orders.reminded') load(); // a colleague reminded someone on the 催付 list
  if (!ev || !current || ev.type !== 'message.created') return;
  const m = ev.data && ev.data.message;
  if (!m || m.conversation_id !== current.conversation.id || m.sender !== 'buyer') return;
  const spans = (((m.analysis || {}).entities || {}).order_numbers || []).map((s) => s.text).filter(Boolean);
  if (spans.some((n) => !(data && (data.mentioned || []).includes(n)))) load();
});

$$('[data-side]').forEach((b) => b.addEventListener('click', () => setTimeout(updateBadge)));

if (panel) load();
