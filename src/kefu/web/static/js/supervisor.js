// The supervisor view (/supervisor): the queue in priority order with reasons, every live conversation,
// every agent's presence and load (and break), the greeting-within-15 s rate, alerts, the FAQ bot's card
// (sv-bot.js), taking over and reassigning. Live over /ws/agent.

import { moodChip, statusChip, vipBadge } from './chat-view.js';
import { $, api, clock, duration, errorText, h, initials, secondsSince, t, toast, wsUrl } from './dom.js';
import { alertText } from './handoffs.js';
import { previewText } from './media.js';
import { busBanner } from './bus-banner.js';
import { breakEnds, breakLeft, presenceSelector } from './presence.js';
import { Realtime } from './realtime.js';
import { initBotStats } from './sv-bot.js';
import { initQueue } from './sv-queue.js';

const body = document.body;
const els = {
  stats: $('#stats'), rows: $('#sv-rows'), empty: $('#sv-empty'), agents: $('#sv-agents'), conn: $('#conn'),
  alerts: $('#sv-alerts'), alertsEmpty: $('#sv-alerts-empty'),
  dialog: $('#assign-dialog'), dialogTitle: $('#assign-title'), dialogList: $('#assign-list'), filter: $('#sv-filter'),
};
const convs = new Map();
const agents = new Map();
const PRESENCE_ORDER = { online: 0, away: 1, break: 2, offline: 3 };
let assigning = null;
let greeting = null; // {conversations, greeted_in_time, rate} over the last 24 hours
const alerts = []; // newest first
const me = Number(body.dataset.agentId);
const queue = initQueue({
  rows: $('#sv-queue'), empty: $('#sv-queue-empty'), conversation: (id) => convs.get(id),
  takeOver: (id, button) => takeOver(id, button), assign: (id) => openAssign(id),
});
const botStats = initBotStats($('#sv-bot'));
// The supervisor's own presence: only "online" is routed to; they start "away" (watching) at login.
const setMyPresence = presenceSelector($('#presence'), $('#break'));

function loads() {
  const out = new Map();
  for (const c of convs.values()) {
    if (c.status === 'assigned' && c.assignee_id) out.set(c.assignee_id, (out.get(c.assignee_id) || 0) + 1);
  }
  return out;
}

function stat(label, value, kind = '', sub = '') {
  return h('div', { class: `stat ${kind}` }, h('div', { class: 'stat-value', text: value }),
    h('div', { class: 'stat-label', text: label }), sub ? h('div', { class: 'stat-sub', text: sub }) : null);
}

function renderStats() {
  const all = [...convs.values()];
  const waiting = all.filter((c) => c.status === 'waiting');
  const longest = waiting.reduce((m, c) => Math.max(m, secondsSince(c.waiting_since)), 0);
  const online = [...agents.values()].filter((a) => a.presence === 'online').length;
  els.stats.replaceChildren(
    stat(t('stat_waiting'), String(waiting.length), waiting.length ? 'is-alert' : ''),
    stat(t('stat_serving'), String(all.length - waiting.length)),
    stat(t('stat_online'), `${online} / ${agents.size}`),
    stat(t('stat_longest_wait'), waiting.length ? duration(longest) : '—', longest > 120 ? 'is-alert' : ''),
    stat(t('stat_greeting'), greeting && greeting.rate != null ? `${Math.round(greeting.rate * 100)}%` : '—',
      greeting && greeting.rate != null && greeting.rate < 0.9 ? 'is-alert' : '',
      greeting ? t('stat_greeting_sub', { n: greeting.greeted_in_time, total: greeting.conversations }) : ''));
}

function renderConversations() {
  const filter = els.filter.value;
  const items = [...convs.values()].filter((c) => filter === 'all' || c.status === filter).sort((a, b) => {
    if (a.status !== b.status) return a.status === 'waiting' ? -1 : 1;
    if (a.status === 'waiting') return (a.waiting_since || '').localeCompare(b.waiting_since || '');
    return (b.last_message_at || '').localeCompare(a.last_message_at || '');
  });
  els.rows.replaceChildren(...items.map((c) => {
    const cu = c.customer || {};
    const timeCell = c.status === 'waiting'
      ? h('span', { class: 'wait', dataset: { wait: c.id }, text: duration(secondsSince(c.waiting_since)) })
      : h('span', { class: 'muted', text: duration(secondsSince(c.first_message_at || c.created_at)) });
    return h('tr', { class: c.status === 'waiting' ? 'is-waiting' : '' },
      h('td', null, h('div', { class: 'sv-buyer' },
        h('span', { class: `avatar avatar--sm avatar--${(cu.id || 0) % 6}`, text: initials(cu.display_name) }),
        h('span', { text: cu.display_name || t('buyer_generic') }), vipBadge(cu.vip_level))),
      h('td', null, h('div', { class: 'sv-status' }, statusChip(c.status), moodChip(c))),
      h('td', null, timeCell),
      h('td', null, c.assignee_name ? h('span', { text: c.assignee_name }) : h('span', { class: 'muted', text: '—' })),
      h('td', { class: 'sv-preview' }, h('span', { text: previewText(c.last_preview) || t('no_messages') }),
        h('time', { class: 'muted', text: clock(c.last_message_at) })),
      h('td', { class: 'sv-unread' }, c.agent_unread ? h('span', { class: 'count-badge', text: c.agent_unread }) : null),
      h('td', { class: 'sv-action' }, h('div', { class: 'row-actions' },
        c.assignee_id === me ? null : h('button', {
          type: 'button', class: 'btn btn-small btn-ghost', text: t('take_over'),
          onclick: (e) => takeOver(c.id, e.currentTarget),
        }),
        h('button', {
          type: 'button', class: 'btn btn-small', text: c.assignee_id ? t('reassign') : t('assign'),
          onclick: () => openAssign(c.id),
        }))));
  }));
  els.empty.hidden = items.length > 0;
}

function agentCard(a, load) {
  const pct = Math.min(100, Math.round((load / Math.max(1, a.max_chats)) * 100));
  return h('li', { class: `agent-card is-${a.presence}` },
    h('span', { class: `avatar avatar--${a.id % 6}`, text: initials(a.display_name) }),
    h('div', { class: 'agent-main' },
      h('div', { class: 'agent-top' }, h('strong', { text: a.display_name }),
        h('span', { class: `presence presence--${a.presence}`, text: t(`presence_${a.presence}`) },
          a.presence === 'break' ? h('span', { class: 'break-left', dataset: { until: breakEnds(a) } }) : null)),
      h('div', { class: 'muted small', text: `${t(`group_${a.group}`)} · ${t(`role_${a.role}`)}` }),
      h('div', { class: 'load' },
        h('div', { class: 'load-bar' }, h('span', {
          class: pct >= 100 ? 'is-full' : pct >= 60 ? 'is-busy' : '', dataset: { pct },
        })),
        h('span', { class: 'load-text', text: t('load_of', { n: load, max: a.max_chats }) }))));
}

function sortedAgents() {
  return [...agents.values()].sort((a, b) => (PRESENCE_ORDER[a.presence] ?? 9) - (PRESENCE_ORDER[b.presence] ?? 9)
    || a.group.localeCompare(b.group) || a.id - b.id);
}

function renderAgents() {
  const load = loads();
  els.agents.replaceChildren(...sortedAgents().map((a) => agentCard(a, load.get(a.id) || 0)));
  // widths go through CSSOM (not a style attribute) so they pass a strict CSP
  for (const bar of els.agents.querySelectorAll('[data-pct]')) bar.style.width = `${bar.dataset.pct}%`;
  tickBreaks();
}

function tickBreaks() {
  for (const el of els.agents.querySelectorAll('[data-until]')) {
    const left = breakLeft(Number(el.dataset.until), true); // '' when the end is unknown, 即将结束 once past
    el.textContent = left ? ` · ${left}` : '';
  }
}

// ---- alerts and taking over ---------------------------------------------------------------------

function alertLine(ev) {
  const data = ev.data || {};
  const name = convs.get(data.conversation_id)?.customer?.display_name;
  const text = alertText(data, name, agents.get(data.agent_id)?.display_name);
  return data.count ? `${text} · ${t('alert_count', { n: data.count })}` : text;
}

function renderAlerts() {
  els.alerts.replaceChildren(...alerts.slice(0, 30).map((ev) => h('li', { class: 'alert-item' },
    h('time', { text: clock(ev.created_at) }), h('span', { text: alertLine(ev) }))));
  els.alertsEmpty.hidden = alerts.length > 0;
}

function addAlert(ev, live) {
  alerts.unshift({ ...ev, created_at: ev.at || new Date().toISOString() }); // when it happened, not when seen
  renderAlerts();
  if (live) toast(alertLine(ev), 'error');
}

/** Alerts raised shortly before the page was opened: the most recent events of the shop's log. */
async function loadAlerts() {
  const last = Number(body.dataset.lastEventId) || 0;
  try {
    const r = await api('GET', `/api/events?after=${Math.max(0, last - 1000)}`);
    for (const ev of r.events) if (ev.type === 'supervisor.alert' && ev.id <= last) addAlert(ev, false);
  } catch {
    /* alerts from now on still arrive live */
  }
}

async function takeOver(convId, button) {
  if (button) button.disabled = true;
  try {
    const r = await api('POST', `/api/conversations/${convId}/assign`, { agent_id: me });
    upsert(r.conversation);
    toast(t('taken_over_ok'), 'ok');
    render();
    queue.changed();
  } catch (e) {
    toast(errorText(e), 'error');
    if (button) button.disabled = false;
  }
}

async function loadStats() {
  try {
    greeting = (await api('GET', '/api/routing/stats?hours=24')).greeting;
    renderStats();
  } catch {
    /* the card shows — until the next try */
  }
}

$('#sv-run').addEventListener('click', async (e) => {
  e.currentTarget.disabled = true;
  try {
    const r = await api('POST', '/api/routing/run');
    toast(t('routed_ok', { n: r.assigned.length }), 'ok');
    queue.changed();
  } catch (err) {
    toast(errorText(err), 'error');
  } finally {
    $('#sv-run').disabled = false;
  }
});

function render() {
  renderStats();
  queue.render();
  renderConversations();
  renderAgents();
  if (assigning) renderAssignList();
}

// ---- reassigning --------------------------------------------------------------------------------

function openAssign(id) {
  assigning = id;
  const c = convs.get(id);
  els.dialogTitle.textContent = t('assign_title', { name: c?.customer?.display_name || t('buyer_generic') });
  renderAssignList();
  if (!els.dialog.open) els.dialog.showModal();
}

function renderAssignList() {
  const c = convs.get(assigning);
  if (!c) {
    els.dialog.close();
    return;
  }
  const load = loads();
  els.dialogList.replaceChildren(...sortedAgents().map((a) => {
    const n = load.get(a.id) || 0;
    const current = a.id === c.assignee_id;
    return h('li', null, h('button', {
      type: 'button', class: `assign-option${current ? ' is-current' : ''}`, disabled: current,
      onclick: () => assign(c.id, a.id),
    },
    h('span', { class: `avatar avatar--sm avatar--${a.id % 6}`, text: initials(a.display_name) }),
    h('span', { class: 'assign-name' }, h('strong', { text: a.display_name }),
      h('span', { class: 'muted small', text: `${t(`group_${a.group}`)} · ${t('load_of', { n, max: a.max_chats })}` })),
    h('span', { class: `presence presence--${a.presence}`, text: current ? t('current_assignee')
      : t(`presence_${a.presence}`) })));
  }));
}

async function assign(convId, agentId) {
  try {
    const r = await api('POST', `/api/conversations/${convId}/assign`, { agent_id: agentId });
    upsert(r.conversation);
    queue.changed();
    els.dialog.close();
    toast(t('assigned_ok', { name: r.conversation.assignee_name }), 'ok');
    render();
  } catch (e) {
    toast(errorText(e), 'error');
  }
}

els.dialog.addEventListener('close', () => { assigning = null; });
$('#assign-cancel').addEventListener('click', () => els.dialog.close());
els.filter.addEventListener('change', renderConversations);

// ---- data ---------------------------------------------------------------------------------------

function upsert(c) {
  if (!c || !c.id) return;
  if (c.status === 'closed') convs.delete(c.id);
  else convs.set(c.id, { ...(convs.get(c.id) || {}), ...c });
}

async function load() {
  try {
    const data = await api('GET', '/api/supervisor/overview');
    convs.clear();
    agents.clear();
    for (const c of data.conversations) upsert(c);
    for (const a of data.agents) agents.set(a.id, a);
  } catch (e) {
    if (e.status === 401) location.href = '/agent/login?next=/supervisor';
    else toast(errorText(e), 'error');
  }
  render();
}

const bus = busBanner(document.getElementById('bus-banner'));
const rt = new Realtime({
  url: (id) => wsUrl(`/ws/agent?last_event_id=${id}`),
  lastEventId: Number(body.dataset.lastEventId) || 0,
  onEvent: (ev) => {
    // every live event, for the page's other panels (sv-approvals.js …): one socket per page
    document.dispatchEvent(new CustomEvent('kefu:event', { detail: ev }));
    const data = ev.data || {};
    if (ev.type === 'supervisor.alert') return addAlert(ev, true);
    if (data.message?.sender === 'bot') botStats.changed(); // it answered, asked or handed off
    if (ev.type === 'agent.updated') {
      agents.set(data.id, { ...(agents.get(data.id) || {}), ...data });
      if (data.id === me) setMyPresence(data); // set elsewhere: the workspace, the silence check, a break's end
    }
    else if (data.conversation) upsert(data.conversation);
    else return;
    if (ev.type !== 'agent.updated' || data.presence) queue.changed(); // places and ETAs move
    if (ev.type === 'conversation.created' || data.action === 'assigned' || data.action === 'routed') loadStats();
    render();
  },
  onReady: (frame) => {
    document.dispatchEvent(new CustomEvent('kefu:ready')); // (re)connected: panels reload what they show
    bus.onReady(frame);
    queue.changed();
  },
  onFrame: bus.onFrame,
  onStatus: (s) => {
    els.conn.className = `conn is-${s}`;
    els.conn.textContent = t(`conn_${s}`);
  },
});

rt.start();
await load();
loadAlerts();
loadStats();
botStats.load();
queue.load();
setInterval(() => {
  loadStats();
  botStats.load(); // ratings arrive without an event
}, 30000);
setInterval(() => {
  queue.tick();
  tickBreaks();
  for (const el of document.querySelectorAll('[data-wait]')) {
    const c = convs.get(Number(el.dataset.wait));
    if (c) el.textContent = duration(secondsSince(c.waiting_since));
  }
  renderStats();
}, 1000);
