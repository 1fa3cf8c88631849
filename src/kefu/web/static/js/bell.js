// The bell in the staff nav, on every staff page: the agent's latest notifications (a ticket handed to them, a
// buyer's message on their ticket, a deadline 2 hours away; breaches for supervisors and admins) with the unread
// count. New ones arrive live over the bell's own socket (/ws/notifications, which passes only this agent's
// notification.created events); the list is read again over REST on every (re)connect, so none is missed.
// Opening one marks it read and goes to its ticket. Admins get a link to the notification settings.

import { $, api, clock, errorText, h, lang, t, toast, wsUrl } from './dom.js';
import { Realtime } from './realtime.js';

const LIMIT = 15;
const button = $('#nav-bell');
const badge = $('#nav-bell-badge');
let items = [];
let unread = 0;
let panel = null;

function renderBadge() {
  badge.hidden = unread === 0;
  badge.textContent = unread > 99 ? '99+' : String(unread);
  const label = unread ? t('bell_unread', { n: unread }) : t('bell_label');
  button.title = label;
  button.setAttribute('aria-label', label);
}

async function load() {
  try {
    const data = await api('GET', `/api/notifications?limit=${LIMIT}`);
    items = data.notifications;
    unread = data.unread;
  } catch (e) {
    if (e.status === 401) rt.stop(); // logged out elsewhere: the page's own code sends them to log in
    return;
  }
  renderBadge();
  if (panel) renderList();
}

async function markRead(n) {
  if (n.read_at) return;
  n.read_at = new Date().toISOString();
  unread = Math.max(0, unread - 1);
  renderBadge();
  try {
    unread = (await api('POST', `/api/notifications/${n.id}/read`)).unread;
    renderBadge();
  } catch {
    // the next load corrects the count
  }
}

function open(n) {
  markRead(n);
  close();
  if (!n.link) return;
  const url = new URL(n.link, location.href);
  if (url.pathname === location.pathname) location.hash = url.hash; // the tickets page opens it from the hash
  else location.href = n.link;
}

function item(n) {
  return h('li', {},
    h('button', { type: 'button', class: `bell-item${n.read_at ? '' : ' is-unread'}`, onclick: () => open(n) },
      h('span', { class: 'bell-text', text: n.text[lang] || n.text.zh }),
      h('time', { class: 'bell-time muted', datetime: n.created_at, text: clock(n.created_at) })));
}

function renderList() {
  const list = $('.bell-list', panel);
  const empty = h('li', { class: 'bell-empty muted', text: t('bell_empty') });
  list.replaceChildren(...(items.length ? items.map(item) : [empty]));
  $('.bell-read-all', panel).disabled = unread === 0;
}

async function readAll() {
  try {
    unread = (await api('POST', '/api/notifications/read-all')).unread;
  } catch (e) {
    toast(errorText(e), 'error');
    return;
  }
  for (const n of items) n.read_at = n.read_at || new Date().toISOString();
  renderBadge();
  renderList();
}

function place() {
  const r = button.getBoundingClientRect();
  const width = panel.offsetWidth;
  panel.style.top = `${r.bottom + 6}px`;
  panel.style.left = `${Math.max(8, Math.min(r.left - 8, window.innerWidth - width - 8))}px`;
}

function show() {
  panel = h('div', { class: 'bell-panel', role: 'dialog', 'aria-label': t('bell_label') },
    h('div', { class: 'bell-head' },
      h('strong', { text: t('bell_label') }),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small bell-read-all', text: t('bell_read_all'),
        onclick: readAll })),
    h('ul', { class: 'bell-list' }),
    button.dataset.admin === 'true'
      ? h('a', { class: 'bell-foot', href: '/admin/notifications', text: t('bell_settings') }) : null);
  document.body.append(panel);
  place();
  renderList();
  button.setAttribute('aria-expanded', 'true');
}

function close() {
  if (!panel) return;
  panel.remove();
  panel = null;
  button.setAttribute('aria-expanded', 'false');
}

function arrived(ev) {
  const n = ev.data && ev.data.notification;
  if (ev.type !== 'notification.created' || !n || items.some((x) => x.id === n.id)) return;
  items = [n, ...items].slice(0, LIMIT);
  unread += 1;
  renderBadge();
  if (panel) renderList();
  button.classList.remove('is-ringing');
  void button.offsetWidth; // restart the animation
  button.classList.add('is-ringing');
}

const rt = new Realtime({ url: () => wsUrl('/ws/notifications'), onEvent: arrived, onReady: load });

if (button && badge) {
  button.addEventListener('click', (e) => {
    e.stopPropagation();
    if (panel) close();
    else show();
  });
  document.addEventListener('click', (e) => {
    if (panel && !panel.contains(e.target)) close();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
  });
  window.addEventListener('resize', () => panel && place());
  load();
  rt.start(); // every "ready" (a reconnect too) reads the list again
}
