// The workspace's 售后 tab: the chat buyer's after-sale cases; a 新建售后单 form whose outcome (who pays the return
// parcel, the refund, reship now, the deciding rule and its sentence) is computed by the shop's policy as the
// fields change, before anything is saved; and a case's detail — the outcome (confirm it, or a supervisor's
// override of a refusal), the allowed status moves, responsibility, photos, the platform's deadline (小二介入)
// and the audit trail. Other panels draw inside #case-comp / #case-complaint after the `kefu:case` event.

import { $, api, clock, dateOnly, errorText, h, t, toast } from './dom.js';
import { payerText, reasonText } from './card-case.js';
import { PhotoPicker, noteImages } from './ticket-images.js';

const panel = $('#case-panel');
const badge = $('#cases-count');
const role = document.body.dataset.role || 'agent';
const KINDS = ['return', 'exchange', 'refund_only', 'reship', 'price_difference', 'repair', 'complaint'];
const RESPONSIBLE = ['buyer', 'seller', 'courier', 'platform'];
const state = { ctx: null, cases: [], view: 'list', policy: null, orders: undefined, detail: null, seq: 0 };
let previewTimer = null;

const money = (n) => t('cs_yuan', { n: Number(n || 0).toFixed(2) });
const statusText = (s) => t(`cs_st_${s}`);
const chip = (s) => h('span', { class: `cs-status cs-status--${s}`, text: statusText(s) });
const reasonLabel = (code) => {
  const r = ((state.policy && state.policy.policy.reasons) || []).find((x) => x.code === code);
  return reasonText(code, r ? r.label : '');
};

async function load() {
  const conv = state.ctx && state.ctx.conversation;
  if (!conv) {
    state.cases = [];
    render();
    followups(); // no chat open: the agent's follow-up visits due
    return;
  }
  const seq = ++state.seq;
  // the buyer's cases, from any chat, ticket or order (only this chat's when the buyer is unknown)
  const buyer = (state.ctx.customer && state.ctx.customer.id) || (conv.customer && conv.customer.id);
  const q = new URLSearchParams(buyer ? { customer_id: buyer } : { conversation_id: conv.id });
  try {
    const [list, policy] = await Promise.all([api('GET', `/api/cases?${q}`),
      state.policy ? state.policy : api('GET', '/api/aftersales/policy')]);
    if (seq !== state.seq) return;
    state.cases = list.cases;
    state.policy = policy;
  } catch (e) {
    panel.replaceChildren(h('p', { class: 'form-error', text: errorText(e) }));
    return;
  }
  const open = state.cases.filter((c) => !c.final).length;
  badge.hidden = !open;
  badge.textContent = String(open);
  if (typeof state.view === 'string' && state.view.startsWith('SH-')) await openCase(state.view);
  else render();
}

/** 我的回访: the follow-up visits this agent owes, due soonest first (overdue in red), each opening its chat. */
async function followups() {
  let rows = [];
  try {
    rows = (await api('GET', '/api/followups?mine=1')).followups;
  } catch {
    return;
  }
  if (state.ctx && state.ctx.conversation) return; // a chat was opened meanwhile
  panel.replaceChildren(h('div', { class: 'cs-head' }, h('strong', { text: t('cs_my_followups') })),
    rows.length ? h('ul', { class: 'cs-list' }, ...rows.map((f) => h('li', {},
      h('a', { class: `cs-row${f.overdue ? ' is-overdue' : ''}`, href: f.conversation_id ? `#c${f.conversation_id}` : '#' },
        h('span', { class: 'cs-row-top' }, h('code', { text: f.case_number }),
          h('span', { class: `cs-due${f.overdue ? ' is-overdue' : ''}`, text: t(f.overdue ? 'cs_overdue' : 'cs_due') })),
        h('span', { class: 'cs-row-sub muted small', text: `${dateOnly(f.due_at)} ${clock(f.due_at)}` })))))
      : h('p', { class: 'muted side-empty', text: t('cs_no_chat') }));
}

function render() {
  if (!state.ctx || !state.ctx.conversation) {
    panel.replaceChildren(h('p', { class: 'muted side-empty', text: t('cs_no_chat') }));
    return;
  }
  if (state.view === 'new') return; // the form keeps what the agent typed
  panel.replaceChildren(
    h('div', { class: 'cs-head' }, h('strong', { text: t('cases_tab') }),
      h('button', { type: 'button', class: 'btn btn-primary btn-small', id: 'cs-new', text: t('cs_new'),
        onclick: () => showForm() })),
    state.cases.length ? h('ul', { class: 'cs-list' }, ...state.cases.map((c) => h('li', {},
      h('button', { type: 'button', class: 'cs-row', dataset: { number: c.number }, onclick: () => openCase(c.number) },
        h('span', { class: 'cs-row-top' }, h('code', { text: c.number }), chip(c.status)),
        h('span', { class: 'cs-row-sub muted small', text: [t(`cs_kind_${c.kind}`), reasonText(c.reason, c.reason_label),
          c.order_number]
          .filter(Boolean).join(' · ') }),
        c.outcome && c.outcome.reason_text ? h('span', { class: 'cs-row-text small', text: c.outcome.reason_text })
          : null))))
      : h('p', { class: 'muted side-empty', text: t('cs_empty') }));
}

// ---------------------------------------------------------------- the new-case form with its live preview

async function buyerOrders() {
  const conv = state.ctx.conversation;
  try {
    const r = await api('GET', `/api/orders?conversation_id=${conv.id}`);
    const list = Array.isArray(r) ? r : r && Array.isArray(r.orders) ? r.orders : null;
    return list ? list.filter((o) => o && o.number) : false;
  } catch {
    return false; // not there (or down): a plain order-number input
  }
}

function outcomeView(o, refund, { title, proposed } = {}) {
  if (!o) return h('p', { class: 'muted small', text: t('cs_preview_wait') });
  const rows = [[t('cs_rule'), o.rule]];
  rows.push([t('cs_return_parcel'), payerText(o)]);
  if (refund ?? o.refund) rows.push([t('cs_refund_is'), money(refund ?? o.refund)]);
  rows.push(['', o.reship_now ? t('cs_reship_now') : t('cs_reship_later')]);
  return h('div', { class: `cs-outcome ${o.allowed ? 'is-allowed' : 'is-refused'}${proposed ? ' is-proposed' : ''}`,
    'aria-live': 'polite' },
  h('div', { class: 'cs-outcome-head' }, title ? h('span', { class: 'muted small', text: title }) : null,
    h('strong', { class: 'cs-verdict', text: o.allowed ? t('cs_allowed') : t('cs_refused') })),
  h('p', { class: 'cs-reason-text', text: o.reason_text }),
  h('dl', { class: 'cs-facts' }, ...rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])));
}

function field(label, control) {
  return h('label', { class: 'field cs-field' }, h('span', { text: label }), control);
}

async function showForm() {
  state.view = 'new';
  if (state.orders === undefined) state.orders = await buyerOrders();
  const reasons = state.policy.policy.reasons;
  const kind = h('select', { name: 'kind' }, ...KINDS.map((k) => h('option', { value: k, text: t(`cs_kind_${k}`) })));
  const reason = h('select', { name: 'reason' },
    ...reasons.map((r) => h('option', { value: r.code, text: reasonText(r.code, r.label) })));
  const order = state.orders && state.orders.length
    ? h('select', { name: 'order_number' }, h('option', { value: '', text: t('cs_order_none') }),
      ...state.orders.map((o) => h('option', { value: o.number, text: `${o.number}${o.items && o.items[0]
        ? ` · ${o.items[0].name}` : ''}` })))
    : h('input', { name: 'order_number', maxlength: 32, inputmode: 'numeric', autocomplete: 'off' });
  if (order.tagName === 'SELECT' && state.orders.length) order.value = state.orders[0].number;
  const desc = h('textarea', { name: 'description', rows: 2, maxlength: 2000 });
  const rs = h('input', { name: 'return_shipping', type: 'number', min: 0, step: '0.01', value: '0' });
  const refund = h('input', { name: 'refund', type: 'number', min: 0, step: '0.01' });
  const preview = h('div', { class: 'cs-preview', id: 'cs-preview' }, outcomeView(null));
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const body = () => ({
    kind: kind.value, reason: reason.value, description: desc.value, order_number: order.value.trim() || null,
    conversation_id: state.ctx.conversation.id, return_shipping: Number(rs.value || 0),
    refund: refund.value === '' ? null : Number(refund.value),
  });
  const say = (text) => {
    error.textContent = text || '';
    error.hidden = !text;
  };
  const update = () => {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(async () => {
      const b = body();
      if (b.kind !== 'complaint' && !b.order_number) {
        preview.replaceChildren(h('p', { class: 'muted small', text: t('cs_needs_order') }));
        return;
      }
      try {
        const r = await api('POST', '/api/cases/preview', b);
        say('');
        preview.replaceChildren(r.outcome ? outcomeView(r.outcome, r.refund, { title: t('cs_policy_version',
          { v: r.policy_version }) }) : h('p', { class: 'muted small', text: t('cs_preview_wait') }));
      } catch (e) {
        preview.replaceChildren();
        say(errorText(e));
      }
    }, 200);
  };
  const submit = async (confirm) => {
    try {
      const made = await api('POST', '/api/cases', { ...body(), confirm });
      toast(confirm ? t('cs_confirmed_toast') : t('cs_created_toast', { number: made.case.number }), 'ok');
      state.view = made.case.number;
      await load();
    } catch (e) {
      say(errorText(e));
    }
  };
  const form = h('form', { class: 'cs-form', id: 'cs-form', oninput: update, onchange: update,
    onsubmit: (e) => { e.preventDefault(); submit(true); } },
  h('div', { class: 'cs-head' }, h('strong', { text: t('cs_new') }),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('cancel'),
      onclick: () => { state.view = 'list'; render(); } })),
  h('div', { class: 'field-row' }, field(t('cs_kind'), kind), field(t('cs_reason'), reason)),
  field(t('cs_order'), order),
  state.orders === false ? h('p', { class: 'muted small cs-hint', text: t('cs_orders_down') }) : null,
  h('div', { class: 'field-row' }, field(t('cs_return_shipping'), rs), field(t('cs_refund'), refund)),
  field(t('cs_description'), desc),
  h('h4', { class: 'cs-sub', text: t('cs_preview') }), preview, error,
  h('div', { class: 'cs-actions' },
    h('button', { type: 'submit', class: 'btn btn-primary btn-small', id: 'cs-confirm', text: t('cs_create_confirm') }),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('cs_create_only'),
      onclick: () => submit(false) })));
  panel.replaceChildren(form);
  update();
}

// ---------------------------------------------------------------- a case's detail

async function openCase(number) {
  state.view = number;
  let d;
  try {
    d = await api('GET', `/api/cases/${encodeURIComponent(number)}`);
  } catch (e) {
    panel.replaceChildren(h('p', { class: 'form-error', text: errorText(e) }));
    return;
  }
  if (state.view !== number) return;
  state.detail = d;
  drawCase(d);
}

async function act(url, data) {
  try {
    const d = await api('POST', `/api/cases/${encodeURIComponent(state.detail.case.number)}${url}`, data);
    state.detail = d;
    drawCase(d);
    return d;
  } catch (e) {
    toast(errorText(e), 'error');
    return null;
  }
}

function section(title, ...body) {
  return h('section', { class: 'cs-section' }, h('h4', { class: 'cs-sub', text: title }), ...body);
}

function drawCase(d) {
  const c = d.case;
  const refused = (c.outcome && !c.outcome.allowed) || (!c.outcome && d.proposed && !d.proposed.allowed);
  const note = h('input', { maxlength: 1000, placeholder: t('cs_status_note'), 'aria-label': t('cs_status_note') });
  const moves = c.next.length ? section(t('cs_status_moves'), h('div', { class: 'cs-moves' }, ...c.next.map((s) =>
    h('button', { type: 'button', class: `btn btn-small ${s === 'rejected' || s === 'closed' ? 'btn-ghost' : ''}`,
      dataset: { status: s }, text: t('cs_to', { status: statusText(s) }),
      onclick: () => act('/status', { status: s, note: note.value }) }))), note) : null;

  const outcome = c.outcome
    ? section(t('cs_outcome'), outcomeView(c.outcome, c.refund),
      c.override_note ? h('p', { class: 'small cs-override-note', text: t('cs_overridden_by', { note: c.override_note }) })
        : null)
    : d.proposed ? section(t('cs_outcome'), outcomeView(d.proposed, null, { title: t('cs_proposed'), proposed: true }),
      c.status === 'open' ? h('button', { type: 'button', class: 'btn btn-primary btn-small', id: 'cs-confirm-case',
        text: t('cs_confirm'), onclick: () => act('/confirm').then((r) => r && toast(t('cs_confirmed_toast'), 'ok')) })
        : null) : null;

  const why = h('input', { maxlength: 1000, placeholder: t('cs_override_note'), 'aria-label': t('cs_override_note') });
  const override = refused && ['open', 'rejected'].includes(c.status) && ['supervisor', 'admin'].includes(role)
    ? section(t('cs_override'), h('p', { class: 'muted small', text: t('cs_override_hint') }),
      h('div', { class: 'cs-inline' }, why, h('button', { type: 'button', class: 'btn btn-small', text: t('cs_override'),
        onclick: () => act('/override', { note: why.value }) }))) : null;

  const who = h('select', { 'aria-label': t('cs_responsibility') }, h('option', { value: '', text: '—' }),
    ...RESPONSIBLE.map((r) => h('option', { value: r, text: t(`cs_resp_${r}`) })));
  who.value = c.responsibility || '';
  const whyResp = h('input', { maxlength: 1000, value: c.responsibility_note || '', placeholder: t('cs_resp_note'),
    'aria-label': t('cs_resp_note') });
  const responsibility = section(t('cs_responsibility'), h('div', { class: 'cs-inline' }, who, whyResp,
    h('button', { type: 'button', class: 'btn btn-small', text: t('cs_save'),
      onclick: () => act('/responsibility', { responsibility: who.value, note: whyResp.value }) })));

  const picker = new PhotoPicker({ url: '/api/attachments', label: t('cs_add_photo'),
    onError: (text) => toast(text, 'error'),
    onChange: () => { sendPhotos.hidden = !picker.keys().length; } });
  const sendPhotos = h('button', { type: 'button', class: 'btn btn-small', hidden: true, text: t('cs_save'),
    onclick: () => act('/photos', { attachment_ids: picker.keys() }) });
  const photos = section(t('cs_photos'), d.photos.length ? noteImages(d.photos)
    : h('p', { class: 'muted small', text: t('cs_photos_none') }),
  h('div', { class: 'tp-row' }, picker.button, picker.input, sendPhotos), picker.strip);

  const ref = h('input', { maxlength: 64, value: c.platform_ref || '', placeholder: t('cs_platform_ref'),
    'aria-label': t('cs_platform_ref') });
  const due = h('input', { type: 'datetime-local', 'aria-label': t('cs_platform_due') });
  const platform = section(t('cs_platform'),
    c.platform_due_at ? h('p', { class: `cs-platform cs-platform--${c.platform_state}`,
      text: `${c.platform_ref} · ${t(`cs_platform_${c.platform_state}`, { at: clock(c.platform_due_at) })}` }) : null,
    c.status === 'closed' ? null : h('div', { class: 'cs-inline' }, ref, due,
      h('button', { type: 'button', class: 'btn btn-small', text: t('cs_platform_set'),
        onclick: () => due.value && act('/platform', { platform_ref: ref.value,
          due_at: new Date(due.value).toISOString() }) })));

  const trail = section(t('cs_trail'), h('ol', { class: 'cs-trail' }, ...d.changes.map((x) => h('li', {},
    h('time', { text: clock(x.at) }), ' ',
    h('span', { class: 'cs-trail-who', text: x.agent_name || (x.actor === 'buyer' ? t('cs_by_buyer') : t('cs_by_system')) }),
    ' ', h('code', { text: x.field }),
    x.field === 'outcome' ? null : h('span', { class: 'cs-trail-val', text: ` ${x.before ?? ''} → ${x.after ?? ''}` })))));

  panel.replaceChildren(h('div', { class: 'cs-detail', dataset: { number: c.number } },
    h('div', { class: 'cs-head' }, h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('cs_list'),
      onclick: () => { state.view = 'list'; load(); } }), chip(c.status)),
    h('div', { class: 'cs-title' }, h('code', { text: c.number }), ' ',
      h('strong', { text: [t(`cs_kind_${c.kind}`), reasonLabel(c.reason)].filter(Boolean).join(' · ') })),
    h('p', { class: 'muted small' }, [c.order_number, d.ticket ? `${t('cs_ticket')} ${d.ticket.number}` : null,
      t('cs_policy_version', { v: c.policy_version })].filter(Boolean).join(' · ')),
    c.description ? h('p', { class: 'cs-desc', text: c.description }) : null,
    outcome, override, moves, c.kind === 'complaint' ? null : responsibility, photos, // a complaint decides it in a stage
    h('div', { id: 'case-comp' }), h('div', { id: 'case-complaint' }), platform, trail));
  document.dispatchEvent(new CustomEvent('kefu:case', { detail: { case: c, conversation: state.ctx.conversation,
    customer: state.ctx.customer } }));
}

// ---------------------------------------------------------------- wiring

document.addEventListener('kefu:conversation', (e) => {
  const before = state.ctx && state.ctx.conversation && state.ctx.conversation.id;
  state.ctx = e.detail;
  const now = state.ctx && state.ctx.conversation && state.ctx.conversation.id;
  if (before !== now) {
    state.view = 'list';
    state.orders = undefined;
    state.detail = null;
  }
  badge.hidden = true;
  load();
});

document.addEventListener('kefu:event', (e) => {
  const ev = e.detail || {};
  if (!state.ctx || !state.ctx.conversation || !String(ev.type || '').startsWith('case.')) return;
  const number = ev.data && ev.data.case && ev.data.case.number;
  if (ev.conversation_id === state.ctx.conversation.id || state.cases.some((c) => c.number === number)) {
    if (state.view !== 'new') load();
  }
});

if (!state.ctx) load(); // the workspace opened no chat before this module listened: the visits owed
