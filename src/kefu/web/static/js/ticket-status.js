// The public ticket status page (/tickets/status): number + last four phone digits → status and next step.

import { $, api, clock, errorText, h, lang, t } from './dom.js';

const result = $('#ts-result');

$('#ts-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  let r;
  try {
    r = await api('POST', '/api/public/tickets/lookup',
      { number: $('#ts-number').value.trim(), phone_last4: $('#ts-last4').value.trim() });
  } catch (err) {
    result.replaceChildren(h('p', { class: 'alert alert--error', text: errorText(err) }));
    return;
  }
  if (!r.found) {
    result.replaceChildren(h('p', { class: 'alert alert--error', text: t('ts_not_found') }));
    return;
  }
  const x = r.ticket;
  const pick = (pair) => (lang === 'en' ? pair.en : pair.zh);
  result.replaceChildren(h('article', { class: 'wt-ticket', dataset: { number: x.number } },
    h('div', { class: 'wt-title' }, h('code', { text: x.number }), ' ', h('span', { text: x.title })),
    h('div', { class: `wt-status wt-status--${x.status}`, text: pick(x.status_label) }),
    h('p', { class: 'wt-next', text: pick(x.next_step) }),
    h('p', { class: 'muted small', text: t('ts_updated', { at: clock(x.updated_at) }) })));
});
