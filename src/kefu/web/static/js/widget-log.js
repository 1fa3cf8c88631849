// The buyer widget's message list: stored messages in (conversation, seq) order, the buyer's own
// "sending" messages below them until stored, day and new-conversation dividers, and receipts.

import { clock, dayLabel, h, t } from './dom.js';
import { cardBubble } from './cards.js';
import { caption, imageThumb } from './media.js';

/** A message's bubble: its text, or its image (a stored attachment or the picked file) with any caption. */
function bubble(m) {
  if (m.card) return cardBubble(m, 'buyer', 'msg-bubble');
  if (!m.attachment && !m.localUrl) return h('div', { class: 'msg-bubble', text: m.text });
  const words = caption(m);
  return h('div', { class: 'msg-bubble has-image' }, imageThumb(m),
    words ? h('span', { class: 'media-caption', text: words }) : null);
}

export class MessageLog {
  constructor(el) {
    this.el = el;
    this.byId = new Map(); // message id -> row
    this.byClientId = new Map(); // client_msg_id -> row
    this.conv = null;
    this.decorate = null; // (row, message) => void, for the bot's buttons (widget-bot.js)
  }

  nearBottom() {
    return this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 80;
  }

  scrollToEnd() {
    this.el.scrollTop = this.el.scrollHeight;
  }

  welcome(text) {
    this.el.append(h('div', { class: 'msg msg--welcome' }, h('div', { class: 'msg-bubble', text })));
  }

  build(m) {
    const sender = m.sender || 'buyer';
    const row = h('div', { class: `msg msg--${sender}` });
    if (sender === 'system') {
      row.append(h('div', { class: 'msg-bubble', text: m.text }));
      return row;
    }
    let who = '';
    if (sender === 'agent') who = t('widget_agent_label', { name: m.agent_name || t('agent_generic') });
    else if (sender === 'bot') who = t('widget_bot_label');
    row.append(
      h('div', { class: 'msg-meta' }, who ? h('span', { class: 'msg-who', text: who }) : null,
        h('time', { class: 'msg-time', text: clock(m.created_at) })),
      bubble(m));
    if (sender === 'buyer') row.append(h('div', { class: 'msg-status' }));
    if (sender === 'bot' && this.decorate) this.decorate(row, m);
    return row;
  }

  place(row, m) {
    row.dataset.seq = m.seq;
    row.dataset.conv = m.conversation_id;
    row.dataset.day = dayLabel(m.created_at);
    const after = [...this.el.querySelectorAll('.msg:not(.msg--welcome)')].find((r) => {
      if (!r.dataset.seq) return true; // still sending: stored messages go above it
      const conv = Number(r.dataset.conv);
      return conv > m.conversation_id || (conv === m.conversation_id && Number(r.dataset.seq) > m.seq);
    });
    this.el.insertBefore(row, after || null);
    let prev = row.previousElementSibling;
    while (prev && !prev.dataset.seq && !prev.classList.contains('msg--welcome')) prev = prev.previousElementSibling;
    let divider = null;
    if (prev && prev.dataset.conv && Number(prev.dataset.conv) !== m.conversation_id) {
      divider = t('widget_new_conversation');
    } else if (!prev || prev.dataset.day !== row.dataset.day) {
      divider = row.dataset.day;
    }
    if (divider) this.el.insertBefore(h('div', { class: 'wg-divider', text: divider }), row);
  }

  /** Show a stored message once, turning our own "sending" row into it. Returns true if it is new. */
  upsert(m) {
    if (m.private || this.byId.has(m.id)) return false;
    const stick = this.nearBottom();
    let row = m.client_msg_id ? this.byClientId.get(m.client_msg_id) : null;
    const isNew = !row;
    if (row) {
      row.remove();
      row.classList.remove('is-pending', 'is-failed');
      row.querySelector('.msg-error')?.remove();
    } else {
      row = this.build(m);
    }
    this.place(row, m);
    this.byId.set(m.id, row);
    if (m.client_msg_id) this.byClientId.set(m.client_msg_id, row);
    this.refreshReceipts();
    if (stick || m.sender === 'buyer') this.scrollToEnd();
    return isNew;
  }

  addPending(cid, text, localUrl = null) {
    const row = this.build({ sender: 'buyer', text, localUrl, created_at: new Date().toISOString() });
    row.classList.add('is-pending');
    this.byClientId.set(cid, row);
    this.el.append(row);
    this.refreshReceipts();
    this.scrollToEnd();
  }

  markFailed(cid, message, onRetry) {
    const row = this.byClientId.get(cid);
    if (!row) return;
    row.classList.remove('is-pending');
    row.classList.add('is-failed');
    row.querySelector('.msg-error')?.remove();
    const retry = h('button', { type: 'button', class: 'msg-retry', text: t('msg_retry') });
    retry.addEventListener('click', () => {
      row.classList.replace('is-failed', 'is-pending');
      row.querySelector('.msg-error')?.remove();
      this.refreshReceipts();
      onRetry();
    });
    row.querySelector('.msg-status').textContent = '';
    row.append(h('div', { class: 'msg-error' }, h('span', { text: message }), ' ', retry));
  }

  /** 发送中 / 已送达 / 已读 under each of the buyer's messages (已读 once agent_read_seq reaches it). */
  refreshReceipts(conv = this.conv) {
    this.conv = conv;
    for (const row of this.el.querySelectorAll('.msg--buyer:not(.is-failed)')) {
      let text = t('msg_sending');
      let read = false;
      if (row.dataset.seq) {
        read = Boolean(conv && Number(row.dataset.conv) === conv.id && conv.agent_read_seq >= Number(row.dataset.seq));
        text = read ? t('msg_read') : t('msg_sent');
      }
      const status = row.querySelector('.msg-status');
      status.textContent = text;
      status.classList.toggle('is-read', read);
    }
  }

  /** The newest seq shown for a conversation, ignoring messages from `exceptSender`. */
  highestSeq(convId, exceptSender) {
    let seq = 0;
    for (const row of this.el.querySelectorAll(`.msg[data-conv="${Number(convId)}"]`)) {
      if (exceptSender && row.classList.contains(`msg--${exceptSender}`)) continue;
      seq = Math.max(seq, Number(row.dataset.seq) || 0);
    }
    return seq;
  }
}
