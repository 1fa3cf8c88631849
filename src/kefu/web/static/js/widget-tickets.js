// The buyer's tickets in the widget (我的工单): a header button, shown once the buyer has a ticket, opens a
// panel with each ticket's status, next step, deadline and the replies the buyer may read, and a box to add
// a message (a ticket that waited on the buyer goes back to the shop). An agent's reply or a status change
// (ticket.replied / ticket.updated over the buyer's socket) refreshes it and marks the button.

import { api, clock, errorText, h, lang, t } from './dom.js';

const pick = (pair) => (lang === 'en' ? pair.en : pair.zh);

/** A ticket as its buyer sees it — number, title, status, next step — then ``more`` (replies, a reply box).
 * Shared with the public status page (ticket-status.js). */
export function ticketCard(x, ...more) {
  return h('article', { class: 'wt-ticket', dataset: { number: x.number } },
    h('div', { class: 'wt-title' }, h('code', { text: x.number }), ' ', h('span', { text: x.title })),
    h('div', { class: `wt-status wt-status--${x.status}`, text: pick(x.status_label) }),
    h('p', { class: 'wt-next', text: pick(x.next_step) }), ...more);
}

export class BuyerTickets {
  /** @param {{button: HTMLElement, panel: HTMLElement}} els; @param {() => string|null} token */
  constructor(els, token) {
    this.els = els;
    this.token = token;
    this.tickets = [];
    els.button.addEventListener('click', () => this.toggle());
  }

  headers() {
    return { 'X-Visitor-Token': this.token() };
  }

  async refresh() {
    if (!this.token()) return;
    try {
      this.tickets = (await api('GET', '/api/widget/tickets', undefined, this.headers())).tickets;
    } catch {
      return; // the chat works without it; the next event or open tries again
    }
    this.els.button.hidden = this.tickets.length === 0;
    if (!this.els.panel.hidden) this.render();
  }

  toggle() {
    this.els.panel.hidden = !this.els.panel.hidden;
    this.els.button.classList.remove('has-news');
    this.els.button.setAttribute('aria-expanded', String(!this.els.panel.hidden));
    if (!this.els.panel.hidden) this.refresh().then(() => this.render());
  }

  onEvent(ev) {
    if (this.els.panel.hidden) this.els.button.classList.add('has-news');
    this.refresh();
  }

  render() {
    this.els.panel.replaceChildren(
      h('div', { class: 'wt-head' }, h('strong', { text: t('widget_tickets') }),
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('widget_tickets_back'),
          onclick: () => this.toggle() })),
      ...this.tickets.map((x) => ticketCard(x,
        h('ol', { class: 'wt-messages' }, ...x.messages.map((m) => h('li', { class: `wt-m wt-m--${m.author}` },
          h('time', { text: clock(m.at) }), h('span', { text: m.text })))),
        x.status === 'closed' ? null : this.replyBox(x))));
  }

  replyBox(x) {
    const input = h('textarea', { rows: 2, maxlength: 5000, 'aria-label': t('widget_tickets_reply') });
    input.placeholder = t('widget_tickets_reply');
    const error = h('p', { class: 'wt-error', role: 'alert', hidden: true });
    return h('form', {
      class: 'wt-reply',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api('POST', `/api/widget/tickets/${x.number}/messages`, { text: input.value }, this.headers());
        } catch (err) {
          error.textContent = errorText(err);
          error.hidden = false;
          return;
        }
        await this.refresh();
        this.render();
      },
    }, input, error, h('button', { type: 'submit', class: 'btn btn-primary btn-small', text: t('send') }));
  }
}
