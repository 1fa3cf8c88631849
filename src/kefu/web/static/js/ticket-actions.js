// What an agent does to a ticket beyond replying and moving it (tickets page): hand it to a colleague or let
// routing's rules pick (skills, load), change its type or priority (the SLA clocks follow), escalate it (a
// complaint goes to the quick-response team), merge a duplicate into another ticket, and open a new ticket by
// hand. Follows the ticket tickets.js shows ('ticket:shown') and hands the API's answer back ('ticket:replace').

import { $, api, errorText, h, t, toast, tOr } from './dom.js';

const kindLabel = (kind) => tOr(`tk_type_${kind}`, kind);

const root = $('#tk-actions');
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
let current = null;
let team = [];
let kinds = ['售后', '咨询', '投诉'];

const options = (values, label, selected) => values.map((v) => h('option', { value: v, text: label(v),
  selected: v === selected }));

async function act(method, path, body) {
  try {
    const answer = await api(method, `/api/tickets/${current.ticket.number}${path}`, body);
    document.dispatchEvent(new CustomEvent('ticket:replace', { detail: answer }));
    return answer;
  } catch (err) {
    toast(errorText(err), 'error');
    return null;
  }
}

function assignForm(x) {
  const pick = h('select', { 'aria-label': t('tk_assign') }, h('option', { value: '', text: t('tk_assign_auto') }),
    ...team.filter((a) => a.id !== x.assignee_id).map((a) => h('option', { value: a.id, text: a.display_name })));
  return h('form', { class: 'tk-row tk-act', onsubmit: (e) => {
    e.preventDefault();
    act('POST', '/assign', { assignee_id: pick.value ? Number(pick.value) : null });
  } }, h('label', { class: 'field' }, h('span', { text: t('tk_assign') }), pick),
  h('button', { type: 'submit', class: 'btn btn-small', text: t('tk_assign_button') }));
}

function editForm(x) {
  const kind = h('select', { 'aria-label': t('tk_kind') }, ...options(kinds, kindLabel, x.kind));
  const priority = h('select', { 'aria-label': t('tk_priority') },
    ...options(PRIORITIES, (p) => t(`tk_prio_${p}`), x.priority));
  return h('form', { class: 'tk-row tk-act', onsubmit: async (e) => {
    e.preventDefault();
    if (await act('PATCH', '', { kind: kind.value, priority: priority.value })) toast(t('tk_saved'));
  } }, h('label', { class: 'field' }, h('span', { text: t('tk_kind') }), kind),
  h('label', { class: 'field' }, h('span', { text: t('tk_priority') }), priority),
  h('button', { type: 'submit', class: 'btn btn-small', text: t('tk_save') }));
}

function mergeForm() {
  const into = h('input', { maxlength: 16, size: 10, placeholder: 'T-XXXXXX', 'aria-label': t('tk_merge_into') });
  return h('form', { class: 'tk-row tk-act', onsubmit: (e) => {
    e.preventDefault();
    const number = into.value.trim().toUpperCase();
    if (number && window.confirm(t('tk_merge_confirm', { number }))) act('POST', '/merge', { into: number });
  } }, h('label', { class: 'field' }, h('span', { text: t('tk_merge_into') }), into),
  h('button', { type: 'submit', class: 'btn btn-small', text: t('tk_merge_button') }));
}

function render() {
  const x = current.ticket;
  root.hidden = x.status === 'closed';
  if (root.hidden) return;
  root.replaceChildren(assignForm(x), editForm(x), mergeForm(),
    x.escalated_at ? null : h('button', { type: 'button', class: 'btn btn-small tk-escalate',
      text: t('tk_escalate'), onclick: () => {
        if (window.confirm(t('tk_escalate_confirm'))) act('POST', '/escalate');
      } }));
}

function newTicketDialog() {
  const input = (key, attrs = {}) => h('input', { ...attrs, name: key, 'aria-label': t(key) });
  const kind = h('select', { name: 'kind' }, ...options(kinds, kindLabel, '售后'));
  const priority = h('select', { name: 'priority' }, ...options(PRIORITIES, (p) => t(`tk_prio_${p}`), 'normal'));
  const title = input('tk_new_title', { maxlength: 200, required: true });
  const problem = h('textarea', { rows: 3, maxlength: 5000, 'aria-label': t('tk_problem') });
  const demand = input('tk_demand', { maxlength: 1000 });
  const orders = input('tk_new_orders', { maxlength: 400 });
  const auto = h('input', { type: 'checkbox', checked: true });
  const dialog = h('dialog', { class: 'tk-new-dialog' });
  const label = (key, el) => h('label', { class: 'field' }, h('span', { text: t(key) }), el);
  dialog.append(h('form', { method: 'dialog', class: 'tk-new', onsubmit: async (e) => {
    if (e.submitter && e.submitter.value === 'cancel') return;
    e.preventDefault();
    try {
      const made = await api('POST', '/api/tickets', { kind: kind.value, priority: priority.value,
        title: title.value, problem: problem.value, demand: demand.value, auto_assign: auto.checked,
        order_numbers: orders.value.split(/[\s,，、]+/).filter(Boolean) });
      dialog.close();
      toast(t('tk_created', { number: made.ticket.number }));
      document.dispatchEvent(new CustomEvent('ticket:replace', { detail: made }));
    } catch (err) {
      toast(errorText(err), 'error');
    }
  } }, h('h3', { text: t('tk_new') }), h('div', { class: 'tk-row' }, label('tk_kind', kind),
    label('tk_priority', priority)), label('tk_new_title', title), label('tk_problem', problem),
  label('tk_demand', demand), label('tk_new_orders', orders),
  h('label', { class: 'check' }, auto, ' ', t('tk_new_auto')),
  h('div', { class: 'tk-row' }, h('span', { class: 'topbar-spacer' }),
    h('button', { type: 'submit', value: 'cancel', class: 'btn btn-ghost btn-small', text: t('tk_cancel'),
      formnovalidate: true }),
    h('button', { type: 'submit', class: 'btn btn-primary btn-small', text: t('tk_new_create') }))));
  document.body.append(dialog);
  return dialog;
}

if (root) {
  const dialog = newTicketDialog();
  $('#tk-new-open').addEventListener('click', () => dialog.showModal());
  document.addEventListener('ticket:shown', (e) => {
    current = e.detail;
    render();
  });
  api('GET', '/api/team').then((r) => { team = r.agents; if (current) render(); }).catch(() => {});
  api('GET', '/api/sla/settings').then((r) => {
    kinds = Object.keys(r.targets);
    if (current) render();
  }).catch(() => {});
}
