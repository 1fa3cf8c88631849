// The public ticket status page (/tickets/status): number + last four phone digits → status and next step.

import { $, api, clock, errorText, h, t } from './dom.js';
import { ticketCard } from './widget-tickets.js';

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
  const updated = h('p', { class: 'muted small', text: t('ts_updated', { at: clock(x.updated_at) }) });
  result.replaceChildren(ticketCard(x, updated));
});
