// The buyer's live place in the queue while their conversation waits for an agent:
// "第 2 位 · 您前面还有 1 位 · 预计约 4 分钟" (the place in the buyer's own group's line, the wait from the
// agents online who can serve them), or "当前暂无在线客服，您可以先留言…" when none can. Fetched from
// GET /api/widget/queue on load and on every reconnect (queue.position events are ephemeral, never
// replayed), then kept live by those events.

import { api, h, t } from './dom.js';

const POLL_MS = 30000; // a slow safety net: the events carry every change

export function etaText(seconds) {
  if (seconds == null) return '';
  if (seconds < 60) return t('widget_queue_eta_soon');
  return t('widget_queue_eta', { m: Math.max(1, Math.round(seconds / 60)) });
}

export class QueuePlace {
  /** @param {HTMLElement} el  the status strip; @param {() => string|null} token  the visitor token */
  constructor(el, token) {
    this.el = el;
    this.token = token;
    this.convId = null;
    this.waiting = false;
    this.seq = 0;
    setInterval(() => {
      if (this.waiting && !document.hidden) this.refresh();
    }, POLL_MS);
  }

  /** Follow the buyer's conversation: only a waiting one has a place. */
  follow(conv) {
    const waiting = Boolean(conv && conv.status === 'waiting');
    const changed = waiting !== this.waiting || (conv && conv.id !== this.convId);
    this.convId = conv ? conv.id : null;
    this.waiting = waiting;
    if (!waiting) this.hide();
    else if (changed) this.refresh();
  }

  /** A queue.position event, or the answer of GET /api/widget/queue. */
  update(place) {
    if (!this.waiting || !place || place.conversation_id !== this.convId || !place.position) return;
    this.el.classList.toggle('is-unstaffed', Boolean(place.no_agent));
    if (place.no_agent) { // nobody online can serve the buyer: no made-up place or wait; they may leave a message
      this.el.replaceChildren(h('span', { class: 'wg-queue-none', text: t('widget_queue_no_agent') }),
        h('button', { type: 'button', class: 'btn btn-small wg-queue-leave', text: t('widget_leave'),
          onclick: () => document.dispatchEvent(new CustomEvent('widget:leave-message')) }));
      this.el.hidden = false;
      return;
    }
    const ahead = place.position - 1;
    const eta = etaText(place.eta_seconds);
    this.el.replaceChildren(
      h('span', { class: 'wg-queue-pos', text: t('widget_queue_place', { n: place.position }) }),
      h('span', { class: 'wg-queue-text', text: [ahead > 0 ? t('widget_queue_ahead', { n: ahead })
        : t('widget_queue_next'), eta].filter(Boolean).join(' · ') }));
    this.el.hidden = false;
  }

  hide() {
    this.seq += 1; // an answer still on its way must not show it again
    this.el.hidden = true;
    this.el.replaceChildren();
  }

  async refresh() {
    const token = this.token();
    if (!token || !this.waiting) return;
    const seq = ++this.seq;
    try {
      const place = await api('GET', '/api/widget/queue', undefined, { 'X-Visitor-Token': token });
      if (seq === this.seq) this.update(place);
    } catch {
      /* the strip just keeps what it showed; the next event or reconnect fixes it */
    }
  }
}
