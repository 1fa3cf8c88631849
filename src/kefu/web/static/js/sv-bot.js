// The supervisor's FAQ bot card: for today and the last 7 days (from the supervisor's local midnight), the
// conversations the bot handled, answered and resolved, how many it handed to a person and the helpful
// share of buyers' ratings (GET /api/kb/bot/stats?since=…).

import { api, h, t } from './dom.js';

const PERIODS = { today: 0, week: 6 }; // days before today's midnight
const DEBOUNCE_MS = 1000;

function midnight(daysBack) {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - daysBack);
  return d.toISOString();
}

const pct = (rate) => (rate == null ? '—' : `${Math.round(rate * 100)}%`);

/** What each cell shows: the main number and, for the two rates, what it is out of. */
function cells(s) {
  return {
    conversations: [String(s.conversations)],
    answered: [String(s.answered)],
    resolution_rate: [pct(s.resolution_rate),
      s.conversations ? t('bot_stat_resolved_of', { n: s.resolved, total: s.conversations }) : ''],
    handoffs: [String(s.handoffs)],
    helpful_rate: [pct(s.helpful_rate),
      s.rated ? t('bot_stat_ratings', { n: s.rated }) : t('bot_stat_no_ratings')],
  };
}

/** @param {HTMLElement} root the card (its cells are [data-bot-stat="today.answered"] …) */
export function initBotStats(root) {
  let timer = null;

  function fill(period, stats) {
    for (const [key, [value, sub]] of Object.entries(cells(stats))) {
      const td = root.querySelector(`[data-bot-stat="${period}.${key}"]`);
      if (td) td.replaceChildren(value, ...(sub ? [h('div', { class: 'stat-sub', text: sub })] : []));
    }
  }

  async function load() {
    await Promise.all(Object.entries(PERIODS).map(async ([period, days]) => {
      try {
        fill(period, await api('GET', `/api/kb/bot/stats?${new URLSearchParams({ since: midnight(days) })}`));
      } catch {
        /* the card keeps its last numbers until the next refresh */
      }
    }));
  }

  /** The bot just spoke (answered, asked or handed off): refresh once things settle. */
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(load, DEBOUNCE_MS);
  }

  return { load, changed };
}
