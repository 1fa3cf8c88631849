// The agent workspace (/agent): conversation list, the open conversation, buyer sidebar, live updates.

import {
  conversationRow, langChip, messageLog, moodChip, sidebar, statusChip, vipBadge, waitingText,
} from './chat-view.js';
import { initComposer, mayAnswer } from './composer.js';
import { $, $$, api, errorText, h, storage, t, toast, wsUrl } from './dom.js';
import { initHandoffs } from './handoffs.js';
import { initKbPanel } from './kb-panel.js';
import { previewText } from './media.js';
import { initNotify } from './notify.js';
import { presenceSelector } from './presence.js';
import { initQuickReplies } from './quick-replies.js';
import { Realtime } from './realtime.js';
import { initTemplatePicker } from './template-picker.js';

const body = document.body;
const me = { id: Number(body.dataset.agentId), name: body.dataset.agentName, role: body.dataset.role };
const session = storage('session');
const baseTitle = document.title;

const els = {
  tabs: $$('[data-tab]'), search: $('#search'), list: $('#conv-list'), listEmpty: $('#list-empty'),
  workspace: $('.ws'), chatEmpty: $('#chat-empty'), chat: $('#chat'), head: $('#chat-head'), log: $('#chat-log'),
  typing: $('#chat-typing'), form: $('#composer'), reply: $('#reply'), counter: $('#reply-counter'),
  send: $('#reply-send'), note: $('#note-toggle'), hint: $('#composer-hint'), side: $('#side-body'),
  presence: $('#presence'), breakButton: $('#break'), conn: $('#conn'),
};

const TABS = {
  waiting: (c) => c.status === 'waiting',
  mine: (c) => c.status === 'assigned' && c.assignee_id === me.id,
  open: (c) => c.status !== 'closed',
  closed: (c) => c.status === 'closed',
};

const convs = new Map(); // id -> conversation (agent view)
const touched = new Map(); // id -> time an event last updated it (so an older list fetch can't undo it)
const typingUntil = new Map(); // conversation id -> ms
let tab = session.get('kefu.tab') in TABS ? session.get('kefu.tab') : 'mine';
let current = null; // {id, conv, customer, history, messages: Map(id -> msg), pending: Map(cid -> msg)}
const lastMarked = new Map();
let rt = null;

// ---- conversation list --------------------------------------------------------------------------

function upsertConversation(c, fromEvent = true) {
  if (!c || !c.id) return;
  if (fromEvent) touched.set(c.id, Date.now());
  const old = convs.get(c.id) || {};
  const merged = { ...old, ...c };
  // Read positions only move forward, whichever payload arrives last.
  for (const k of ['last_seq', 'agent_read_seq', 'buyer_read_seq']) merged[k] = Math.max(old[k] || 0, c[k] || 0);
  convs.set(c.id, merged);
  if (current && current.id === c.id) {
    current.conv = merged;
    const past = (current.history || []).find((item) => item.id === c.id);
    if (past) Object.assign(past, { status: merged.status, last_preview: merged.last_preview });
    renderChatHead();
    renderLog();
    renderSide();
  }
}

/** Apply a conversation from an HTTP response, unless a live event since `started` is newer. */
function applyResponse(c, started) {
  if (c && (touched.get(c.id) || 0) <= started) upsertConversation(c, false);
}

async function loadTab(name) {
  const started = Date.now();
  const query = name === 'mine' ? 'status=open&mine=true' : `status=${name}`;
  try {
    const data = await api('GET', `/api/conversations?${query}`);
    for (const c of data.conversations) if ((touched.get(c.id) || 0) < started) upsertConversation(c, false);
  } catch (e) {
    if (e.status === 401) return toLogin();
    toast(errorText(e), 'error');
  }
  renderList();
}

function visibleConversations() {
  const q = els.search.value.trim().toLowerCase();
  const items = [...convs.values()].filter(TABS[tab]).filter((c) => !q
    || (c.customer?.display_name || '').toLowerCase().includes(q)
    || (previewText(c.last_preview) || '').toLowerCase().includes(q)); // "[Image]" in English, as shown
  if (tab === 'waiting') return items.sort((a, b) => (a.waiting_since || '').localeCompare(b.waiting_since || ''));
  return items.sort((a, b) => (b.last_message_at || b.created_at || '').localeCompare(a.last_message_at
    || a.created_at || '') || b.id - a.id);
}

function renderList() {
  const items = visibleConversations();
  const now = Date.now();
  els.list.replaceChildren(...items.map((c) => conversationRow(c, {
    active: current && current.id === c.id, me, typing: (typingUntil.get(c.id) || 0) > now, onOpen: openConversation,
  })));
  els.listEmpty.hidden = items.length > 0;
  els.listEmpty.textContent = t(`empty_${tab}`);
  const all = [...convs.values()];
  for (const name of ['waiting', 'mine', 'open']) {
    const n = all.filter(TABS[name]).length;
    const badge = $(`[data-count="${name}"]`);
    badge.textContent = n ? String(n) : '';
    badge.hidden = !n;
  }
  notify.refresh(); // the tab title: my unread count
}

function selectTab(name) {
  tab = name;
  session.set('kefu.tab', name);
  for (const b of els.tabs) b.setAttribute('aria-selected', String(b.dataset.tab === name));
  renderList();
  loadTab(name);
}

els.tabs.forEach((b) => b.addEventListener('click', () => selectTab(b.dataset.tab)));
els.search.addEventListener('input', renderList);

// ---- the open conversation ----------------------------------------------------------------------

// The server sends a chat's messages to its agent; telling it which chat this page shows brings that chat's
// messages here too (a colleague's chat opened from 进行中, or one being handed over). Sent again on reconnect.
function watchCurrent() {
  if (rt) rt.send({ type: 'watch', conversation_id: current ? current.id : null });
}

async function openConversation(id) {
  current = { id, conv: convs.get(id) || null, loading: true, messages: new Map(), pending: new Map() };
  watchCurrent();
  history.replaceState(null, '', `#c${id}`);
  els.workspace.classList.add('has-chat');
  els.chatEmpty.hidden = true;
  els.chat.hidden = false;
  els.log.replaceChildren(h('div', { class: 'loading', text: t('loading') }));
  els.side.replaceChildren(h('div', { class: 'loading', text: t('loading') }));
  renderChatHead();
  renderList();
  let data;
  try {
    data = await api('GET', `/api/conversations/${id}`);
  } catch (e) {
    if (e.status === 401) return toLogin();
    toast(errorText(e), 'error');
    return closeView();
  }
  if (!current || current.id !== id) return;
  for (const m of data.messages) current.messages.set(m.id, m);
  Object.assign(current, { loading: false, customer: data.customer, history: data.history });
  upsertConversation(data.conversation, false);
  current.conv = convs.get(id);
  els.reply.value = session.get(`kefu.draft.${id}`) || '';
  picker.reset();
  kb.onConversation();
  announce('kefu:conversation', { conversation: current.conv, customer: current.customer });
  renderChatHead();
  renderLog(true);
  renderSide();
  updateComposer();
  renderList();
  markRead();
  els.reply.focus();
}

/** Tell the sidebar's other panels (orders-panel.js, case-panel.js …) what the agent is looking at. */
const announce = (type, detail) => document.dispatchEvent(new CustomEvent(type, { detail }));

function closeView() {
  current = null;
  announce('kefu:conversation', null);
  watchCurrent();
  history.replaceState(null, '', location.pathname + location.search);
  els.workspace.classList.remove('has-chat');
  els.chat.hidden = true;
  els.chatEmpty.hidden = false;
  els.side.replaceChildren(h('p', { class: 'muted side-empty', text: t('side_empty') }));
  renderList();
}

function action(label, kind, verb) {
  return h('button', { type: 'button', class: `btn ${kind}`, text: label, onclick: (e) => act(verb, e.currentTarget) });
}

/** 转工单: the chat's proposed ticket (type, demand, orders, transcript) saved in one click, then opened. */
async function openTicket(c, button, known = null) {
  button.disabled = true;
  try {
    const draft = known || (await api('GET', `/api/tickets/draft?conversation_id=${c.id}`)).draft;
    const { ticket } = await api('POST', '/api/tickets', draft);
    toast(t('tk_created', { number: ticket.number }));
    window.open(`/tickets#${ticket.number}`, '_blank', 'noopener');
  } catch (e) {
    toast(errorText(e), 'error');
  } finally {
    button.disabled = false;
  }
}

/** A chat closed with its after-sale problem still open and no ticket for it: ask whether to open one. */
async function offerTicket(c, button) {
  try {
    const { draft } = await api('GET', `/api/tickets/draft?conversation_id=${c.id}`);
    if (draft.suggest && window.confirm(t('tk_ask_on_close'))) await openTicket(c, button, draft);
  } catch {
    /* the close went through; the ticket button stays there */
  }
}

function renderChatHead() {
  if (!current || !current.conv) return;
  const c = current.conv;
  const cu = current.customer || c.customer || {};
  const who = c.status === 'assigned' && c.assignee_name
    ? (c.assignee_id === me.id ? t('assigned_to_me') : t('served_by', { name: c.assignee_name })) : waitingText(c);
  const actions = [];
  if (c.status === 'waiting') actions.push(action(t('take'), 'btn-primary', 'take'));
  if (c.status !== 'closed' && mayAnswer(c, me)) actions.push(action(t('close'), 'btn-ghost', 'close'));
  else actions.push(action(t('reopen'), 'btn-primary', 'reopen'));
  actions.push(h('button', { type: 'button', class: 'btn btn-ghost', text: t('tk_new_from_chat'),
    dataset: { action: 'ticket' }, onclick: (e) => openTicket(c, e.currentTarget) }));
  els.head.replaceChildren(
    h('button', { type: 'button', class: 'btn btn-ghost back', text: t('back'), onclick: closeView }),
    h('div', { class: 'chat-title' },
      h('div', { class: 'chat-name' }, h('span', { text: cu.display_name || t('buyer_generic') }),
        vipBadge(cu.vip_level), statusChip(c.status), moodChip(c), langChip(c)),
      h('div', { class: 'chat-sub', dataset: { since: c.status === 'waiting' ? c.waiting_since : '' }, text: who })),
    h('div', { class: 'chat-actions' }, ...handoffs.headButtons(c), ...actions));
  updateComposer();
}

function renderLog(forceBottom = false) {
  if (!current || current.loading) return;
  const log = els.log;
  const stick = forceBottom || log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  const messages = [...current.messages.values()].sort((a, b) => a.seq - b.seq);
  log.replaceChildren(...messageLog([...messages, ...current.pending.values()], current.conv, current.customer,
    retry));
  if (stick) log.scrollTop = log.scrollHeight;
}

function renderSide() {
  if (!current || !current.conv || !current.customer) return;
  els.side.replaceChildren(...sidebar(current, openConversation));
}

async function act(verb, button) {
  if (!current) return;
  button.disabled = true;
  const started = Date.now();
  try {
    const r = await api('POST', `/api/conversations/${current.id}/${verb}`);
    applyResponse(r.conversation, started);
    renderSide();
    renderList();
    if (verb === 'take') selectTab('mine');
    if (verb === 'close') offerTicket(r.conversation, button);
  } catch (e) {
    toast(errorText(e), 'error');
    button.disabled = false;
  }
}

function addMessage(m) {
  if (m.sender === 'buyer') typingUntil.delete(m.conversation_id); // sent: no longer "typing…" in the list
  if (!current || m.conversation_id !== current.id) return;
  if (m.client_msg_id) current.pending.delete(m.client_msg_id);
  current.messages.set(m.id, m);
  kb.onMessage(m);
  renderLog(m.sender === 'agent' && m.agent_id === me.id);
  if (m.sender === 'buyer') els.typing.hidden = true;
  markRead();
}

/** Tell the server the agent has seen the open conversation's newest message. */
async function markRead() {
  if (!current || !current.conv || document.hidden) return;
  let seq = 0;
  for (const m of current.messages.values()) seq = Math.max(seq, m.seq);
  const c = current.conv;
  if (!seq || (seq <= c.agent_read_seq && !c.agent_unread) || seq <= (lastMarked.get(c.id) || 0)) return;
  lastMarked.set(c.id, seq);
  const started = Date.now();
  try {
    const r = await api('POST', `/api/conversations/${c.id}/read`, { seq });
    applyResponse({ id: c.id, agent_unread: r.agent_unread, agent_read_seq: r.agent_read_seq }, started);
    renderList();
  } catch {
    lastMarked.delete(c.id);
  }
}

document.addEventListener('visibilitychange', markRead);

// ---- replying (composer.js) and handing over (handoffs.js) ---------------------------------------

const { updateComposer, retry } = initComposer({
  els, me, session, convs, current: () => current, tab: () => tab, socket: () => rt, selectTab, applyResponse,
  renderLog: (...a) => renderLog(...a), renderSide: () => renderSide(), renderList: () => renderList(), toLogin,
});
const currentId = () => (current ? current.id : null);
const picker = initTemplatePicker({ reply: els.reply, form: els.form, conversationId: currentId });
const kb = initKbPanel({ reply: els.reply, conversationId: currentId });
initQuickReplies({ reply: els.reply, conversationId: currentId });
const notify = initNotify({ me, conversations: () => convs.values(), baseTitle, button: $('#notify-toggle') });
const handoffs = initHandoffs({
  me, conversation: (id) => convs.get(id), open: openConversation,
  onConversation: (c) => {
    applyResponse(c, Date.now());
    renderList();
  },
});

// ---- presence, realtime, bootstrap --------------------------------------------------------------

const setPresenceView = presenceSelector(els.presence, els.breakButton);

function onEvent(ev) {
  const data = ev.data || {};
  if (ev.type === 'typing') {
    if (data.who !== 'buyer') return;
    typingUntil.set(data.conversation_id, Date.now() + 6000);
    if (current && current.id === data.conversation_id) {
      els.typing.hidden = false;
      clearTimeout(els.typing.timer);
      els.typing.timer = setTimeout(() => { els.typing.hidden = true; }, 6000);
    }
    renderList();
    return;
  }
  announce('kefu:event', ev); // every live event, for the sidebar's other panels
  if (handoffs.onEvent(ev)) return;
  if (ev.type.startsWith('ticket.')) {
    const warning = notify.onTicket(ev);
    if (warning) toast(warning);
    return;
  }
  if (ev.type === 'agent.updated') {
    if (data.id !== me.id) return;
    setPresenceView(data);
    // Set away by the server after a silence (laptop closed, network lost): say why, and how to come back.
    if (data.reason === 'silent' && data.presence === 'away') toast(t('presence_silent'));
    return;
  }
  if (data.conversation) notify.onEvent(ev, convs.get(data.conversation.id) || null);
  if (data.conversation) upsertConversation(data.conversation);
  if (ev.type === 'message.created' && data.message) addMessage(data.message);
  if (ev.type === 'conversation.created' && current === null && tab !== 'waiting') toast(t('new_waiting'));
  renderList();
}

function toLogin() {
  location.href = `/agent/login?next=${encodeURIComponent(location.pathname)}`;
}

function tick() {
  for (const el of $$('[data-since]')) {
    if (!el.dataset.since) continue;
    const c = convs.get(Number(el.closest('[data-id]')?.dataset.id)) || current?.conv;
    if (c) el.textContent = waitingText(c);
  }
}

rt = new Realtime({
  url: (id) => wsUrl(`/ws/agent?last_event_id=${id}`),
  lastEventId: Number(body.dataset.lastEventId) || 0,
  onEvent,
  onReady: () => {
    announce('kefu:ready'); // (re)connected: panels reload what they show
    watchCurrent();
    handoffs.loadOffers(); // offers made while this page was away
  },
  onStatus: (s) => {
    els.conn.className = `conn is-${s}`;
    els.conn.textContent = t(`conn_${s}`);
  },
  onFail: async (failures) => {
    if (failures < 2) return;
    try {
      await api('GET', '/api/me');
    } catch (e) {
      if (e.status === 401) toLogin();
    }
  },
});

const fromHash = /^#c(\d+)$/.exec(location.hash);
window.addEventListener('hashchange', () => {
  const m = /^#c(\d+)$/.exec(location.hash);
  if (m && (!current || current.id !== Number(m[1]))) openConversation(Number(m[1]));
});
for (const b of els.tabs) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
closeView();
rt.start();
await loadTab('open');
if (tab === 'closed') await loadTab('closed');
if (fromHash) openConversation(Number(fromHash[1]));
setInterval(tick, 1000);
