// The supervisor's 补偿审批 panel (#sv-approvals): requests beyond an agent's authority, oldest first, with the
// case's context (case, kind, reason, what the order paid, what the case already got, the buyer, the agent, the
// chat) and approve / reject with a note. Live: the page's socket brings `compensation.updated`, so a new
// request appears at once and a decided one leaves (whoever decided it).

import { api, clock, errorText, h, lang, t, toast } from './dom.js';

const root = document.getElementById('sv-approvals');
const yuan = (fen) => (fen % 100 ? (fen / 100).toFixed(2) : String(fen / 100));
let requests = [];
let soon = null;

/** Read the list again shortly: a burst of events (a replay after a reconnect) costs one request. */
function refreshSoon() {
  if (soon) return;
  soon = setTimeout(() => {
    soon = null;
    refresh();
  }, 150);
}

/** "（优惠券 ¥10、小礼品 ¥5）": what the case already got, by kind. */
function given(list) {
  if (!list.length) return '';
  const parts = list.map((g) => `${t(`comp_kind_${g.kind}`)} ¥${yuan(g.amount_fen)}`);
  return lang === 'en' ? ` (${parts.join(', ')})` : `（${parts.join('、')}）`;
}

function card(r) {
  const c = r.case;
  const mine = r.my_decision || { within: true };
  const note = h('input', { class: 'comp-sv-note', maxlength: 500, placeholder: t('comp_sv_note_ph'),
    'aria-label': t('comp_sv_note_ph') });
  const decide = async (verb, button) => {
    if (verb === 'reject' && !note.value.trim()) {
      note.focus();
      return toast(t('comp_sv_reject_note'), 'error');
    }
    button.disabled = true;
    try {
      await api('POST', `/api/compensation/requests/${r.id}/${verb}`, { note: note.value.trim() });
      requests = requests.filter((x) => x.id !== r.id);
      render();
    } catch (e) {
      toast(errorText(e), 'error');
      button.disabled = false;
      if (e.status === 409) refresh();
    }
  };
  const blocked = mine.own ? t('comp_sv_own') : (!mine.within ? mine.reason[lang] : '');
  return h('li', { class: 'comp-sv-item', dataset: { id: r.id } },
    h('div', { class: 'comp-item-head' },
      h('strong', { text: `${t(`comp_kind_${r.kind}`)} ¥${r.amount}` }),
      h('span', { class: 'muted small', text: t('comp_sv_case', { number: c.number }) })),
    h('div', { class: 'comp-note', text: r.note }),
    h('div', { class: 'comp-sv-facts small' },
      h('span', { text: t('comp_sv_agent', { name: r.agent_name || '—' }) }),
      c.buyer_name ? h('span', { text: t('comp_sv_buyer', { name: c.buyer_name }) }) : null,
      c.order_paid_fen != null ? h('span', { text: t('comp_sv_order', { paid: yuan(c.order_paid_fen) }) }) : null,
      h('span', { text: t('comp_sv_given', { amount: yuan(c.granted_fen) }) + given(c.granted || []) }),
      h('time', { class: 'muted', text: clock(r.created_at) }),
      c.conversation_id ? h('a', { href: `/agent#c${c.conversation_id}`, text: t('comp_sv_chat') }) : null),
    c.description ? h('div', { class: 'muted small comp-sv-desc', text: c.description }) : null,
    blocked ? h('p', { class: 'comp-hint is-beyond small', text: blocked }) : null,
    h('div', { class: 'comp-row' }, note,
      h('button', { type: 'button', class: 'btn btn-small btn-primary comp-approve', text: t('comp_approve'),
        disabled: !mine.within || mine.own, onclick: (e) => decide('approve', e.currentTarget) }),
      h('button', { type: 'button', class: 'btn btn-small btn-ghost comp-reject', text: t('comp_reject'),
        disabled: mine.own, onclick: (e) => decide('reject', e.currentTarget) })));
}

function render() {
  const list = root.querySelector('.comp-sv-list');
  const count = root.querySelector('.comp-sv-count');
  list.replaceChildren(...requests.map(card));
  if (!requests.length) list.append(h('li', { class: 'muted small comp-sv-empty', text: t('comp_sv_empty') }));
  count.textContent = requests.length ? String(requests.length) : '';
  count.hidden = !requests.length;
}

async function refresh() {
  try {
    requests = (await api('GET', '/api/compensation/requests?status=pending')).requests;
  } catch {
    return; // the next event or the minute's refresh tries again
  }
  render();
}

if (root) {
  refresh();
  // Live: the page's one socket (supervisor.js) passes every event on as kefu:event, and kefu:ready after a
  // reconnect — then whatever changed meanwhile is read again.
  document.addEventListener('kefu:event', ({ detail: ev }) => {
    if (ev.type !== 'compensation.updated') return;
    const d = ev.data || {};
    const c = d.compensation || {};
    if (d.action === 'requested' && c.agent_id !== Number(document.body.dataset.agentId)) {
      toast(t('comp_sv_new', { name: c.agent_name || '—', kind: t(`comp_kind_${c.kind}`), amount: c.amount }));
    }
    refreshSoon();
  });
  document.addEventListener('kefu:ready', () => refresh());
}
