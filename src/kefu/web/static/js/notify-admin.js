// The shop admin's notification page: webhook URLs (add with an optional secret, send a test, remove), the
// addresses SLA breaches are mailed to, and the delivery log — every webhook POST and mail with each attempt's
// status code or error and time, refreshed every 10 seconds.

import { $, api, clock, errorText, h, t, toast } from './dom.js';

const REFRESH_MS = 10000;
const els = {
  hooks: $('#nt-hooks'), add: $('#nt-add'), secret: $('#nt-secret'), mail: $('#nt-mail'), alerts: $('#nt-alerts'),
  log: $('#nt-log'), refresh: $('#nt-refresh'),
};

async function run(fn) {
  try {
    return await fn();
  } catch (e) {
    toast(errorText(e), 'error');
    return null;
  }
}

function hookRow(hook) {
  return h('li', {},
    h('code', { text: hook.url }),
    h('span', { class: 'muted', text: hook.secret }),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('nt_test'), onclick: () => test(hook) }),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('nt_remove'), onclick: () => remove(hook) }));
}

async function loadSettings() {
  const data = await run(() => api('GET', '/api/admin/notifications'));
  if (!data) return;
  els.hooks.replaceChildren(...(data.webhooks.length ? data.webhooks.map(hookRow)
    : [h('li', { class: 'muted', text: t('nt_none') })]));
  els.mail.textContent = data.mail.configured ? t('nt_mail_on', { sender: data.mail.sender }) : t('nt_mail_off');
  els.alerts.elements.emails.value = data.alert_emails.join('\n');
}

async function test(hook) {
  if (await run(() => api('POST', `/api/admin/notifications/webhooks/${hook.id}/test`))) {
    toast(t('nt_test_queued'), 'ok');
    setTimeout(loadLog, 2000);
  }
}

async function remove(hook) {
  if (!window.confirm(t('nt_remove_confirm'))) return;
  if (await run(() => api('DELETE', `/api/admin/notifications/webhooks/${hook.id}`))) loadSettings();
}

els.add.addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = els.add.elements;
  const out = await run(() => api('POST', '/api/admin/notifications/webhooks',
    { url: form.url.value, secret: form.secret.value || null }));
  if (!out) return;
  els.add.reset();
  els.secret.hidden = false;
  els.secret.replaceChildren(t('nt_created_secret'), ' ', h('code', { text: out.webhook.secret }));
  loadSettings();
});

els.alerts.addEventListener('submit', async (e) => {
  e.preventDefault();
  const emails = els.alerts.elements.emails.value.split(/[\s,;，；]+/).filter(Boolean);
  const out = await run(() => api('PUT', '/api/admin/notifications/alert-emails', { emails }));
  if (!out) return;
  els.alerts.elements.emails.value = out.alert_emails.join('\n');
  toast(t('nt_saved'), 'ok');
});

function attempt(a) {
  const what = a.status_code != null ? String(a.status_code) : a.error || '—';
  return h('li', { class: a.ok ? '' : 'is-bad' },
    `#${a.number} ${clock(a.at)} · ${what} · ${t('nt_ms', { ms: a.duration_ms })}`);
}

function logRow(d) {
  const status = h('span', { class: `nt-status nt-status--${d.status}`, text: t(`nt_status_${d.status}`) });
  return h('tr', {},
    h('td', { text: clock(d.created_at) }),
    h('td', {}, h('div', { text: d.event }), h('small', { class: 'muted', text: t(`nt_channel_${d.channel}`) })),
    h('td', {}, h('code', { text: d.target })),
    h('td', {}, status, d.next_at ? h('div', { class: 'muted', text: t('nt_next', { time: clock(d.next_at) }) }) : null),
    h('td', {}, h('ul', { class: 'nt-tries' }, d.log.map(attempt)), d.last_error && !d.log.length
      ? h('small', { class: 'muted', text: d.last_error }) : null));
}

async function loadLog() {
  const data = await run(() => api('GET', '/api/admin/notifications/deliveries?limit=100'));
  if (!data) return;
  els.log.replaceChildren(...(data.deliveries.length ? data.deliveries.map(logRow)
    : [h('tr', {}, h('td', { colspan: 5, class: 'muted', text: t('nt_log_empty') }))]));
}

els.refresh.addEventListener('click', loadLog);
loadSettings();
loadLog();
setInterval(() => {
  if (!document.hidden) loadLog();
}, REFRESH_MS);
