// The supervisor's SLA board: breaches now and today, urgent complaints the quick-response team has not acted
// on in their 2 hours, tickets being worked and waiting, and the ten tickets
// nearest to a deadline (each links to the tickets page). Refreshed every 30 seconds.

import { $, api, duration, h, parseTime, t } from './dom.js';

const els = {
  breached: $('#sla-breached-now'), today: $('#sla-breaches-today'), open: $('#sla-open'),
  waiting: $('#sla-waiting'), nearest: $('#sla-nearest'), quick: $('#sla-quick-overdue'),
};

function nextDue(x) {
  const dues = ['first_response', 'resolution'].map((k) => x.clocks[k])
    .filter((c) => c.due_at && ['running', 'due_soon'].includes(c.state)).map((c) => parseTime(c.due_at));
  return dues.length ? Math.min(...dues) : NaN;
}

async function refresh() {
  let b;
  try {
    b = await api('GET', '/api/tickets/board');
  } catch {
    return; // the board is a glance: the next refresh tries again
  }
  const sum = (keys) => keys.reduce((n, k) => n + (b.by_status[k] || 0), 0);
  els.breached.textContent = b.breached_now;
  els.breached.parentElement.classList.toggle('is-bad', b.breached_now > 0);
  els.today.textContent = b.breaches_today;
  els.quick.textContent = b.quick_overdue;
  els.quick.parentElement.classList.toggle('is-bad', b.quick_overdue > 0);
  els.open.textContent = sum(['open', 'in_progress']);
  els.waiting.textContent = sum(Object.keys(b.by_status).filter((k) => k.startsWith('waiting_')));
  els.nearest.replaceChildren(...b.nearest.map((x) => {
    const left = (nextDue(x) - Date.now()) / 1000;
    return h('li', {}, h('a', { href: `/tickets#${x.number}`, text: `${x.number} ${x.title}` }),
      h('span', { class: `tk-left${left <= 7200 ? ' is-soon' : ''}`,
        text: Number.isNaN(left) ? '' : t('tk_state_running', { left: duration(left) }) }));
  }));
  if (!b.nearest.length) els.nearest.append(h('li', { class: 'muted', text: t('sla_nearest_none') }));
}

refresh();
setInterval(refresh, 30000);
