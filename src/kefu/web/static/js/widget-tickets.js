// The buyer's tickets in the widget (我的工单): a header button, shown once the buyer has a ticket, opens a
// panel with each ticket's status, next step, deadline and the replies the buyer may read, and a box to add
// a message and photos (ticket-images.js; a ticket that waited on the buyer goes back to the shop). A reply box
// outlives the panel's redraws, so what the buyer typed or picked stays. An agent's reply or a status change
// (ticket.replied / ticket.updated over the buyer's socket) refreshes it and marks the button.
// The same panel lets the buyer leave a message (留言 / 提交工单) that becomes a ticket: offered in the header
// when they have no ticket yet, and by the queue strip when nobody online can serve them.

import { api, clock, errorText, h, lang, t } from './dom.js';
import { caption } from './media.js';
import { PhotoPicker, noteImages } from './ticket-images.js';

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
    this.leaving = false; // the leave-a-message form is open
    this.replies = new Map(); // ticket number -> its reply box, kept across redraws
    els.button.addEventListener('click', () => this.toggle());
    document.addEventListener('widget:leave-message', () => this.openLeave());
  }

  openLeave() {
    this.leaving = true;
    if (this.els.panel.hidden) this.toggle();
    else this.render();
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
    this.els.button.hidden = false;
    this.els.button.textContent = t(this.tickets.length ? 'widget_tickets' : 'widget_leave');
    if (!this.els.panel.hidden) this.render();
  }

  toggle() {
    this.els.panel.hidden = !this.els.panel.hidden;
    if (this.els.panel.hidden) this.leaving = false;
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
      this.leaving || !this.tickets.length ? this.leaveForm()
        : h('button', { type: 'button', class: 'btn btn-small wt-leave-open', text: t('widget_leave'),
          onclick: () => this.openLeave() }),
      ...this.tickets.map((x) => ticketCard(x,
        h('ol', { class: 'wt-messages' }, ...x.messages.map((m) => h('li', { class: `wt-m wt-m--${m.author}` },
          h('time', { text: clock(m.at) }), h('span', { text: caption(m) }), noteImages(m.attachments)))),
        x.status === 'closed' ? null : this.replyBox(x))));
  }

  /** 留言: the buyer's problem, what they want, an order number; sent, it shows as their newest ticket. */
  leaveForm() {
    const field = (tag, key, attrs) => {
      const el = h(tag, { ...attrs, 'aria-label': t(key), name: key });
      el.placeholder = t(key);
      return el;
    };
    const problem = field('textarea', 'widget_leave_problem', { rows: 3, maxlength: 5000, required: true });
    const demand = field('input', 'widget_leave_demand', { maxlength: 1000 });
    const order = field('input', 'widget_leave_order', { maxlength: 64, inputmode: 'numeric' });
    // Asked only where the shop mails (KEFU_SMTP_*): replies and the resolution then reach the buyer's inbox.
    const email = document.body.dataset.mail === '1'
      ? field('input', 'widget_leave_email', { type: 'email', maxlength: 254, autocomplete: 'email' }) : null;
    const error = h('p', { class: 'wt-error', role: 'alert', hidden: true });
    return h('form', {
      class: 'wt-leave',
      onsubmit: async (e) => {
        e.preventDefault();
        let made;
        try {
          made = (await api('POST', '/api/widget/tickets', { problem: problem.value, demand: demand.value,
            order_numbers: order.value.trim() ? [order.value.trim()] : [], email: email ? email.value : '' },
          this.headers())).ticket;
        } catch (err) {
          error.textContent = errorText(err);
          error.hidden = false;
          return;
        }
        this.leaving = false;
        await this.refresh();
        this.render();
        this.els.panel.prepend(h('p', { class: 'wt-done', role: 'status',
          text: t('widget_leave_done', { number: made.number }) }));
      },
    }, h('p', { class: 'wt-intro', text: t('widget_leave_intro') }), problem, demand, order, email, error,
    h('button', { type: 'submit', class: 'btn btn-primary btn-small', text: t('widget_leave_send') }));
  }

  replyBox(x) {
    if (this.replies.has(x.number)) return this.replies.get(x.number);
    const input = h('textarea', { rows: 2, maxlength: 5000, 'aria-label': t('widget_tickets_reply') });
    input.placeholder = t('widget_tickets_reply');
    const error = h('p', { class: 'wt-error', role: 'alert', hidden: true });
    const say = (text) => {
      error.textContent = text;
      error.hidden = !text;
    };
    const photos = new PhotoPicker({ url: '/api/widget/attachments', headers: () => this.headers(),
      label: t('widget_tickets_photo'), onError: say });
    const form = h('form', {
      class: 'wt-reply',
      onsubmit: async (e) => {
        e.preventDefault();
        if (photos.busy()) {
          say(t('tk_photo_wait'));
          return;
        }
        try {
          await api('POST', `/api/widget/tickets/${x.number}/messages`,
            { text: input.value, attachments: photos.keys() }, this.headers());
        } catch (err) {
          say(errorText(err));
          return;
        }
        photos.clear();
        this.replies.delete(x.number); // sent: the next redraw gives an empty box
        await this.refresh();
        this.render();
      },
    }, input, photos.strip, error, h('div', { class: 'tp-row' }, photos.button, photos.input,
      h('span', { class: 'tp-spacer' }), h('button', { type: 'submit', class: 'btn btn-primary btn-small',
        text: t('send') })));
    photos.wire(input, form);
    this.replies.set(x.number, form);
    return form;
  }
}
