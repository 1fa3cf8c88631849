// The supervisor's live queue (GET /api/routing/queue): buyers in the order they will be served, each
// with the reasons for their place as readable chips (已等 2分10秒, 情绪激动 82%, VIP2, 投诉, 已升级, 辱骂),
// their expected wait and group, and 接管 / 分配.

import { api, duration, h, initials, t } from './dom.js';

const REFRESH_MS = 5000;

/** One reason from the routing rules ("angry:0.82") as a chip; waited chips tick (data-waited). */
export function reasonChip(reason, waitedNow) {
  const [kind, raw] = reason.split(':');
  const n = Number(raw);
  switch (kind) {
    case 'waited':
      return h('span', { class: 'chip chip--wait', dataset: { waited: '' }, text: t('reason_waited', { d: duration(waitedNow) }) });
    case 'angry':
      return h('span', { class: 'chip chip--angry', text: t('reason_angry', { n: Math.round(n * 100) }) });
    case 'vip':
      return h('span', { class: 'vip', text: t('reason_vip', { n }) });
    case 'complaint':
      return h('span', { class: 'chip chip--negative', text: t('reason_complaint') });
    case 'escalated':
      return h('span', { class: 'chip chip--escalated', text: t('reason_escalated') });
    case 'abusive':
      return h('span', { class: 'chip chip--abusive', text: t('reason_abusive') });
    default:
      return h('span', { class: 'chip', text: reason });
  }
}

/**
 * @param {object} o
 * @param {HTMLElement} o.rows    the <tbody>
 * @param {HTMLElement} o.empty   shown when nobody waits
 * @param {(id: number) => object|undefined} o.conversation
 * @param {(id: number, button: HTMLElement) => void} o.takeOver
 * @param {(id: number) => void} o.assign
 */
export function initQueue(o) {
  let items = [];
  let fetchedAt = Date.now();
  let timer = null;
  let inflight = false;
  let loaded = false; // "nobody waits" only once the queue has been read, not while it loads

  const waitedNow = (q) => q.waited_seconds + (Date.now() - fetchedAt) / 1000;

  function render() {
    o.rows.replaceChildren(...items.map((q) => {
      const c = o.conversation(q.conversation_id);
      const cu = c?.customer || { id: q.customer_id };
      const name = cu.display_name || `${t('buyer_generic')} #${q.customer_id ?? ''}`;
      return h('tr', { dataset: { conv: q.conversation_id } },
        h('td', { class: 'q-pos', text: String(q.position) }),
        h('td', null, h('div', { class: 'sv-buyer' },
          h('span', { class: `avatar avatar--sm avatar--${(cu.id || 0) % 6}`, text: initials(name) }),
          h('span', { text: name }))),
        h('td', null, h('div', { class: 'q-reasons' }, ...q.reasons.map((r) => reasonChip(r, waitedNow(q))))),
        h('td', { class: 'q-eta' }, q.no_agent // nobody online can serve this buyer: say so, no made-up wait
          ? h('span', { class: 'chip chip--nobody', title: t('queue_no_agent_help'), text: t('queue_no_agent') })
          : q.eta_seconds > 0 ? duration(q.eta_seconds) : q.eta_seconds === 0 ? t('queue_eta_next') : '—'),
        h('td', null, h('span', { class: 'tag', text: t(`group_${q.group}`) })),
        h('td', { class: 'sv-action' }, h('div', { class: 'row-actions' },
          h('button', { type: 'button', class: 'btn btn-small', text: t('take_over'),
            onclick: (e) => o.takeOver(q.conversation_id, e.currentTarget) }),
          h('button', { type: 'button', class: 'btn btn-small btn-ghost', text: t('assign'),
            onclick: () => o.assign(q.conversation_id) }))));
    }));
    o.empty.hidden = !loaded || items.length > 0;
  }

  async function load() {
    if (inflight) return;
    inflight = true;
    try {
      const r = await api('GET', '/api/routing/queue');
      items = r.queue || [];
      loaded = true;
      fetchedAt = Date.now();
      render();
    } catch {
      /* keep the last queue; the next refresh tries again */
    } finally {
      inflight = false;
    }
  }

  /** Something changed (a buyer arrived, was served, got angrier): refresh soon, once. */
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(load, 300);
  }

  function tick() {
    for (const row of o.rows.querySelectorAll('tr[data-conv]')) {
      const q = items.find((i) => i.conversation_id === Number(row.dataset.conv));
      const chip = row.querySelector('[data-waited]');
      if (q && chip) chip.textContent = t('reason_waited', { d: duration(waitedNow(q)) });
    }
  }

  setInterval(load, REFRESH_MS);
  return { load, changed, render, tick, get items() { return items; } };
}
