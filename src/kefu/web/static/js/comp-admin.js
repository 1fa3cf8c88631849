// The admin's compensation limits (/admin/compensation): per role a limit per case and per day in yuan (empty:
// no limit) and the kinds given without asking; saved to /api/admin/compensation/limits, which validates
// (nothing is saved when it refuses, and its message names the field).

import { $, $$, api, clock, errorText, t, toast } from './dom.js';

const els = { form: $('#comp-form'), error: $('#comp-error'), updated: $('#comp-updated'), reset: $('#comp-reset') };
let defaults = null;

const show = (fen) => (fen == null ? '' : fen % 100 ? (fen / 100).toFixed(2) : String(fen / 100));

/** Fen from a yuan field: null when empty (no limit); undefined when it is not an amount ≥ 0. */
function fen(text) {
  const s = text.trim();
  if (!s) return null;
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return undefined;
  const [whole, cents = ''] = s.split('.');
  return Number(whole) * 100 + Number(cents.padEnd(2, '0'));
}

function fill(limits) {
  for (const row of $$('#comp-rows tr')) {
    const l = limits.roles[row.dataset.role];
    if (!l) continue;
    $('[data-field=per_case]', row).value = show(l.per_case_fen);
    $('[data-field=per_day]', row).value = show(l.per_day_fen);
    for (const box of $$('input[type=checkbox]', row)) box.checked = l.kinds.includes(box.value);
  }
}

function stamp(data) {
  els.updated.textContent = data.updated_at
    ? t('comp_updated', { name: data.updated_by || '—', time: clock(data.updated_at) }) : t('comp_never');
}

function collect() {
  const roles = {};
  for (const row of $$('#comp-rows tr')) {
    const out = { kinds: $$('input[type=checkbox]', row).filter((b) => b.checked).map((b) => b.value) };
    for (const [field, key] of [['per_case', 'per_case_fen'], ['per_day', 'per_day_fen']]) {
      const input = $(`[data-field=${field}]`, row);
      const v = fen(input.value);
      if (v === undefined) {
        input.focus();
        throw new Error(t('comp_bad_number', { field: input.getAttribute('aria-label') }));
      }
      out[key] = v;
    }
    roles[row.dataset.role] = out;
  }
  return { roles };
}

els.form.addEventListener('submit', async (e) => {
  e.preventDefault();
  els.error.hidden = true;
  let body;
  try {
    body = collect();
  } catch (err) {
    els.error.textContent = err.message;
    els.error.hidden = false;
    return;
  }
  try {
    const data = await api('PUT', '/api/admin/compensation/limits', body);
    fill(data.limits);
    stamp(data);
    toast(t('comp_saved'), 'success');
  } catch (err) {
    els.error.textContent = errorText(err);
    els.error.hidden = false;
  }
});

els.reset.addEventListener('click', () => {
  if (defaults) fill(defaults);
});

try {
  const data = await api('GET', '/api/admin/compensation/limits');
  defaults = data.defaults;
  fill(data.limits);
  stamp(data);
} catch (e) {
  els.error.textContent = errorText(e);
  els.error.hidden = false;
}
