// Alerts in the agent workspace: a short chime (made with WebAudio, no audio file) and a desktop
// notification for a new buyer assigned to me (chime always, notification when the tab is hidden) and for
// a buyer's message in one of my chats while the tab is hidden, and an SLA warning on one of my tickets. The tab title shows my unread count,
// "(3) 客服工作台". Mute is per agent, remembered in this browser (localStorage, keyed by the agent's id).
// Browsers allow sound and the permission prompt only after a user gesture: both wait for the first click
// or key press, and the permission is asked once.

import { lang, storage, t } from './dom.js';
import { previewText } from './media.js';

const store = storage();
const CHIME_GAP_MS = 1200;

/**
 * @param {{me: {id: number}, conversations: () => Iterable<object>, baseTitle: string,
 *   button: HTMLButtonElement|null}} o
 * @returns {{onEvent: (ev: object, before: object|null) => void, onTicket: (ev: object) => string|null,
 *   refresh: () => void}}
 */
export function initNotify(o) {
  const muteKey = `kefu.notify.muted.${o.me.id}`;
  const askedKey = `kefu.notify.asked.${o.me.id}`;
  let muted = store.get(muteKey) === '1';
  let audio = null;
  let lastChime = 0;

  function unlock() {
    if (!audio && (window.AudioContext || window.webkitAudioContext)) {
      audio = new (window.AudioContext || window.webkitAudioContext)();
    }
    if (audio && audio.state === 'suspended') audio.resume().catch(() => {});
    askPermission();
  }

  function askPermission() {
    if (muted || !('Notification' in window) || Notification.permission !== 'default' || store.get(askedKey)) return;
    store.set(askedKey, '1');
    Promise.resolve(Notification.requestPermission()).catch(() => {});
  }

  function chime() {
    const now = Date.now();
    if (muted || !audio || now - lastChime < CHIME_GAP_MS) return;
    lastChime = now;
    const start = audio.currentTime;
    [[880, 0], [1320, 0.14]].forEach(([freq, at]) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + at);
      gain.gain.exponentialRampToValueAtTime(0.18, start + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + at + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + at);
      osc.stop(start + at + 0.32);
    });
  }

  /** A desktop notification that opens the conversation (convId) or, with href, a page in a new tab. */
  function desktop(title, text, convId, href = null) {
    if (muted || !('Notification' in window) || Notification.permission !== 'granted') return;
    try {
      const n = new Notification(title, { body: text || '', tag: href || `kefu-c${convId}`, renotify: true });
      n.onclick = () => {
        window.focus();
        if (href) window.open(href, '_blank', 'noopener');
        else location.hash = `#c${convId}`;
        n.close();
      };
    } catch {
      /* some browsers only allow notifications from a service worker: the chime and the title still work */
    }
  }

  function mine(c) {
    return Boolean(c) && c.status === 'assigned' && c.assignee_id === o.me.id;
  }

  function renderButton() {
    if (!o.button) return;
    o.button.setAttribute('aria-pressed', String(!muted));
    o.button.classList.toggle('is-muted', muted);
    o.button.querySelector('span').textContent = muted ? t('notify_off') : t('notify_on');
  }

  function onEvent(ev, before) {
    const data = ev.data || {};
    const c = data.conversation;
    if (!mine(c)) return;
    const name = (c.customer && c.customer.display_name) || t('buyer_generic');
    const m = ev.type === 'message.created' ? data.message : null;
    const ownAction = (data.action === 'assigned' && data.by === o.me.id) || (m && m.agent_id === o.me.id);
    if (!mine(before) && !ownAction) {
      chime();
      if (document.hidden) desktop(t('notify_new_buyer', { name }), previewText(c.last_preview), c.id);
    } else if (m && m.sender === 'buyer' && !m.private && document.hidden) {
      chime();
      desktop(t('notify_new_message', { name }), previewText(m.text), c.id);
    }
  }

  /** An SLA warning on one of my tickets: chime, and a desktop notification when the tab is hidden; returns
   * the line to show in the page (null when the event is not for me). */
  function onTicket(ev) {
    const data = ev.data || {};
    const ledger = ev.type === 'ticket.ledger_update_due'; // an error-ledger entry owes the buyer an update
    if ((ev.type !== 'ticket.sla_warning' && !ledger) || data.assignee_id !== o.me.id || !data.ticket) return null;
    const x = data.ticket;
    const text = ledger
      ? t('lg_reminder', { number: x.number, title: x.title, kind: data.entry.kind_label[lang] })
      : t('tk_warn_notice', { number: x.number, title: x.title, clock: t(`tk_clock_${data.clock}`) });
    chime();
    if (document.hidden) desktop(t(ledger ? 'lg_reminder_title' : 'tk_warn_title'), text, null, `/tickets#${x.number}`);
    return text;
  }

  function refresh() {
    let unread = 0;
    for (const c of o.conversations()) if (mine(c)) unread += c.agent_unread || 0;
    const title = unread ? `(${unread}) ${o.baseTitle}` : o.baseTitle;
    if (document.title !== title) document.title = title;
  }

  if (o.button) {
    o.button.addEventListener('click', () => {
      muted = !muted;
      store.set(muteKey, muted ? '1' : '0');
      renderButton();
      if (!muted) {
        unlock();
        if ('Notification' in window && Notification.permission === 'denied') {
          o.button.title = t('notify_denied');
        }
      }
    });
  }
  document.addEventListener('pointerdown', unlock, { once: true, capture: true });
  document.addEventListener('keydown', unlock, { once: true, capture: true });
  renderButton();
  return { onEvent, onTicket, refresh };
}
