// The admin's after-sale policy page (/admin/aftersales): the policy's fields and the reason list, saved as a new
// version (PUT /api/aftersales/policy: a bad field is refused, naming it, and nothing is saved); and a 试算 box
// that runs a sample case against the policy as edited, saved or not (POST /api/aftersales/explain).

import { $, api, errorText, h, t } from './dom.js';
import { payerText } from './card-case.js';

const form = $('#pa-form');
const tryForm = $('#pa-try');
const reasonsList = $('#pa-reasons');
const DAYS = ['no_reason_days', 'fault_days', 'repair_days', 'price_protect_days'];
let codes = {}; // rule code -> its Chinese label

const say = (el, text) => {
  el.textContent = text || '';
  el.hidden = !text;
};

function reasonRow(r = { code: 'no_reason', label: '' }) {
  const code = h('select', { 'aria-label': t('pa_reason_code') },
    ...Object.entries(codes).map(([c, zh]) => h('option', { value: c, text: `${c} · ${zh}` })));
  code.value = r.code;
  const label = h('input', { maxlength: 20, value: r.label, placeholder: t('pa_reason_label'),
    'aria-label': t('pa_reason_label') });
  const li = h('li', {}, label, code, h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('pa_remove'),
    onclick: () => li.remove() }));
  return li;
}

function fill(data) {
  const p = data.policy;
  codes = data.codes;
  for (const f of DAYS) form.elements[f].value = p[f];
  form.elements.excluded_categories.value = p.excluded_categories.join('\n');
  form.elements.return_payer.value = p.return_payer;
  form.elements.exchange_payer.value = p.exchange_payer;
  form.elements.tz.value = p.tz;
  reasonsList.replaceChildren(...p.reasons.map(reasonRow));
  $('#pa-version').textContent = t('pa_version', { v: data.version });
  const reason = tryForm.elements.reason;
  reason.replaceChildren(...Object.entries(codes).map(([c, zh]) => h('option', { value: c, text: zh })));
}

/** The policy as the form holds it; numbers stay as typed so the server names a bad one. */
function edited() {
  const policy = {};
  for (const f of DAYS) {
    const v = form.elements[f].value.trim();
    policy[f] = v === '' || Number.isNaN(Number(v)) ? v : Number(v);
  }
  policy.excluded_categories = form.elements.excluded_categories.value.split('\n').map((x) => x.trim())
    .filter(Boolean);
  policy.return_payer = form.elements.return_payer.value;
  policy.exchange_payer = form.elements.exchange_payer.value;
  policy.tz = form.elements.tz.value.trim();
  const reasons = [...reasonsList.children].map((li) => ({ label: li.querySelector('input').value.trim(),
    code: li.querySelector('select').value }));
  return { policy, reasons };
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  say($('#pa-saved'), '');
  try {
    const data = await api('PUT', '/api/aftersales/policy', edited());
    fill(data);
    say($('#pa-error'), '');
    say($('#pa-saved'), t('pa_saved', { v: data.version }));
  } catch (err) {
    say($('#pa-error'), errorText(err));
  }
});

$('#pa-add-reason').addEventListener('click', () => reasonsList.append(reasonRow()));

const iso = (local) => (local ? new Date(local).toISOString() : null);
const num = (el) => (el.value === '' ? null : Number(el.value));

tryForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = tryForm.elements;
  const out = $('#pa-try-out');
  const order = { paid: num(f.paid) ?? 0, shipping_paid: num(f.shipping_paid) ?? 0, delivered_at: iso(f.delivered_at.value),
    category: f.category.value, promo_price: num(f.promo_price) };
  const sample = { kind: f.kind.value, reason: f.reason.value, order, return_shipping: num(f.return_shipping) ?? 0,
    at: iso(f.at.value) || new Date().toISOString() };
  try {
    const { outcome: o } = await api('POST', '/api/aftersales/explain', { case: sample, policy: edited().policy });
    say($('#pa-try-error'), '');
    out.replaceChildren(h('div', { class: `cs-outcome ${o.allowed ? 'is-allowed' : 'is-refused'}` },
      h('div', { class: 'cs-outcome-head' }, h('code', { text: o.rule }),
        h('strong', { class: 'cs-verdict', text: o.allowed ? t('cs_allowed') : t('cs_refused') })),
      h('p', { class: 'cs-reason-text', text: o.reason_text }),
      h('dl', { class: 'cs-facts' },
        h('dt', { text: t('cs_return_parcel') }), h('dd', { text: payerText(o) }),
        h('dt', { text: t('cs_refund_is') }), h('dd', { text: t('cs_yuan', { n: o.refund.toFixed(2) }) }),
        h('dt', { text: '' }), h('dd', { text: o.reship_now ? t('cs_reship_now') : t('cs_reship_later') }))));
  } catch (err) {
    out.replaceChildren();
    say($('#pa-try-error'), errorText(err));
  }
});

function localInput(d) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

tryForm.elements.at.value = localInput(new Date());
tryForm.elements.delivered_at.value = localInput(new Date(Date.now() - 3 * 86400000));
api('GET', '/api/aftersales/policy').then(fill).catch((err) => say($('#pa-error'), errorText(err)));
