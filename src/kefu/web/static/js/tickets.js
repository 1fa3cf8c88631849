// Tickets (/tickets): lists by deadline (mine / all / breaching / breached), one ticket with its SLA clocks
// counting down (red once breached), status moves, replies and internal notes (with photos: ticket-images.js),
// and the whole history.
// #T-XXXXXX in the address opens that ticket. ticket-actions.js (owner, type, priority, escalation, merging,
// new tickets) and ledger-panel.js hang off it: 'ticket:shown' tells them which ticket is open, and they hand
// back the API's answer after a change with 'ticket:replace'.

import { $, $$, api, clock, duration, errorText, h, parseTime, t, toast, tOr } from './dom.js';

const kindLabel = (kind) => tOr(`tk_type_${kind}`, kind);
import { caption } from './media.js';
import { PhotoPicker, noteImages } from './ticket-images.js';

const els = {
  items: $('#tk-items'), count: $('#tk-count'), kind: $('#tk-kind'), empty: $('#tk-empty'), detail: $('#tk-detail'),
  number: $('#tk-number'), heading: $('#tk-heading'), status: $('#tk-status'), fields: $('#tk-fields'),
  clocks: $('#tk-clocks'), move: $('#tk-move'), next: $('#tk-next'), note: $('#tk-note'), text: $('#tk-text'),
  internal: $('#tk-internal'), history: $('#tk-history'), statusFilter: $('#tk-status-filter'), tag: $('#tk-tag'),
  sort: $('#tk-sort'),
};
let view = 'mine';
let current = null; // the open ticket's API body {ticket, changes, notes}
const team = new Map(); // agent id → display name, for owners in the fields and the history
api('GET', '/api/team').then((r) => {
  for (const a of r.agents) team.set(String(a.id), a.display_name);
  if (current) { // only the owners' names change: the ticket itself is not shown anew
    renderFields();
    renderHistory();
  }
}).catch(() => {});
const who = (id) => (id == null ? '—' : team.get(String(id)) || `#${id}`);
api('GET', '/api/sla/settings').then((r) => { // the shop's own ticket types join the type filter
  const known = new Set([...els.kind.options].map((o) => o.value));
  for (const kind of Object.keys(r.targets)) {
    if (!known.has(kind)) els.kind.append(h('option', { value: kind, text: kindLabel(kind) }));
  }
}).catch(() => {});
const photos = new PhotoPicker({ url: '/api/attachments', label: t('tk_photo_add'),
  onError: (text) => toast(text, 'error'),
  onChange: () => { els.text.required = !photos.items.length; } }); // a note may be photos only
els.note.querySelector('.tk-row').prepend(photos.button, photos.input);
els.text.closest('label').after(photos.strip);
photos.wire(els.text, els.note);

/** One clock's line: what is left (or how late) now, from its due time or the business time it kept. */
function clockText(c) {
  if (c.state === 'met' || c.state === 'missed') return t(`tk_state_${c.state}`);
  if (c.state === 'paused') return t('tk_state_paused', { left: duration(c.left_s || 0) });
  if (!c.due_at) return t('tk_state_breached', { left: duration(-(c.left_s || 0)) });
  const left = (parseTime(c.due_at) - Date.now()) / 1000;
  if (left < 0) return t('tk_state_breached', { left: duration(-left) });
  return t(left <= 7200 ? 'tk_state_due_soon' : 'tk_state_running', { left: duration(left) });
}

function liveState(c) {
  if (!['running', 'due_soon', 'breached'].includes(c.state) || !c.due_at) return c.state;
  const left = (parseTime(c.due_at) - Date.now()) / 1000;
  if (left < 0) return 'breached';
  return left <= 7200 ? 'due_soon' : 'running';
}

function listItem(x) {
  const c = x.clocks.first_response.state === 'met' ? x.clocks.resolution : x.clocks.first_response;
  const state = liveState(c);
  return h('li', {}, h('button', {
    type: 'button', class: `kb-item${current && current.ticket.number === x.number ? ' is-active' : ''}`,
    dataset: { number: x.number }, onclick: () => open(x.number),
  }, h('span', { class: 'kb-item-title' }, h('code', { class: 'tk-number', text: x.number }), ' ',
    h('span', { text: x.title })),
  h('span', { class: 'kb-item-meta' }, h('span', { class: 'chip', text: kindLabel(x.kind) }),
    h('span', { class: 'chip', text: x.status_label[document.body.dataset.lang === 'en' ? 'en' : 'zh'] }),
    h('span', { class: `small tk-item-clock--${state}`, text: clockText({ ...c, state }) }))));
}

async function load() {
  const q = new URLSearchParams({ view });
  for (const [key, el] of [['kind', els.kind], ['status', els.statusFilter], ['tag', els.tag], ['sort', els.sort]]) {
    if (el.value.trim()) q.set(key, el.value.trim());
  }
  let rows;
  try {
    rows = (await api('GET', `/api/tickets?${q}`)).tickets;
  } catch (e) {
    toast(errorText(e), 'error');
    return;
  }
  els.count.textContent = t('tk_count', { n: rows.length });
  els.items.replaceChildren(...rows.map(listItem));
  if (!rows.length) els.items.append(h('li', { class: 'kb-none muted', text: t('tk_none') }));
  for (const b of $$('.tk-view')) b.setAttribute('aria-selected', String(b.dataset.view === view));
}

function renderClocks() {
  if (!current) return;
  const { clocks, quick } = current.ticket;
  const shown = quick ? { ...clocks, quick: quick.state === 'met'
    ? { state: 'met', due_at: quick.due_at } : { state: 'running', due_at: quick.due_at } } : clocks;
  els.clocks.replaceChildren(...Object.keys(shown).map((name) => {
    const c = shown[name];
    const state = liveState(c);
    const left = c.due_at ? Math.round((parseTime(c.due_at) - Date.now()) / 1000) : null;
    return h('div', { class: `tk-clock tk-clock--${state}`, dataset: { clock: name, state, left } },
      h('b', { text: t(`tk_clock_${name}`) }), h('span', { text: clockText({ ...c, state }) }),
      c.due_at ? h('div', { class: 'muted small', text: t('tk_due', { at: clock(c.due_at) }) }) : null);
  }));
}

const FIELDS = {
  status: 'tk_f_status', priority: 'tk_priority', first_response_due_at: 'tk_f_first_due',
  resolution_due_at: 'tk_f_resolution_due', first_responded_at: 'tk_f_first_responded',
  resolved_at: 'tk_f_resolved', closed_at: 'tk_f_closed', assignee_id: 'tk_f_assignee', kind: 'tk_f_kind',
  escalated_at: 'tk_f_escalated', tags: 'tk_f_tags',
};

function statusLabel(status) {
  const option = els.next.querySelector(`option[value="${status}"]`);
  return option ? option.textContent : status;
}

function fieldValue(field, v) {
  if (v == null) return field.endsWith('_due_at') ? t('tk_f_paused') : '—';
  if (field === 'status') return statusLabel(v);
  if (field === 'priority') return t(`tk_prio_${v}`);
  if (field === 'assignee_id') return who(v);
  return field.endsWith('_at') ? clock(v) : v;
}

/** One audit row as a line (the business time a stopped clock keeps is shown by its due time, not apart). */
function changeText(c) {
  if (c.field === 'created') return t('tk_change_created', { after: c.after });
  if (c.field === 'sla_warning' || c.field === 'sla_breached') {
    return t(`tk_h_${c.field}`, { clock: t(`tk_clock_${c.after}`) });
  }
  if (c.field === 'merged_from' || c.field === 'quick_overdue') return t(`tk_h_${c.field}`, { after: c.after });
  if (!(c.field in FIELDS)) return null;
  return t('tk_change', { field: t(FIELDS[c.field]), before: fieldValue(c.field, c.before),
    after: fieldValue(c.field, c.after) });
}

/** A row that came with a merged duplicate names it. */
const fromOther = (row) => (row.ticket && row.ticket !== current.ticket.number
  ? h('span', { class: 'muted small', text: t('tk_from_ticket', { number: row.ticket }) }) : null);

function renderHistory() {
  const rows = [
    ...current.changes.filter(changeText).map((c) => ({
      at: c.at, el: h('li', {}, h('time', { text: clock(c.at) }), changeText(c), fromOther(c)),
    })),
    ...current.notes.map((n) => ({
      at: n.at,
      el: h('li', { class: n.internal ? 'tk-h-internal' : 'tk-h-note' }, h('time', { text: clock(n.at) }),
        h('span', { text: n.author === 'system' && n.transcript
          ? t('tk_from_chat', { id: current.ticket.conversation_id }) : caption(n) }),
        noteImages(n.attachments, { original: true }),
        n.transcript ? h('ol', { class: 'tk-transcript small', 'aria-label': t('tk_transcript') },
          ...n.transcript.map((line) => h('li', {},
            h('b', { text: t('tk_said', { who: t(`tk_sender_${line.sender}`) }) }),
            h('span', { text: line.text })))) : null, fromOther(n)),
    })),
  ].sort((a, b) => parseTime(a.at) - parseTime(b.at));
  els.history.replaceChildren(...rows.map((r) => r.el));
}

function renderFields() {
  const x = current.ticket;
  const field = (key, value) => (value ? [h('dt', { text: t(key) }), h('dd', { text: value })] : []);
  els.fields.replaceChildren(...field('tk_kind', kindLabel(x.kind)), ...field('tk_priority', t(`tk_prio_${x.priority}`)),
    ...field('tk_problem', x.problem), ...field('tk_demand', x.demand),
    ...field('tk_orders', x.order_numbers.join('、')), ...field('tk_f_assignee', who(x.assignee_id)),
    ...field('tk_f_tags', x.tags.join('、')),
    ...(current.merged_into ? field('tk_f_status', t('tk_merged_into', { number: current.merged_into })) : []),
    ...(x.conversation_id ? field('tk_transcript', t('tk_from_chat', { id: x.conversation_id })) : []));
}

/** The open ticket shown anew (opened, or changed by an action): other panels hear ``ticket:shown``. */
function render() {
  const x = current.ticket;
  els.empty.hidden = true;
  els.detail.hidden = false;
  els.number.textContent = x.number;
  els.heading.textContent = x.title;
  els.status.textContent = x.status_label[document.body.dataset.lang === 'en' ? 'en' : 'zh'];
  els.status.dataset.status = x.status;
  renderFields();
  els.next.value = x.status;
  const closed = x.status === 'closed';
  els.move.hidden = closed;
  els.note.hidden = closed;
  renderClocks();
  renderHistory();
  for (const b of $$('.kb-item')) b.classList.toggle('is-active', b.dataset.number === x.number);
  document.dispatchEvent(new CustomEvent('ticket:shown', { detail: current }));
}

document.addEventListener('ticket:replace', (e) => {
  current = e.detail;
  render();
  load();
});
document.addEventListener('ticket:open', (e) => open(e.detail));

async function open(number) {
  const before = current && current.ticket.number;
  try {
    current = await api('GET', `/api/tickets/${encodeURIComponent(number)}`);
  } catch (e) {
    toast(errorText(e), 'error');
    return;
  }
  if (before && before !== current.ticket.number) { // a reply begun for one ticket never goes to another
    els.text.value = '';
    photos.clear();
  }
  if (location.hash !== `#${number}`) history.replaceState(null, '', `#${number}`);
  render();
}

els.move.addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    current = await api('POST', `/api/tickets/${current.ticket.number}/status`, { status: els.next.value });
  } catch (err) {
    toast(errorText(err), 'error');
    return;
  }
  render();
  load();
});

els.note.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (photos.busy()) {
    toast(t('tk_photo_wait'), 'error');
    return;
  }
  try {
    current = await api('POST', `/api/tickets/${current.ticket.number}/notes`,
      { text: els.text.value, internal: els.internal.checked, attachments: photos.keys() });
  } catch (err) {
    toast(errorText(err), 'error');
    return;
  }
  els.text.value = '';
  photos.clear();
  render();
  load();
});

for (const b of $$('.tk-view')) {
  b.addEventListener('click', () => {
    view = b.dataset.view;
    load();
  });
}
for (const el of [els.kind, els.statusFilter, els.sort]) el.addEventListener('change', load);
let typing = null;
els.tag.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(load, 300);
});
setInterval(renderClocks, 1000); // the countdown

load();
if (location.hash.startsWith('#T-')) open(location.hash.slice(1));
// a link to another ticket while this page is open (the bell, the SLA board) changes only the hash
window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#T-') && location.hash.slice(1) !== current?.ticket.number) open(location.hash.slice(1));
});
