// The case card: an after-sale case's outcome as the buyer receives it in the chat (when the case is confirmed,
// refused or done) — the number, the status, the policy's sentence, the refund, who pays the return parcel and
// whether the new item ships at once. In the buyer's widget it also tells widget-cases.js to refresh.

import { h, lang, t } from './dom.js';

const money = (n) => t('cs_yuan', { n: Number(n || 0).toFixed(2) });
const DEFAULT_REASONS = { no_reason: '无理由', changed_mind: '不想要了', wrong_size: '尺码不合适', wrong_item: '发错商品',
  defect: '商品质量问题', damaged_in_transit: '运输途中损坏', system_error: '系统错误', late_delivery: '延迟送达' };

/** Who pays the return parcel, with each side's share when there is one to pay. */
export function payerText(o) {
  const who = t(`cs_payer_${o.return_shipping_payer}`);
  if (!(o.buyer_pays || o.shop_pays)) return who;
  return `${who}（${t('cs_shares', { buyer: Number(o.buyer_pays).toFixed(2), shop: Number(o.shop_pays).toFixed(2) })}）`;
}

/** A reason's name: the shop's own, or in English the code's name when the shop kept the default one. */
export function reasonText(code, label) {
  return lang === 'en' && code && (!label || label === DEFAULT_REASONS[code]) ? t(`cs_reason_${code}`) : label || '';
}

/** @returns {HTMLElement|null} */
export function caseCard(card, ctx) {
  if (!card || !card.number) return null;
  const status = Array.isArray(card.status_label) ? card.status_label[lang === 'en' ? 1 : 0] : t(`cs_st_${card.status}`);
  const facts = [];
  if (card.allowed && card.refund) facts.push([t('cs_refund_is'), money(card.refund)]);
  if (card.return_shipping_payer && card.return_shipping_payer !== 'none') facts.push([t('cs_return_parcel'), payerText(card)]);
  if (card.reship_now) facts.push(['', t('cs_reship_now')]);
  if (ctx && ctx.viewer === 'buyer') {
    queueMicrotask(() => document.dispatchEvent(new CustomEvent('kefu:case-card', { detail: card })));
  }
  const tone = card.allowed === false || card.status === 'rejected' ? 'no' : card.final ? 'done' : 'ok';
  return h('div', { class: `case-card case-card--${tone}`, dataset: { number: card.number } },
    h('div', { class: 'case-card-head' },
      h('strong', { text: t('cs_card_title', { number: card.number }) }),
      h('span', { class: `cs-status cs-status--${card.status}`, text: status })),
    h('div', { class: 'case-card-kind muted small' },
      [lang === 'en' ? t(`cs_kind_${card.case_kind || ''}`) : card.kind_label,
        reasonText(card.reason, card.reason_label)].filter(Boolean).join(' · ')),
    card.reason_text ? h('p', { class: 'case-card-text', text: card.reason_text }) : null,
    facts.length ? h('dl', { class: 'case-card-facts' }, ...facts.flatMap(([k, v]) => [
      h('dt', { text: k }), h('dd', { text: v })])) : null);
}
