// The admin's SLA rules page (/admin/sla): reads /api/sla/settings into the form and saves it back; the server
// checks everything and recomputes every open ticket's deadlines.

import { $, api, errorText, h, t, toast } from './dom.js';

const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const form = $('#sa-form');
const error = $('#sa-error');
let settings = null;
let team = [];

const lines = (text) => text.split(/[\s,，]+/).map((x) => x.trim()).filter(Boolean);

function hoursRows() {
  return settings.hours.map((span, day) => {
    const open = h('input', { type: 'checkbox', checked: Boolean(span), 'aria-label': t('sa_open') });
    const from = h('input', { type: 'time', value: span ? span[0] : '09:00', 'aria-label': t(`sa_day_${day}`) });
    const to = h('input', { type: 'time', value: span ? (span[1] === '24:00' ? '23:59' : span[1]) : '18:00' });
    const row = h('tr', { dataset: { day } }, h('th', { text: t(`sa_day_${day}`) }),
      h('td', {}, h('label', { class: 'check' }, open, ' ', t('sa_open'))), h('td', {}, from, ' – ', to));
    row.read = () => (open.checked ? [from.value, to.value === '23:59' ? '24:00' : to.value] : null);
    return row;
  });
}

function targetRows(kinds) {
  return kinds.map((kind) => h('tr', { dataset: { kind } }, h('th', { text: kind }),
    ...PRIORITIES.map((p) => {
      const pair = (settings.targets[kind] || {})[p] || [24, 48];
      const num = (v, which) => h('input', { type: 'number', min: 0.25, max: 720, step: 0.25, value: v, required: true,
        class: 'sa-num', dataset: { which }, 'aria-label': `${kind} ${t(`tk_prio_${p}`)}` });
      return h('td', { dataset: { priority: p } }, num(pair[0], 0), ' / ', num(pair[1], 1));
    })));
}

function render() {
  $('#sa-hours').replaceChildren(...hoursRows());
  [$('#sa-makeup-open').value, $('#sa-makeup-close').value] = settings.makeup_hours;
  $('#sa-holidays').value = settings.holidays.join('\n');
  $('#sa-workdays').value = settings.workdays.join('\n');
  $('#sa-types').value = settings.types.join('，');
  $('#sa-targets').replaceChildren(...targetRows(Object.keys(settings.targets)));
  $('#sa-team').replaceChildren(...team.map((a) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', value: a.id, checked: settings.quick_team.includes(a.id) }), ' ',
    `${a.display_name}（${a.group}）`)));
}

function read() {
  const targets = {};
  for (const row of document.querySelectorAll('#sa-targets tr')) {
    targets[row.dataset.kind] = Object.fromEntries([...row.querySelectorAll('td')].map((td) => [td.dataset.priority,
      [...td.querySelectorAll('input')].map((i) => Number(i.value))]));
  }
  const types = lines($('#sa-types').value);
  for (const kind of types) if (!targets[kind]) targets[kind] = targets['售后'];
  return { tz: settings.tz, hours: [...document.querySelectorAll('#sa-hours tr')].map((r) => r.read()),
    makeup_hours: [$('#sa-makeup-open').value, $('#sa-makeup-close').value],
    holidays: lines($('#sa-holidays').value), workdays: lines($('#sa-workdays').value), targets, types,
    quick_team: [...document.querySelectorAll('#sa-team input:checked')].map((i) => Number(i.value)) };
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  error.hidden = true;
  try {
    const saved = await api('PUT', '/api/sla/settings', read());
    settings = saved;
    render();
    toast(t('sa_saved', { n: saved.retargeted }));
  } catch (err) {
    error.textContent = errorText(err);
    error.hidden = false;
  }
});

Promise.all([api('GET', '/api/sla/settings'), api('GET', '/api/team')]).then(([s, tm]) => {
  settings = s;
  team = tm.agents;
  render();
}).catch((err) => toast(errorText(err), 'error'));
