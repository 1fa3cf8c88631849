// The 工单 link's badge on every staff page: how many tickets are due within 2 hours or past due — the
// agent's own, or the whole shop's for supervisors and admins — red once one is breached. Checked on load
// and every minute (the SLA timers' warnings arrive as events on the workspace socket too).

import { $, api, t } from './dom.js';

const link = $('#nav-tickets');
const badge = $('#nav-tickets-badge');
const PERIOD_MS = 60000;

async function count(view) {
  const { tickets } = await api('GET', `/api/tickets?view=${view}`);
  const me = Number(link.dataset.me);
  return tickets.filter((x) => link.dataset.all === 'true' || x.assignee_id === me).length;
}

async function refresh() {
  let soon;
  let late;
  try {
    [soon, late] = await Promise.all([count('breaching'), count('breached')]);
  } catch {
    return; // a glance only: the next minute tries again
  }
  const n = soon + late;
  badge.hidden = n === 0;
  badge.textContent = String(n);
  badge.classList.toggle('is-late', late > 0);
  link.title = n ? t('tk_badge', { soon, late }) : '';
}

if (link && badge) {
  refresh();
  setInterval(refresh, PERIOD_MS);
}
