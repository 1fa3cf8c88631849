// The order card, drawn the same way in the agent's workspace and the buyer's widget: the order number, the
// first item and how many in all, the amount, the order's status and the parcel's (a delay in red), the carrier
// and tracking number. Its styles live in orders.css, which this module links once if the page has not.

import { h, t } from './dom.js';

const CSS = '/static/css/orders.css';

function ensureStyles() {
  if (document.querySelector(`link[href="${CSS}"]`)) return;
  document.head.append(h('link', { rel: 'stylesheet', href: CSS }));
}

/** @returns {HTMLElement|null} */
export function orderCard(card, _ctx) {
  if (!card || !card.number) return null;
  ensureStyles();
  const amount = (Number(card.total_fen) / 100).toFixed(2);
  const money = card.status === 'unpaid' ? t('op_owes', { amount }) : t('op_paid', { amount });
  const count = Number(card.count) || 0;
  const logistics = card.logistics_status && card.logistics_status !== 'none'
    ? h('span', { class: `oc-logistics op-logistics--${card.logistics_status}`, text: t(`ol_${card.logistics_status}`) })
    : null;
  return h('div', { class: 'order-card', dataset: { number: card.number } },
    h('div', { class: 'oc-head' }, h('span', { class: 'oc-label', text: t('oc_title') }),
      h('span', { class: 'oc-number', text: card.number })),
    card.item ? h('div', { class: 'oc-item' }, h('span', { class: 'oc-item-name', text: card.item }),
      count > 1 ? h('span', { class: 'oc-count', text: t('oc_more', { n: count }) }) : null) : null,
    h('div', { class: 'oc-row' }, h('strong', { class: 'oc-amount', text: money }),
      h('span', { class: `oc-status op-status--${card.status}`, text: t(`os_${card.status}`) }), logistics),
    card.tracking_number ? h('div', { class: 'oc-track' }, h('span', { text: t('oc_tracking') }),
      h('span', { class: 'oc-track-no', text: `${card.carrier || ''} ${card.tracking_number}`.trim() })) : null);
}
