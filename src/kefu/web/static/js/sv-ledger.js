// The supervisor's error-ledger panel: the shop's open entries, overdue ones first and red (the buyer is
// owed a progress update), each linking to its ticket. Refreshed every 30 seconds; the countdown every second.

import { $, api, h, t } from './dom.js';
import { liveState, stateText } from './ledger-panel.js';

const SHOWN = 10;
const els = { counts: $('#lg-sv-counts'), list: $('#lg-sv-list') };
let entries = [];

function render() {
  const rows = entries.map((e) => ({ e, ...liveState(e) })).sort((a, b) => a.left - b.left); // overdue first
  const late = rows.filter((r) => r.state === 'overdue').length;
  els.counts.replaceChildren(h('span', { text: t('lg_sv_open', { n: rows.length }) }),
    h('span', { class: late ? 'is-bad' : '', text: t('lg_sv_overdue', { n: late }) }));
  els.list.replaceChildren(...rows.slice(0, SHOWN).map(({ e, state }) => h('li', {
    class: state === 'overdue' ? 'is-overdue' : '', dataset: { id: e.id, state },
  }, h('a', { href: `/tickets#${e.ticket.number}`, text: `${e.ticket.number} ${e.ticket.title}` }),
  h('span', { class: 'lg-state', text: `${e.owner_name || '—'} · ${stateText(e)}` }))));
  if (!rows.length) els.list.append(h('li', { class: 'muted', text: t('lg_sv_none') }));
  if (rows.length > SHOWN) {
    els.list.append(h('li', { class: 'muted small', text: t('lg_sv_more', { n: rows.length - SHOWN }) }));
  }
}

async function refresh() {
  try {
    entries = (await api('GET', '/api/ledger?view=open')).entries;
  } catch {
    return; // a glance: the next refresh tries again
  }
  render();
}

if (els.list) {
  document.head.append(h('link', { rel: 'stylesheet', href: '/static/css/ledger.css' }));
  refresh();
  setInterval(refresh, 30000);
  setInterval(render, 1000);
}
