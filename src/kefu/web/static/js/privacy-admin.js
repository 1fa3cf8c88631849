// The shop admin's personal-information page (/admin/privacy): the retention rule (days, anonymise or delete)
// with its dry run from /api/admin/privacy and a "run now" behind a confirm; and buyers' requests: find the
// buyer, download their data (a plain link to the JSON export) or erase it with the request as its reason.

import { $, api, errorText, h, lang, t } from './dom.js';

const form = $('#pv-form');
const daysInput = $('#pv-days');
const formError = $('#pv-form-error');
const saved = $('#pv-saved');
const rule = $('#pv-rule');
const preview = $('#pv-preview');
const runButton = $('#pv-run');
const runResult = $('#pv-run-result');
const runError = $('#pv-run-error');
const last = $('#pv-last');
const search = $('#pv-search');
const searchError = $('#pv-search-error');
const list = $('#pv-buyers');
const none = $('#pv-none');

// times in the shop's zone (the page says which), as the audit log shows them
const timeZone = $('#pv-page').dataset.tz || undefined;
const locale = lang === 'en' ? 'en-CA' : 'zh-CN';
const day = new Intl.DateTimeFormat(locale, { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
const stamp = new Intl.DateTimeFormat(locale, { timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const at = (iso, fmt = stamp) => (iso ? fmt.format(new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`)) : '—');
const modeName = (mode) => (mode === 'delete' ? t('pv_rule_delete') : t('pv_rule_anonymise'));

function show(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

// --- retention -----------------------------------------------------------------------------------------------

let pending = 0; // conversations the saved rule would take now

function showPreview(p) {
  pending = p.retention_days == null ? 0 : p.conversations;
  if (p.retention_days == null) preview.textContent = t('pv_preview_forever');
  else if (!p.conversations) preview.textContent = t('pv_preview_none');
  else {
    preview.textContent = t('pv_preview', { c: p.conversations, m: p.messages, i: p.images,
      oldest: at(p.oldest_closed_at) });
  }
  runButton.disabled = pending === 0;
}

function showSettings(data) {
  daysInput.value = data.retention_days ?? '';
  daysInput.min = data.min_days;
  daysInput.max = data.max_days;
  $('#pv-days-help').textContent = t('pv_days_help', { min: data.min_days, max: data.max_days });
  for (const radio of form.elements.mode) radio.checked = radio.value === data.retention_mode;
  rule.textContent = data.retention_days == null ? t('pv_rule_forever')
    : t('pv_rule', { days: data.retention_days, mode: modeName(data.retention_mode) });
  const r = data.last_run;
  last.textContent = r && data.last_run_at
    ? t('pv_last', { at: at(data.last_run_at), c: r.conversations, m: r.messages, i: r.images, mode: modeName(r.mode) })
    : t('pv_last_never');
  showPreview(data.preview);
}

async function load() {
  try {
    showSettings(await api('GET', '/api/admin/privacy'));
  } catch (err) {
    preview.textContent = errorText(err);
  }
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  show(formError, '');
  saved.textContent = '';
  const raw = daysInput.value.trim();
  const body = { retention_days: raw === '' ? null : Number(raw), retention_mode: form.elements.mode.value };
  try {
    showSettings(await api('PUT', '/api/admin/privacy', body));
    saved.textContent = t('pv_saved');
    show(runResult, '');
  } catch (err) {
    show(formError, errorText(err));
  }
});

runButton.addEventListener('click', async () => {
  show(runError, '');
  if (!window.confirm(t('pv_run_confirm', { c: pending }))) return;
  runButton.disabled = true;
  try {
    const r = await api('POST', '/api/admin/privacy/run');
    show(runResult, [t('pv_run_done', { c: r.conversations, m: r.messages, i: r.images }),
      r.more ? t('pv_run_more') : ''].join(' ').trim());
  } catch (err) {
    show(runError, errorText(err));
  }
  await load();
});

// --- a buyer's requests ----------------------------------------------------------------------------------------

function eraseForm(b, item) {
  const reason = h('input', { type: 'text', name: 'reason', maxlength: 200, required: true,
    placeholder: t('pv_reason_ph') });
  const error = h('p', { class: 'alert alert--error', role: 'alert', hidden: true });
  const cancel = h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('cancel') });
  const box = h('form', { class: 'pv-erase', autocomplete: 'off', novalidate: true },
    h('label', { class: 'field' }, h('span', { text: t('pv_reason') }), reason),
    error,
    h('div', { class: 'pv-actions' },
      h('button', { type: 'submit', class: 'btn btn-small pv-danger', text: t('pv_erase_go') }), cancel));
  cancel.addEventListener('click', () => box.remove());
  box.addEventListener('submit', async (e) => {
    e.preventDefault();
    show(error, '');
    const why = reason.value.trim();
    if (!why) {
      show(error, t('pv_reason_needed'));
      return;
    }
    if (!window.confirm(t('pv_erase_confirm', { name: b.display_name, id: b.id }))) return;
    try {
      const done = await api('POST', `/api/admin/buyers/${b.id}/erase`, { reason: why });
      const fresh = buyer({ ...b, phone: null, erased_at: new Date().toISOString() },
        t('pv_erase_done', { c: done.conversations, m: done.messages, i: done.images, t: done.tickets,
          k: done.cases }));
      item.replaceWith(fresh);
    } catch (err) {
      show(error, errorText(err));
    }
  });
  return box;
}

function buyer(b, result = '') {
  const erased = Boolean(b.erased_at);
  const exportLink = h('a', { class: 'btn btn-small', href: `/api/admin/buyers/${b.id}/export`, download: '',
    text: t('pv_export') });
  const actions = h('div', { class: 'pv-actions' }, exportLink);
  const item = h('li', { class: 'pv-buyer', dataset: { id: b.id } },
    h('div', { class: 'pv-who' },
      h('b', { text: `${b.display_name} #${b.id}` }),
      erased ? h('span', { class: 'chip chip--closed', text: t('pv_erased') }) : null,
      h('span', { class: 'muted small', text: erased ? t('pv_erased_at', { at: at(b.erased_at, day) })
        : `${b.phone || t('pv_no_phone')} · ${t('pv_buyer_since', { since: at(b.since, day), n: b.conversations })}` })),
    actions,
    result ? h('p', { class: 'alert alert--ok', role: 'status', text: result }) : null);
  if (!erased) {
    const erase = h('button', { type: 'button', class: 'btn btn-small btn-ghost pv-danger', text: t('pv_erase') });
    erase.addEventListener('click', () => {
      const open = $('.pv-erase', item);
      if (open) open.remove();
      else item.append(eraseForm(b, item));
      const input = $('.pv-erase input', item);
      if (input) input.focus();
    });
    actions.append(erase);
  }
  return item;
}

search.addEventListener('submit', async (e) => {
  e.preventDefault();
  show(searchError, '');
  const q = search.elements.q.value.trim();
  if (!q) return;
  try {
    const data = await api('GET', `/api/admin/buyers?${new URLSearchParams({ q })}`);
    list.replaceChildren(...data.buyers.map((b) => buyer(b)));
    none.hidden = data.buyers.length > 0;
  } catch (err) {
    show(searchError, errorText(err));
  }
});

load();
