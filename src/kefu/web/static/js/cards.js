// Cards in a chat: a message whose `card` says what it shows (kind order / case / agreement), drawn the same
// way in the agent's workspace and the buyer's widget. Each kind has its own module; an unknown kind falls
// back to the message's plain text, so an older page never breaks on a newer card.

import { h } from './dom.js';
import { agreementCard } from './card-agreement.js';
import { caseCard } from './card-case.js';
import { orderCard } from './card-order.js';

const KINDS = { order: orderCard, case: caseCard, agreement: agreementCard };

/**
 * @param {{card: object, text: string}} m the message
 * @param {'agent'|'buyer'} viewer who is looking: the buyer's view may offer actions (confirm an agreement)
 * @param {string} bubbleClass the page's bubble class (m-bubble in the workspace, msg-bubble in the widget)
 */
export function cardBubble(m, viewer, bubbleClass) {
  const draw = KINDS[m.card && m.card.kind];
  const body = draw ? draw(m.card, { viewer, message: m }) : null;
  if (!body) return h('div', { class: bubbleClass, text: m.text });
  return h('div', { class: `${bubbleClass} has-card` }, body);
}
