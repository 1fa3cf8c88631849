// The admin's order connector page (/admin/orders): reads /api/admin/orders/settings into the form and saves it
// back (the token is never sent to the browser: only whether one is set); imports a CSV (all rows or none, every
// bad row listed) and saves one order given as JSON. The server checks everything.

import { $, $$, api, csrfToken, errorText, h, lang, t, toast } from './dom.js';

const form = $('#oa-form');
const error = $('#oa-error');
const SAMPLE = {
  number: '2026120800000001', status: 'shipped', buyer_ref: '', buyer_name: '', buyer_phone: '',
  items: [{ name: '', qty: 1, price_fen: 0, category: '' }], total_fen: 0, shipping_fen: 0,
  payment_method: 'alipay', carrier: '', tracking_number: '', logistics_status: 'in_transit',
  placed_at: new Date().toISOString(),
};

function mode() {
  return ($$('input[name=mode]').find((r) => r.checked) || {}).value || 'builtin';
}

function render(s) {
  for (const r of $$('input[name=mode]')) r.checked = r.value === s.mode;
  $('#oa-base').value = s.base_url || '';
  $('#oa-token').value = '';
  $('#oa-token-state').hidden = !s.token_set;
  $('#oa-token-clear').checked = false;
  $('#oa-timeout').value = s.timeout;
  $('#oa-delay').value = s.remind_delay_minutes;
  $('#oa-auto').checked = Boolean(s.auto_remind);
  $('#oa-http').hidden = s.mode !== 'http';
}

$$('input[name=mode]').forEach((r) => r.addEventListener('change', () => { $('#oa-http').hidden = mode() !== 'http'; }));

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  error.hidden = true;
  const token = $('#oa-token').value.trim();
  const body = { mode: mode(), base_url: $('#oa-base').value.trim(), timeout: Number($('#oa-timeout').value),
    remind_delay_minutes: Number($('#oa-delay').value), auto_remind: $('#oa-auto').checked,
    token: $('#oa-token-clear').checked ? '' : token || null };
  try {
    render(await api('PUT', '/api/admin/orders/settings', body));
    toast(t('oa_saved'));
  } catch (err) {
    error.textContent = errorText(err);
    error.hidden = false;
  }
});

$('#oa-import').addEventListener('submit', async (e) => {
  e.preventDefault();
  const result = $('#oa-import-result');
  const list = $('#oa-import-errors');
  const file = $('#oa-file').files[0];
  if (!file) return;
  const data = new FormData();
  data.append('file', file);
  list.hidden = true;
  let r = null;
  let out = null;
  try { // fetch, not api(): a refused file's answer lists its bad rows
    r = await fetch('/api/admin/orders/import', { method: 'POST', body: data, credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRF-Token': csrfToken() } });
    out = await r.json();
  } catch {
    out = null;
  }
  if (r && r.ok && out) {
    result.textContent = t('oa_imported', { n: out.imported, c: out.created, r: out.replaced });
    result.className = 'oa-result alert alert--ok';
  } else {
    const err = (out && out.error) || {};
    result.textContent = errorText(err.zh ? err : { status: r ? r.status : 0 });
    result.className = 'oa-result alert alert--error';
    const rows = err.rows || [];
    list.replaceChildren(...rows.map((x) => h('li', { text: t('oa_row_error', { row: x.row, field: x.field,
      text: lang === 'en' ? x.en : x.zh }) })));
    list.hidden = !rows.length;
  }
  result.hidden = false;
});

$('#oa-one').addEventListener('submit', async (e) => {
  e.preventDefault();
  const note = $('#oa-one-error');
  note.hidden = true;
  let order;
  try {
    order = JSON.parse($('#oa-json').value);
  } catch {
    note.textContent = t('oa_bad_json');
    note.hidden = false;
    return;
  }
  try {
    const r = await api('POST', '/api/admin/orders', { order });
    toast(t('oa_one_saved', { number: r.order.number }));
  } catch (err) {
    note.textContent = errorText(err);
    note.hidden = false;
  }
});

$('#oa-json').value = JSON.stringify(SAMPLE, null, 2);
api('GET', '/api/admin/orders/settings').then(render).catch((err) => toast(errorText(err), 'error'));
