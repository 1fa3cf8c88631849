// DOM builders for the agent workspace: conversation rows, the message log and the buyer sidebar.
// Pure rendering from data; workspace.js owns state and talks to the server (except 查看, which asks for a
// masked line or profile as written: revealButton).

import { cardBubble } from './cards.js';
import {
  api, clock, dateOnly, dayLabel, duration, errorText, h, initials, parseTime, secondsSince, t, toast,
} from './dom.js';
import { caption, imageThumb, previewText } from './media.js';

// ---- buyers' personal details, masked for staff: 查看 reveals one (the server records it in the audit log) ----
// A revealed line or profile stays shown while its conversation is open (new messages redraw the log and the
// sidebar); opening a conversation again or reloading the page shows it masked.
const revealed = { messages: new Map(), customers: new Map() };
document.addEventListener('kefu:conversation', () => {
  revealed.messages.clear();
  revealed.customers.clear();
});

/**
 * A small 查看 button: `load()` asks the server for the words, `show(answer)` puts them in place; a refusal goes
 * to `fail(error)`, or to a toast.
 */
export function revealButton(load, show, fail = null) {
  const button = h('button', { type: 'button', class: 'link wsp-show', text: t('wsp_show'), title: t('wsp_show_help') });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      show(await load());
      button.remove();
    } catch (e) {
      if (fail) fail(e);
      else toast(errorText(e), 'error');
      button.disabled = false;
    }
  });
  return button;
}

/** A message's words: as staff may see them, with 查看 when something is masked, or as revealed. */
function words(m, text, cls) {
  const shown = revealed.messages.get(m.id);
  const span = h('span', { class: cls, text: shown ?? text });
  if (!m.masked || shown != null || !m.id || !m.conversation_id) return [span];
  return [span, revealButton(() => api('POST', `/api/conversations/${m.conversation_id}/messages/${m.id}/reveal`),
    (r) => {
      revealed.messages.set(m.id, r.text);
      span.textContent = r.text;
    })];
}

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

/**
 * The text, or the image (stored, or the picked file while it uploads) with any words sent along; a line the
 * shop's privacy rule deleted as a muted note, an anonymised one marked 已匿名.
 */
function bubble(m) {
  if (m.redacted === 'deleted') return h('div', { class: 'm-bubble wsp-removed', text: t('wsp_removed') });
  const anonymised = m.redacted === 'anonymised'
    ? h('span', { class: 'wsp-anon', title: t('wsp_anonymised_help'), text: t('wsp_anonymised') }) : null;
  if (m.card) return cardBubble(m, 'agent', 'm-bubble');
  if (!m.attachment && !m.localUrl) return h('div', { class: 'm-bubble' }, words(m, m.text, 'm-text'), anonymised);
  const text = caption(m);
  return h('div', { class: 'm-bubble has-image' }, imageThumb(m, { original: true }),
    text ? words(m, text, 'media-caption') : null, anonymised);
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

/** The buyer's phone and e-mail (masked), with one 查看 that reveals both. */
function contact(cu) {
  const got = revealed.customers.get(cu.id);
  const phone = cu.phone ? h('span', { class: 'wsp-value', text: got ? got.phone : cu.phone }) : null;
  const email = cu.email ? h('span', { class: 'wsp-value', text: got ? got.email : cu.email }) : null;
  const reveal = !got && !cu.erased && (phone || email) && cu.id
    ? revealButton(() => api('POST', `/api/customers/${cu.id}/reveal`), (r) => {
      revealed.customers.set(cu.id, r);
      if (phone) phone.textContent = r.phone || '';
      if (email) email.textContent = r.email || '';
    }) : null;
  return {
    phone: phone ? h('span', { class: 'wsp-field' }, phone, reveal) : t('phone_unknown'),
    email: email ? h('span', { class: 'wsp-field' }, email, phone ? null : reveal) : null,
  };
}

/** The buyer info sidebar: profile, this conversation, past conversations. */
export function sidebar({ customer, conv, history }, onOpen) {
  const cu = customer || {};
  const reach = contact(cu);
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
          : t('vip_none') }),
        cu.erased ? h('div', { class: 'muted small wsp-erased', text: t('wsp_erased') }) : null)),
    h('dl', { class: 'facts' },
      ...row(t('phone'), reach.phone),
      ...(reach.email ? row(t('wsp_email'), reach.email) : []),
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
