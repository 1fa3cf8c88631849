// DOM builders for the agent workspace: conversation rows, the message log and the buyer sidebar.
// Pure rendering from data; workspace.js owns state and talks to the server.

import { cardBubble } from './cards.js';
import { clock, dateOnly, dayLabel, duration, h, initials, parseTime, secondsSince, t } from './dom.js';
import { caption, imageThumb, previewText } from './media.js';

export function statusChip(status) {
  return h('span', { class: `chip chip--${status}`, text: t(`status_${status}`) });
}

export function vipBadge(level) {
  return level > 0 ? h('span', { class: 'vip', text: `VIP${level}` }) : null;
}

/** 情绪激动 / 不满, from the conversation's running analysis of the buyer's messages; nothing when calm. */
export function moodChip(c) {
  if (c.emotion === 'angry' || c.abusive) return h('span', { class: 'chip chip--angry', text: t('emotion_angry') });
  if (c.emotion === 'negative') return h('span', { class: 'chip chip--negative', text: t('emotion_negative') });
  return null;
}

/** A small tag for a buyer on the English widget (kefu's automatic messages to them are English). */
export function langChip(c) {
  if (c.lang !== 'en') return null;
  return h('span', { class: 'chip chip--lang', title: t('buyer_lang_en_help'), text: t('buyer_lang_en') });
}

function intentText(intent) {
  const key = `intent_${intent}`;
  const text = t(key);
  return text === key ? intent : text;
}

export function intentChip(intent) {
  return intent ? h('span', { class: 'chip chip--intent', text: intentText(intent) }) : null;
}

/** A conversation's intent, or null while the buyer has only said hello or thanks ("other", no confidence). */
function convIntent(c) {
  return c.intent === 'other' && !c.intent_confidence ? null : c.intent;
}

/**
 * The tags under one buyer message: what it asks about (nothing for a greeting, thanks or "好的": small talk
 * asks nothing) and, when not calm, how the buyer sounds.
 */
function analysisTags(m) {
  const a = m.sender === 'buyer' && m.analysis;
  if (!a) return null;
  const intent = a.small_talk ? null : intentChip(a.intent && a.intent.label);
  const mood = moodChip({ emotion: a.emotion && a.emotion.label, abusive: a.emotion && a.emotion.abusive });
  const human = a.wants_human ? h('span', { class: 'chip chip--human', text: t('wants_human') }) : null;
  return intent || mood || human ? h('div', { class: 'm-tags' }, intent, mood, human) : null;
}

export function waitingText(c) {
  if (c.status === 'waiting' && c.waiting_since) return t('waiting_for', { d: duration(secondsSince(c.waiting_since)) });
  return '';
}

/** One row of the conversation list. */
export function conversationRow(c, { active, me, typing, onOpen }) {
  const cu = c.customer || {};
  const unread = c.agent_unread || 0;
  const meta = [statusChip(c.status), moodChip(c), intentChip(convIntent(c)), langChip(c)];
  if (c.status === 'waiting') {
    meta.push(h('span', { class: 'ci-wait', dataset: { since: c.waiting_since || '' }, text: waitingText(c) }));
  } else if (c.assignee_name) {
    const mine = c.assignee_id === me.id;
    meta.push(h('span', { class: 'ci-assignee', text: mine ? t('assigned_to_me') : c.assignee_name }));
  }
  const preview = typing
    ? h('span', { class: 'ci-preview is-typing', text: t('buyer_typing_short') })
    : h('span', { class: 'ci-preview', text: previewText(c.last_preview) || t('no_messages') });
  const button = h('button', {
    type: 'button',
    class: `conv-item${active ? ' is-active' : ''}${unread ? ' is-unread' : ''}`,
    dataset: { id: c.id },
    onclick: () => onOpen(c.id),
  },
  h('span', { class: `avatar avatar--${(cu.id || 0) % 6}`, text: initials(cu.display_name), 'aria-hidden': 'true' }),
  h('span', { class: 'ci-main' },
    h('span', { class: 'ci-top' },
      h('span', { class: 'ci-name', text: cu.display_name || t('buyer_generic') }),
      vipBadge(cu.vip_level),
      h('time', { class: 'ci-time', text: clock(c.last_message_at || c.created_at) })),
    h('span', { class: 'ci-bottom' }, preview,
      unread ? h('span', { class: 'count-badge', text: unread > 99 ? '99+' : unread }) : null),
    h('span', { class: 'ci-meta' }, ...meta)));
  return h('li', null, button);
}

function senderName(m, customer) {
  if (m.sender === 'buyer') return (customer && customer.display_name) || t('buyer_generic');
  if (m.sender === 'agent') return m.agent_name || t('agent_generic');
  return t(`sender_${m.sender}`);
}

function receipt(m, conv) {
  if (m.sender !== 'agent' || m.private) return null;
  if (m.pending) return h('span', { class: 'm-receipt', text: t('msg_sending') });
  if (m.failed) return null;
  const read = conv && conv.buyer_read_seq >= m.seq;
  return h('span', { class: `m-receipt${read ? ' is-read' : ''}`, text: read ? t('msg_read') : t('msg_unread') });
}

/**
 * A handoff's context summary (a private system note, "【升级说明】退款 · 买家情绪激动… · 诉求：…"), as a
 * card the receiving agent reads first: one line per part, so nobody asks the buyer to repeat.
 */
export function contextCard(m) {
  const match = /^【([^】]{1,20})】([\s\S]*)$/.exec(m.text || '');
  const label = match ? match[1] : t('context_card');
  const parts = (match ? match[2] : m.text || '').split(' · ').map((p) => p.trim()).filter(Boolean);
  return h('div', { class: 'm m--context', dataset: { seq: m.seq ?? '' } },
    h('section', { class: 'ctx-card', 'aria-label': t('context_card') },
      h('div', { class: 'ctx-head' }, h('strong', { text: label }),
        h('span', { class: 'ctx-tag', text: t('context_card_tag') }), h('time', { text: clock(m.created_at) })),
      h('ul', { class: 'ctx-lines' }, ...parts.map((p) => h('li', { text: p })))));
}

/** One message in the agent's log. Buyer on the left; agents, notes on the right; system centered. */
export function messageRow(m, conv, customer, onRetry) {
  if (m.sender === 'system' && m.private) return contextCard(m);
  if (m.sender === 'system') {
    return h('div', { class: 'm m--system', dataset: { seq: m.seq } }, h('span', { text: m.text }));
  }
  const classes = ['m', `m--${m.sender}`];
  if (m.private) classes.push('m--note');
  if (m.pending) classes.push('is-pending');
  if (m.failed) classes.push('is-failed');
  const meta = h('div', { class: 'm-meta' },
    h('span', { class: 'm-who', text: senderName(m, customer) }),
    m.private ? h('span', { class: 'm-note-tag', text: t('note_tag') }) : null,
    h('time', { class: 'm-time', text: clock(m.created_at) }));
  const failed = m.failed
    ? h('div', { class: 'm-error' }, h('span', { text: m.failed }), ' ',
      h('button', { type: 'button', class: 'link', text: t('msg_retry'), onclick: () => onRetry(m) }))
    : null;
  return h('div', { class: classes.join(' '), dataset: { seq: m.seq ?? '' } },
    m.sender === 'buyer' ? h('span', { class: 'm-avatar', text: initials(senderName(m, customer)) }) : null,
    h('div', { class: 'm-body' }, meta, bubble(m), analysisTags(m), receipt(m, conv), failed));
}

/** The text, or the image (stored, or the picked file while it uploads) with any words sent along. */
function bubble(m) {
  if (m.card) return cardBubble(m, 'agent', 'm-bubble');
  if (!m.attachment && !m.localUrl) return h('div', { class: 'm-bubble', text: m.text });
  const words = caption(m);
  return h('div', { class: 'm-bubble has-image' }, imageThumb(m, { original: true }),
    words ? h('span', { class: 'media-caption', text: words }) : null);
}

/** The whole log, with a divider whenever the day changes. */
export function messageLog(messages, conv, customer, onRetry) {
  const out = [];
  let day = null;
  for (const m of messages) {
    const d = dayLabel(m.created_at);
    if (d && d !== day) {
      out.push(h('div', { class: 'day-divider' }, h('span', { text: d })));
      day = d;
    }
    out.push(messageRow(m, conv, customer, onRetry));
  }
  if (conv && conv.status === 'closed') {
    out.push(h('div', { class: 'day-divider day-divider--end' },
      h('span', { text: t('conversation_ended_at', { time: clock(conv.closed_at) }) })));
  }
  return out;
}

function row(label, value) {
  return [h('dt', { text: label }), h('dd', null, value == null || value === '' ? h('span', { class: 'muted', text: '—' })
    : value)];
}

/** The buyer info sidebar: profile, this conversation, past conversations. */
export function sidebar({ customer, conv, history }, onOpen) {
  const cu = customer || {};
  const tags = (cu.tags || []).length
    ? h('div', { class: 'tags' }, ...(cu.tags || []).map((tag) => h('span', { class: 'tag', text: tag })))
    : h('span', { class: 'muted', text: t('no_tags') });
  const profile = h('section', { class: 'side-card' },
    h('div', { class: 'profile' },
      h('span', { class: `avatar avatar--lg avatar--${(cu.id || 0) % 6}`, text: initials(cu.display_name) }),
      h('div', null,
        h('div', { class: 'profile-name' }, h('span', { text: cu.display_name || t('buyer_generic') }),
          vipBadge(cu.vip_level)),
        h('div', { class: 'muted small', text: cu.vip_level > 0 ? t('vip_member', { n: cu.vip_level })
          : t('vip_none') }))),
    h('dl', { class: 'facts' },
      ...row(t('phone'), cu.phone || t('phone_unknown')),
      ...row(t('customer_id'), `#${cu.id}`),
      ...row(t('customer_since'), dateOnly(cu.since)),
      ...row(t('tags'), tags)));

  let firstResponse = null;
  if (conv.first_response_at && conv.first_message_at) {
    firstResponse = duration((parseTime(conv.first_response_at) - parseTime(conv.first_message_at)) / 1000);
  }
  const current = h('section', { class: 'side-card' },
    h('h3', { text: t('this_conversation') }),
    h('dl', { class: 'facts' },
      ...row(t('conversation_no'), `#${conv.id}`),
      ...row(t('status'), statusChip(conv.status)),
      ...row(t('group'), conv.group ? t(`group_${conv.group}`) : ''),
      ...row(t('channel'), t(`channel_${conv.channel || 'widget'}`)),
      ...row(t('intent'), convIntent(conv) ? intentText(conv.intent) : ''),
      ...row(t('emotion'), conv.emotion ? h('span', { class: 'mood' }, t(`emotion_${conv.emotion}`),
        conv.anger ? h('span', { class: 'muted small', text: t('anger_level', { n: Math.round(conv.anger * 100) }) })
          : null,
        conv.abusive ? h('span', { class: 'chip chip--angry', text: t('emotion_abusive') }) : null) : ''),
      ...row(t('started_at'), clock(conv.created_at)),
      ...row(t('first_response'), firstResponse)));

  const past = h('ul', { class: 'history' }, ...(history || []).map((item) => h('li', null,
    h('button', {
      type: 'button', class: `history-item${item.id === conv.id ? ' is-current' : ''}`, onclick: () => onOpen(item.id),
    },
    h('span', { class: 'history-top' }, h('span', { text: `#${item.id}` }), statusChip(item.status),
      h('time', { text: dateOnly(item.created_at) })),
    h('span', { class: 'history-preview', text: previewText(item.last_preview) || t('no_messages') })))));
  const pastCard = h('section', { class: 'side-card' },
    h('h3', { text: t('past_conversations', { n: (history || []).length }) }), past);
  return [profile, current, pastCard];
}
