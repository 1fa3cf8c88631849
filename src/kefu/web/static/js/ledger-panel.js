// The error ledger on the tickets page (失误跟进台账): the open ticket's entries with the time left until the
// buyer is due the next progress update (red once overdue), a form to log an error, and per entry a form to
// record an update given by hand (a call …) and a button to resolve it. It follows whichever ticket
// tickets.js shows (its 'ticket:shown') and reloads after each action there: a reply counts as an update.

import { $, api, clock, duration, errorText, h, lang, parseTime, t, toast } from './dom.js';

const root = $('#lg-panel');
const KINDS = ['wrong_shipment', 'refund_delay', 'wrong_processing', 'other'];
const VIA = ['phone', 'chat', 'sms', 'other'];
const DEPARTMENTS = ['仓储', '物流', '客服', '财务', '运营', '技术'];
const CAUSES = ['拣货错误', '系统故障', '流程缺失', '沟通失误', '人为疏忽', '其他'];
const SOON_S = 1800;

let number = null; // the ticket shown
let entries = [];
let team = null;

if (root) {
  document.head.append(h('link', { rel: 'stylesheet', href: '/static/css/ledger.css' }));
}

/** An entry's state now: the server's, moved on by the clock since it answered. */
export function liveState(e, now = Date.now()) {
  if (e.status === 'resolved' || !e.next_update_due_at) return { state: 'resolved', left: 0 };
  const left = (parseTime(e.next_update_due_at) - now) / 1000;
  if (left <= 0) return { state: 'overdue', left };
  return { state: left <= SOON_S ? 'due_soon' : 'on_track', left };
}

export function stateText(e) {
  const { state, left } = liveState(e);
  if (state === 'resolved') return t('lg_state_resolved', { at: clock(e.resolved_at) });
  if (state === 'overdue') return t('lg_state_overdue', { late: duration(-left) });
  return t(`lg_state_${state}`, { at: clock(e.next_update_due_at), left: duration(left) });
}

const label = (pair) => (pair ? pair[lang] || pair.zh : '');

function lastUpdate(e) {
  const last = (e.history || []).at(-1);
  if (!last) return h('p', { class: 'muted small', text: t('lg_no_update') });
  return h('p', { class: 'muted small', text: t('lg_last_update', { at: clock(last.at), via: label(last.via_label),
    text: last.text }) });
}

function select(id, options, chosen) {
  return h('select', { id }, ...options.map(([value, text]) => h('option', { value, selected: value === chosen,
    text })));
}

function updateForm(e) {
  const via = select(`lg-via-${e.id}`, VIA.map((v) => [v, t(`lg_via_${v}`)]), 'phone');
  const text = h('input', { type: 'text', maxlength: 1000, required: true, placeholder: t('lg_record_ph'),
    'aria-label': t('lg_record') });
  return h('form', { class: 'lg-update', onsubmit: async (ev) => {
    ev.preventDefault();
    const done = await call('POST', `/api/ledger/${e.id}/updates`, { via: via.value, text: text.value });
    if (done) toast(t('lg_recorded', { at: clock(done.entry.next_update_due_at) }));
  } }, h('label', { class: 'sr-only', for: via.id, text: t('lg_via') }), via, text,
  h('button', { type: 'submit', class: 'btn btn-small', text: t('lg_record') }));
}

function card(e) {
  const { state } = liveState(e);
  return h('li', { class: `lg-entry lg-entry--${state}`, dataset: { id: e.id, state } },
    h('div', { class: 'lg-entry-head' },
      h('span', { class: 'chip', text: label(e.kind_label) }),
      h('b', { class: 'lg-state', text: stateText(e) })),
    h('p', { class: 'lg-desc', text: e.description }),
    h('p', { class: 'small', text: t('lg_meta', { owner: e.owner_name || '—', department: label(e.department_label),
      cause: label(e.cause_label) }) }),
    lastUpdate(e),
    h('p', { class: 'muted small', text: t('lg_counts', { updates: e.updates, missed: e.missed }) }),
    e.status === 'open' ? h('div', { class: 'lg-actions' }, updateForm(e),
      h('button', { type: 'button', class: 'btn btn-small btn-ghost', text: t('lg_resolve'), onclick: async () => {
        if (await call('POST', `/api/ledger/${e.id}/resolve`)) toast(t('lg_resolved_ok'));
      } })) : null);
}

async function teamOptions() {
  if (team === null) {
    try {
      team = (await api('GET', '/api/team')).agents;
    } catch {
      team = [];
    }
  }
  return [['', t('lg_owner_default')], ...team.map((a) => [String(a.id), a.display_name])];
}

function datalist(id, values) {
  return h('datalist', { id }, ...values.map((value) => h('option', { value })));
}

async function newForm() {
  const kind = select('lg-kind', KINDS.map((k) => [k, t(`lg_kind_${k}`)]), KINDS[0]);
  const department = h('input', { id: 'lg-department', list: 'lg-departments', maxlength: 20,
    placeholder: t('lg_by_kind') });
  const cause = h('input', { id: 'lg-cause', list: 'lg-causes', maxlength: 20, placeholder: t('lg_by_kind') });
  const owner = select('lg-owner', await teamOptions(), '');
  const description = h('textarea', { id: 'lg-description', rows: 2, maxlength: 2000, required: true,
    placeholder: t('lg_description_ph') });
  const field = (text, input) => h('label', { class: 'field' }, h('span', { text }), input);
  const form = h('form', { class: 'lg-form', id: 'lg-form', onsubmit: async (ev) => {
    ev.preventDefault();
    const body = { ticket: number, kind: kind.value, description: description.value };
    if (department.value.trim()) body.department = department.value;
    if (cause.value.trim()) body.cause = cause.value;
    if (owner.value) body.owner_id = Number(owner.value);
    if (await call('POST', '/api/ledger', body)) {
      form.remove();
      toast(t('lg_opened'));
    }
  } }, h('div', { class: 'lg-grid' }, field(t('lg_kind'), kind), field(t('lg_owner'), owner),
    field(t('lg_department'), department), field(t('lg_cause'), cause)),
  field(t('lg_description'), description), datalist('lg-departments', DEPARTMENTS), datalist('lg-causes', CAUSES),
  h('div', { class: 'lg-row' }, h('button', { type: 'submit', class: 'btn btn-primary btn-small', text: t('lg_save') }),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('lg_cancel'),
      onclick: () => form.remove() })));
  return form;
}

/** An API call that reloads the panel when it went through; errors show as a toast. */
async function call(method, url, body) {
  try {
    const out = await api(method, url, body);
    await load();
    return out;
  } catch (e) {
    toast(errorText(e), 'error');
    return null;
  }
}

function render() {
  const open = h('button', { type: 'button', class: 'btn btn-small', id: 'lg-new', text: t('lg_new'),
    onclick: async () => {
      if (!$('#lg-form', root)) root.querySelector('.lg-head').after(await newForm());
    } });
  const overdue = entries.some((e) => liveState(e).state === 'overdue');
  root.classList.toggle('is-overdue', overdue);
  const form = $('#lg-form', root); // kept as typed across reloads
  root.replaceChildren(
    h('div', { class: 'lg-head' }, h('h3', { id: 'lg-title', text: t('lg_title') }), open),
    ...(form ? [form] : []),
    h('p', { class: 'muted small', text: t('lg_help') }),
    entries.length ? h('ol', { class: 'lg-entries' }, ...entries.map(card))
      : h('p', { class: 'muted small lg-none', text: t('lg_none') }));
}

async function load() {
  const shown = number;
  if (!shown) return;
  try {
    const out = await api('GET', `/api/ledger?view=all&ticket=${encodeURIComponent(shown)}`);
    if (shown !== number) return; // another ticket was opened meanwhile
    entries = out.entries;
  } catch {
    return; // the panel is an aside: the ticket itself still works
  }
  render();
}

function follow(shown) {
  if (!/^T-/.test(shown)) return;
  if (shown !== number) {
    number = shown;
    entries = [];
    $('#lg-form', root)?.remove();
    root.hidden = false;
    render();
  }
  load();
}

if (root) {
  // The ticket page says when it shows a ticket (opened, or changed by an action: a reply may have been the
  // entry's progress update), and only then is the panel read again.
  document.addEventListener('ticket:shown', (e) => follow(e.detail.ticket.number));
  setInterval(() => { // the countdown: states move on by themselves
    for (const li of root.querySelectorAll('.lg-entry')) {
      const e = entries.find((x) => String(x.id) === li.dataset.id);
      if (!e) continue;
      const { state } = liveState(e);
      li.className = `lg-entry lg-entry--${state}`;
      li.dataset.state = state;
      li.querySelector('.lg-state').textContent = stateText(e);
    }
    root.classList.toggle('is-overdue', entries.some((e) => liveState(e).state === 'overdue'));
  }, 1000);
  follow(($('#tk-number') || {}).textContent || '');
}
