// The buyer's chat window (inside the iframe at /widget/<shop>).
//
// Messages go out over the WebSocket with a client_msg_id and show as "sending" until the ack
// arrives. If the socket is down, or no ack comes within a few seconds, the same message is POSTed
// to /api/widget/messages with the same client_msg_id: the server stores it once either way.
// Each message carries the window's language (zh / en): the one that opens a conversation sets the
// language of kefu's automatic messages (queue greeting, FAQ bot) for that conversation.
// An image (picked, dropped or pasted) is first uploaded to /api/widget/attachments, then sent the same
// way as a message with its attachment_id, so it is stored once and resynced like text.

import { $, api, errorText, lang, onEnterSend, storage, t, uuid, wsUrl } from './dom.js';
import { Realtime } from './realtime.js';
import { bindHumanButton, decorateBot } from './widget-bot.js';
import { initWidgetImages } from './widget-images.js';
import { MessageLog } from './widget-log.js';
import { QueuePlace } from './widget-queue.js';
import { BuyerTickets } from './widget-tickets.js';

const MAX_CHARS = 5000;
const ACK_TIMEOUT_MS = 4000;
const TYPING_EVERY_MS = 2500;

const slug = document.body.dataset.shop;
const shopName = document.body.dataset.shopName || '';
const embedded = window.parent !== window;
const store = storage();
const tokenKey = `kefu.visitor.${slug}`;

const els = {
  sub: $('#wg-sub'),
  conn: $('#wg-conn'),
  log: $('#wg-log'),
  typing: $('#wg-typing'),
  typingText: $('#wg-typing-text'),
  notice: $('#wg-notice'),
  error: $('#wg-error'),
  form: $('#wg-form'),
  input: $('#wg-input'),
  counter: $('#wg-counter'),
  send: $('#wg-send'),
  close: $('#wg-close'),
  queue: $('#wg-queue'),
  human: $('#wg-human'),
  image: $('#wg-image'),
  panel: $('.wg'),
};

const state = {
  token: null,
  conv: null,
  open: !embedded,
  unread: 0,
  lastReadSent: 0,
  lastTypingSent: 0,
  typingTimer: null,
};
const log = new MessageLog(els.log);
const place = new QueuePlace(els.queue, () => state.token);
const outbox = new Map(); // client_msg_id -> {text, file, attachment, tries, timer, inflight, failed}
let rt = null;

// ---- parent page (the embed loader) -------------------------------------------------------------

function tellParent(kind, extra = {}) {
  if (embedded) window.parent.postMessage({ kefu: kind, ...extra }, '*');
}

window.addEventListener('message', (e) => {
  if (e.source !== window.parent || !e.data || typeof e.data !== 'object') return;
  if (e.data.kefu === 'open') {
    state.open = true;
    setUnread(0);
    log.scrollToEnd();
    markRead();
    els.input.focus();
  } else if (e.data.kefu === 'close') {
    state.open = false;
  }
});

els.close.hidden = !embedded;
els.close.addEventListener('click', () => tellParent('close'));
document.addEventListener('visibilitychange', markRead);

function visible() {
  return state.open && !document.hidden;
}

function setUnread(n) {
  state.unread = n;
  tellParent('unread', { count: n });
}

// ---- rendering ----------------------------------------------------------------------------------

function renderHeader() {
  const c = state.conv;
  let sub = t('widget_greeting_sub');
  if (c && c.status === 'assigned' && c.assignee_name) sub = t('widget_served_by', { name: c.assignee_name });
  else if (c && c.status === 'waiting') sub = t('widget_waiting');
  else if (c && c.status === 'closed') sub = t('widget_closed_sub');
  els.sub.textContent = sub;
  els.notice.hidden = !(c && c.status === 'closed');
  els.notice.textContent = t('widget_closed_notice');
  // 转人工 only while no person serves the buyer: waiting (with the bot), closed (a new chat starts) or none yet
  els.human.hidden = Boolean(c && c.status === 'assigned');
}

function renderConnection(status) {
  els.conn.className = `wg-conn is-${status}`;
  els.conn.title = t(`conn_${status}`);
  els.conn.textContent = status === 'online' ? '' : t(`conn_${status}`);
}

function markFailed(cid, message) {
  const item = outbox.get(cid);
  if (item) {
    item.failed = true;
    clearTimeout(item.timer);
  }
  log.markFailed(cid, message, () => {
    if (item) item.failed = false;
    deliver(cid);
  });
}

function showError(text) {
  els.error.textContent = text;
  els.error.hidden = !text;
}

function showTyping(name) {
  els.typingText.textContent = t('widget_agent_typing', { name: name || t('agent_generic') });
  els.typing.hidden = false;
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(() => {
    els.typing.hidden = true;
  }, 6000);
}

// ---- conversation state -------------------------------------------------------------------------

function setConversation(c) {
  if (!c) return;
  if (state.conv && c.id < state.conv.id) return; // an older conversation's late event
  if (state.conv && state.conv.id === c.id) {
    // Counters only grow: a late, older payload must not take a receipt back.
    const old = state.conv;
    state.conv = { ...old, ...c, agent_read_seq: Math.max(old.agent_read_seq || 0, c.agent_read_seq || 0) };
  } else {
    state.conv = { ...c };
    state.lastReadSent = 0; // seqs start again in a new conversation
  }
  renderHeader();
  place.follow(state.conv);
  log.refreshReceipts(state.conv);
}

/** Tell the shop we have read everything on screen (drives the agent's 已读 receipts). */
function markRead() {
  if (!visible() || !state.conv) return;
  const seq = log.highestSeq(state.conv.id, 'buyer');
  if (seq <= Math.max(state.lastReadSent, state.conv.buyer_read_seq || 0)) return;
  state.lastReadSent = seq;
  const convId = state.conv.id;
  if (!rt || !rt.send({ type: 'read', conversation_id: convId, seq })) {
    api('POST', `/api/widget/conversations/${convId}/read`, { seq }, { 'X-Visitor-Token': state.token })
      .catch(() => {
        state.lastReadSent = 0;
      });
  }
}

// ---- sending ------------------------------------------------------------------------------------

/** The message as sent: its text, and the uploaded image's id for an image. */
function frameOf(cid, item) {
  const body = { text: item.text, client_msg_id: cid, lang };
  if (item.attachment) body.attachment_id = item.attachment.id;
  return body;
}

function deliver(cid) {
  const item = outbox.get(cid);
  if (!item || item.failed || item.inflight || !state.token) return; // no session yet: start() flushes
  clearTimeout(item.timer);
  if (item.file && !item.attachment) {
    images.upload(cid);
    return;
  }
  if (rt && rt.send({ type: 'message', ...frameOf(cid, item) })) {
    item.timer = setTimeout(() => deliverHttp(cid), ACK_TIMEOUT_MS);
  } else if (rt && rt.state === 'connecting') {
    item.timer = setTimeout(() => deliverHttp(cid), ACK_TIMEOUT_MS); // onReady sends it first
  } else {
    deliverHttp(cid);
  }
}

async function deliverHttp(cid) {
  const item = outbox.get(cid);
  if (!item || item.failed || item.inflight || !state.token) return;
  item.inflight = true;
  clearTimeout(item.timer);
  try {
    const r = await api('POST', '/api/widget/messages', frameOf(cid, item), { 'X-Visitor-Token': state.token });
    delivered(cid, r.message, r.conversation_id);
  } catch (e) {
    if (!e.retryable) {
      markFailed(cid, errorText(e));
    } else {
      item.tries += 1;
      item.timer = setTimeout(() => deliver(cid), Math.min(30000, 1000 * 2 ** item.tries));
    }
  } finally {
    item.inflight = false;
  }
}

function delivered(cid, message, conversationId) {
  const item = outbox.get(cid);
  if (item) clearTimeout(item.timer);
  outbox.delete(cid);
  if (conversationId && (!state.conv || conversationId > state.conv.id)) {
    setConversation({ id: conversationId, status: 'waiting', agent_read_seq: 0, buyer_read_seq: 0 });
    tellParent('active');
  }
  if (message) log.upsert(message);
}

function flushOutbox() {
  for (const [cid, item] of outbox) if (!item.failed && !item.inflight && !item.uploading) deliver(cid);
}

/** Send what the buyer typed, or `chosen` (a bot option chip) without touching the input. */
function submit(chosen) {
  const typed = typeof chosen !== 'string';
  const text = typed ? els.input.value.trim() : chosen;
  if (!text) return;
  if (text.length > MAX_CHARS) {
    showError(t('err_too_long', { max: MAX_CHARS, n: text.length }));
    return;
  }
  showError('');
  const cid = uuid();
  outbox.set(cid, { text, tries: 0, timer: null, inflight: false, failed: false });
  log.addPending(cid, text);
  if (typed) els.input.value = '';
  updateCounter();
  deliver(cid);
  if (typed) els.input.focus();
}

function updateCounter() {
  const n = els.input.value.trim().length;
  els.counter.textContent = `${els.input.value.length}/${MAX_CHARS}`;
  els.counter.classList.toggle('is-over', els.input.value.length > MAX_CHARS);
  els.send.disabled = n === 0 || n > MAX_CHARS;
}

els.form.addEventListener('submit', (e) => {
  e.preventDefault();
  submit();
});
onEnterSend(els.input, () => submit());
log.decorate = (row, m) => decorateBot(row, m, { send: submit, token: () => state.token });
bindHumanButton(els.human, { rt: () => rt, token: () => state.token, delivered, showError,
  shown: (cid) => log.byClientId.has(cid) });
const images = initWidgetImages({ els, outbox, log, deliver, markFailed, showError, token: () => state.token });
const tickets = new BuyerTickets({ button: $('#wg-tickets'), panel: $('#wg-ticket-panel') }, () => state.token);
els.input.addEventListener('input', () => {
  updateCounter();
  const c = state.conv;
  const now = Date.now();
  if (c && c.status !== 'closed' && els.input.value.trim() && now - state.lastTypingSent > TYPING_EVERY_MS) {
    if (rt && rt.send({ type: 'typing', conversation_id: c.id })) state.lastTypingSent = now;
  }
});

// ---- realtime -----------------------------------------------------------------------------------

function onEvent(ev) {
  document.dispatchEvent(new CustomEvent('kefu:event', { detail: ev })); // for the widget's panels (cases …)
  const data = ev.data || {};
  if (ev.type === 'typing') {
    if (data.who === 'agent' && state.conv && data.conversation_id === state.conv.id) showTyping(data.name);
    return;
  }
  if (ev.type === 'queue.position') {
    place.update(data);
    return;
  }
  if (ev.type.startsWith('ticket.')) {
    tickets.onEvent(ev);
    return;
  }
  if (data.conversation) setConversation(data.conversation);
  if (ev.type === 'conversation.created') tellParent('active');
  if (ev.type === 'message.created' && data.message) {
    const m = data.message;
    if (m.client_msg_id && outbox.has(m.client_msg_id)) delivered(m.client_msg_id, null, m.conversation_id);
    const isNew = log.upsert(m);
    if (m.sender !== 'buyer') {
      els.typing.hidden = true;
      if (isNew && !visible()) setUnread(state.unread + 1);
    }
    markRead();
  }
}

function connect(lastEventId) {
  rt = new Realtime({
    url: (id) => wsUrl(`/ws/buyer?token=${encodeURIComponent(state.token)}&last_event_id=${id}`),
    lastEventId,
    onEvent,
    onReady: () => {
      flushOutbox();
      markRead();
      place.refresh(); // positions are not replayed: ask where we are now
      tickets.refresh();
    },
    onAck: (f) => delivered(f.client_msg_id, f.message, f.conversation_id),
    onError: (f) => {
      if (f.ref && outbox.has(f.ref)) markFailed(f.ref, errorText(f));
      else showError(errorText(f));
    },
    onStatus: (s) => {
      renderConnection(s);
      if (s === 'offline') for (const [cid, item] of outbox) if (!item.file || item.attachment) deliverHttp(cid);
    },
    onFail: (failures) => {
      if (failures === 3) checkToken();
    },
  });
  rt.start();
}

/** The socket keeps failing: if our visitor token was refused, start a fresh visitor. */
async function checkToken() {
  try {
    await api('GET', '/api/widget/conversation', undefined, { 'X-Visitor-Token': state.token });
  } catch (e) {
    if (e.status === 403) {
      store.remove(tokenKey);
      rt.stop();
      start();
    }
  }
}

async function start(attempt = 0) {
  renderConnection('connecting');
  let snap;
  try {
    snap = await api('POST', `/api/widget/${encodeURIComponent(slug)}/session`, { token: store.get(tokenKey) });
  } catch (e) {
    showError(errorText(e));
    setTimeout(() => start(attempt + 1), Math.min(30000, 1000 * 2 ** attempt));
    return;
  }
  showError('');
  state.token = snap.token;
  store.set(tokenKey, snap.token);
  setConversation(snap.conversation);
  renderHeader();
  for (const m of snap.messages || []) log.upsert(m);
  if (snap.conversation) tellParent('active');
  log.scrollToEnd();
  connect(snap.last_event_id || 0);
  flushOutbox(); // anything typed while the session was starting
  markRead();
}

log.welcome(t('widget_welcome', { shop: shopName }));
els.input.disabled = false; // typing works from here on, even before the session is up (it queues)
updateCounter();
renderHeader();
tellParent('ready');
start();
