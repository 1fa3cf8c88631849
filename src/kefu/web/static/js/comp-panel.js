// Compensation on the open after-sale case, inside #case-comp (drawn by case-panel.js, which fires `kefu:case`):
// what was offered so far with its status, my authority left ("本单还可给 ¥x，今日还可给 ¥y"), and a small form
// that says before submitting whether the offer is within my authority or goes to a supervisor. A pending
// request flips live to approved / rejected (with the supervisor's note) on `compensation.updated`.

import { api, clock, errorText, h, lang, t, toast } from './dom.js';

const me = Number(document.body.dataset.agentId);
const KINDS = ['coupon', 'gift', 'shipping_refund', 'partial_refund'];
let current = null; // {number, data: GET /api/cases/{n}/compensations, root}
let draft = { kind: 'coupon', amount: '', note: '' }; // survives a live redraw

export const yuan = (fen) => (fen % 100 ? (fen / 100).toFixed(2) : String(fen / 100));
const money = (fen) => (fen == null ? t('comp_unlimited') : yuan(fen));
const kindText = (k) => t(`comp_kind_${k}`);

/** Fen from what the agent typed, or null when it is not a positive amount with at most 2 decimals. */
export function toFen(text) {
  const s = String(text).trim();
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return null;
  const [whole, cents = ''] = s.split('.');
  const fen = Number(whole) * 100 + Number(cents.padEnd(2, '0'));
  return fen > 0 ? fen : null;
}

/** What submitting would do, as the server decides it: {within, text}. */
export function preview(auth, kind, typed) {
  const fen = typed ?? 1; // nothing typed yet: would the smallest amount still pass?
  if (!auth.kinds.includes(kind)) return { within: false, text: t('comp_beyond_kind', { kind: kindText(kind) }) };
  if (auth.case_left_fen != null && fen > auth.case_left_fen) {
    return { within: false, text: t('comp_beyond_case', { left: yuan(auth.case_left_fen) }) };
  }
  if (auth.day_left_fen != null && fen > auth.day_left_fen) {
    return { within: false, text: t('comp_beyond_day', { left: yuan(auth.day_left_fen) }) };
  }
  return { within: true, text: t('comp_within') };
}

function offerItem(c) {
  const decided = c.status === 'approved' || c.status === 'rejected';
  return h('li', { class: `comp-item comp-item--${c.status}`, dataset: { id: c.id, status: c.status } },
    h('div', { class: 'comp-item-head' },
      h('strong', { text: `${kindText(c.kind)} ¥${c.amount}` }),
      h('span', { class: `comp-chip comp-chip--${c.status}`, text: t(`comp_status_${c.status}`) })),
    c.note ? h('div', { class: 'comp-note', text: c.note }) : null,
    h('div', { class: 'muted small', text: t('comp_by', { name: c.agent_name || '—', time: clock(c.created_at) }) }),
    decided ? h('div', { class: 'comp-decision small', text: t('comp_decision', {
      name: c.decided_by_name || '—', note: c.decision_note || t(`comp_status_${c.status}`),
    }) }) : null);
}

function form(data) {
  const auth = data.authority;
  const kind = h('select', { class: 'comp-kind', 'aria-label': t('comp_kind') },
    ...KINDS.map((k) => h('option', { value: k, text: kindText(k), selected: k === draft.kind })));
  const amount = h('input', { class: 'comp-amount', inputmode: 'decimal', maxlength: 10, value: draft.amount,
    'aria-label': t('comp_amount'), placeholder: t('comp_amount') });
  const note = h('textarea', { class: 'comp-note-input', rows: 2, maxlength: 500, placeholder: t('comp_note_ph'),
    'aria-label': t('comp_note') });
  note.value = draft.note;
  const hint = h('p', { class: 'comp-hint', role: 'status' });
  const button = h('button', { type: 'submit', class: 'btn btn-small btn-primary' });
  const update = () => {
    draft = { kind: kind.value, amount: amount.value, note: note.value };
    const fen = toFen(amount.value);
    const p = preview(auth, kind.value, fen);
    const cap = kind.value === 'partial_refund' && data.order_paid_fen != null
      ? ` ${t('comp_refund_cap', { paid: yuan(data.order_paid_fen) })}` : '';
    hint.textContent = p.text + cap;
    hint.className = `comp-hint ${p.within ? 'is-within' : 'is-beyond'}`;
    button.textContent = p.within ? t('comp_give') : t('comp_ask');
    note.required = !p.within;
    return { fen, within: p.within };
  };
  for (const el of [kind, amount, note]) el.addEventListener('input', update);
  const f = h('form', { class: 'comp-form', novalidate: true },
    h('div', { class: 'comp-row' }, kind, amount), note, hint, h('div', { class: 'comp-row' }, button));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { fen, within } = update();
    if (fen == null) {
      amount.focus();
      return toast(t('comp_bad_number', { field: t('comp_amount') }), 'error');
    }
    if (!within && !note.value.trim()) {
      note.focus();
      return toast(t('comp_note_needed'), 'error');
    }
    button.disabled = true;
    try {
      const r = await api('POST', `/api/cases/${encodeURIComponent(current.number)}/compensations`,
        { kind: kind.value, amount: amount.value.trim(), note: note.value.trim() });
      const c = r.compensation;
      toast(c.status === 'granted' ? t('comp_granted_toast', { amount: c.amount, kind: kindText(c.kind) })
        : t('comp_requested_toast'), 'success');
      draft = { kind: kind.value, amount: '', note: '' };
      await load(current.number, current.root);
    } catch (err) {
      toast(errorText(err), 'error');
      button.disabled = false;
    }
  });
  update();
  return f;
}

function render() {
  const { data, root } = current;
  const auth = data.authority;
  const list = auth.kinds.map(kindText).join(lang === 'en' ? ', ' : '、');
  const kinds = auth.kinds.length ? t('comp_my_kinds', { kinds: list }) : t('comp_no_kinds');
  root.replaceChildren(h('section', { class: 'comp-panel', 'aria-label': t('comp_title') },
    h('div', { class: 'comp-head' }, h('h3', { text: t('comp_title') }),
      h('span', { class: 'muted small', text: t('comp_total', { amount: yuan(data.granted_fen) }) })),
    data.compensations.length
      ? h('ul', { class: 'comp-list' }, ...data.compensations.slice().reverse().map(offerItem))
      : h('p', { class: 'muted small', text: t('comp_none') }),
    h('p', { class: 'comp-left',
      text: t('comp_left', { case: money(auth.case_left_fen), day: money(auth.day_left_fen) }) }),
    h('p', { class: 'muted small', text: kinds }),
    form(data)));
}

async function load(number, root) {
  let data;
  try {
    data = await api('GET', `/api/cases/${encodeURIComponent(number)}/compensations`);
  } catch (e) {
    if (current && current.number === number) root.replaceChildren(h('p', { class: 'form-error', text: errorText(e) }));
    return;
  }
  if (!current || current.number !== number || !root.isConnected) return; // another case opened meanwhile
  current.data = data;
  render();
}

document.addEventListener('kefu:case', (e) => {
  const root = document.getElementById('case-comp');
  const c = e.detail && e.detail.case;
  if (!root || !c || !c.number) return;
  if (!current || current.number !== c.number) draft = { kind: 'coupon', amount: '', note: '' };
  current = { number: c.number, data: null, root };
  load(c.number, root);
});

document.addEventListener('kefu:conversation', () => {
  current = null;
});

document.addEventListener('kefu:event', (e) => {
  const ev = e.detail;
  if (!ev || ev.type !== 'compensation.updated') return;
  const d = ev.data || {};
  const c = d.compensation || {};
  if ((d.action === 'approved' || d.action === 'rejected') && c.agent_id === me) {
    toast(t('comp_decided_toast', { status: t(`comp_status_${c.status}`), amount: c.amount, kind: kindText(c.kind) }),
      c.status === 'approved' ? 'success' : 'error');
  }
  if (current && d.case && d.case.number === current.number && current.root.isConnected) {
    load(current.number, current.root);
  }
});
