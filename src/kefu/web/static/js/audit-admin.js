// The shop admin's audit log (/admin/audit): filters kept in the address (a reload or a shared link shows the
// same entries), the entries newest first 50 at a time from /api/admin/audit, and the CSV link for the same
// filters. Times and days are the shop's (the server says which zone).

import { $, api, errorText, h, lang, t, tOr } from './dom.js';

const form = $('#au-filters');
const rows = $('#au-rows');
const more = $('#au-more');
const note = $('#au-note');
const empty = $('#au-empty');
const error = $('#au-error');
const exportLink = $('#au-export');
const FIELDS = ['action', 'agent_id', 'since', 'until', 'q'];
let next = null;
let shown = 0;
let timeFormat = null;

function params() {
  const p = new URLSearchParams();
  for (const name of FIELDS) {
    const value = form.elements[name].value.trim();
    if (value) p.set(name, value);
  }
  return p;
}

function fromAddress() {
  const p = new URLSearchParams(location.search);
  for (const name of FIELDS) if (p.has(name)) form.elements[name].value = p.get(name);
}

function when(iso, tz) {
  if (!timeFormat || timeFormat.tz !== tz) {
    const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    timeFormat = { tz, format: (d) => fmt.format(d).replace(',', '') };
  }
  return timeFormat.format(new Date(iso));
}

function who(e) {
  if (e.name) return `${e.name}（${e.actor}）`;
  if (e.actor === 'system') return t('au_system');
  if (e.actor === 'unknown') return t('au_unknown');
  return e.actor;
}

const text = (v) => {
  if (v == null || v === '') return '—';
  if (typeof v === 'boolean') return v ? t('au_yes') : t('au_no');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

// A detail is {key: value}; a change is {key: [before, after]} and reads "before → after".
function detail(e) {
  const items = Object.entries(e.detail || {}).map(([key, value]) => {
    let shownValue = text(value);
    if (key === 'reason') shownValue = tOr(`au_reason_${value}`, shownValue);
    else if (Array.isArray(value) && value.length === 2) shownValue = `${text(value[0])} → ${text(value[1])}`;
    return h('li', {}, h('b', { text: `${tOr(`au_key_${key}`, key)}: ` }), shownValue);
  });
  return h('ul', { class: 'au-detail' }, items);
}

function row(e, tz) {
  const family = e.action === 'login_failed' ? 'login_failed' : e.action.split('.')[0];
  return h('tr', { dataset: { id: e.id, action: e.action } },
    h('td', { text: when(e.at, tz) }),
    h('td', { text: who(e) }),
    h('td', { text: e.ip || '—' }),
    h('td', {}, h('span', { class: `au-action au-action--${family}`,
      text: tOr(`au_act_${e.action.replace(/\./g, '_')}`, e.action) })),
    h('td', {}, h('code', { text: e.target || '—' })),
    h('td', {}, detail(e)));
}

async function load(reset) {
  const p = params();
  if (!reset && next != null) p.set('before_id', next);
  error.hidden = true;
  let data;
  try {
    data = await api('GET', `/api/admin/audit?${p}`);
  } catch (err) {
    error.textContent = errorText(err);
    error.hidden = false;
    return;
  }
  if (reset) {
    rows.replaceChildren();
    shown = 0;
  }
  rows.append(...data.entries.map((e) => row(e, data.tz)));
  shown += data.entries.length;
  next = data.next_before_id;
  more.hidden = next == null;
  empty.hidden = shown > 0;
  note.textContent = `${t('au_tz', { tz: data.tz })} · ${t('au_shown', { n: shown })}`;
}

function apply() {
  const p = params();
  history.replaceState(null, '', `${location.pathname}${p.toString() ? `?${p}` : ''}`);
  p.set('lang', lang);
  exportLink.href = `/api/admin/audit.csv?${p}`;
  next = null;
  load(true);
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  apply();
});
form.addEventListener('reset', () => setTimeout(apply, 0));
more.addEventListener('click', () => load(false));

fromAddress();
apply();
