// Handing a conversation over, in the agent workspace: 转接 (to a colleague or a group), 升级 (to a
// senior, who has a minute to accept), 转情绪安抚 (an abusive buyer to an emotion-support agent);
// escalations offered to me, with their context summary, a countdown and 接受; supervisor alerts.

import { $, api, duration, errorText, h, initials, parseTime, t, toast } from './dom.js';

const GROUPS = ['售前', '售后', '投诉'];
const SUPERVISORS = ['supervisor', 'admin'];
const MODES = {
  transfer: { verb: 'transfer', title: 'handoff_transfer_title', hint: 'handoff_transfer_hint', ok: 'transferred_ok' },
  escalate: { verb: 'escalate', title: 'handoff_escalate_title', hint: 'handoff_escalate_hint', ok: 'escalated_ok' },
  abuse: { verb: 'flag-abuse', title: 'handoff_abuse_title', hint: 'handoff_abuse_hint', ok: 'abuse_flagged_ok' },
};

/** A supervisor alert in words: escalation_not_accepted / escalation_no_receiver / no_emotion_support. */
export function alertText(data, buyerName, agentName) {
  const key = `alert_${data.kind}`;
  const text = t(key, { buyer: buyerName || `#${data.conversation_id}`, agent: agentName || t('agent_generic') });
  return text === key ? t('alert_generic', { kind: data.kind }) : text;
}

function countdown(dueAt) {
  const left = Math.round((parseTime(dueAt) - Date.now()) / 1000);
  return Number.isNaN(left) ? '' : left > 0 ? t('offer_left', { d: duration(left) }) : t('offer_overdue');
}

/**
 * @param {object} o
 * @param {{id: number, role: string}} o.me
 * @param {(id: number) => object|undefined} o.conversation  a conversation the workspace knows
 * @param {(c: object) => void} o.onConversation             a changed conversation from a response
 * @param {(id: number) => void} o.open                      open a conversation
 */
export function initHandoffs(o) {
  const dialog = $('#handoff-dialog');
  const els = {
    title: $('#handoff-title'), hint: $('#handoff-hint'), targets: $('#handoff-targets'), note: $('#handoff-note'),
    submit: $('#handoff-submit'), form: $('#handoff-form'), offers: $('#offers'),
  };
  const offers = new Map(); // handoff id -> handoff offered to me
  let team = null; // colleagues for 转接, when the server lets me see them
  let open = null; // {mode, conv}

  async function loadTeam() {
    const url = SUPERVISORS.includes(o.me.role) ? '/api/agents' : '/api/team';
    try {
      team = (await api('GET', url)).agents || [];
    } catch {
      team = null; // plain agents without a team list still transfer to a group
    }
  }

  function agentName(id) {
    return (team || []).find((a) => a.id === id)?.display_name;
  }

  function option(value, label, sub, presence) {
    return h('label', { class: 'target' },
      h('input', { type: 'radio', name: 'target', value, required: true }),
      h('span', { class: 'target-main' }, h('strong', { text: label }), sub ? h('span', { class: 'muted small', text: sub })
        : null),
      presence ? h('span', { class: `presence presence--${presence}`, text: t(`presence_${presence}`) }) : null);
  }

  function renderTargets(conv) {
    const groups = GROUPS.map((g) => option(`group:${g}`, t(`group_${g}`), t('handoff_to_group_sub')));
    const people = (team || []).filter((a) => a.id !== o.me.id && a.id !== conv.assignee_id && a.active !== false)
      .sort((a, b) => (a.presence === 'online' ? 0 : 1) - (b.presence === 'online' ? 0 : 1) || a.id - b.id)
      .map((a) => option(`agent:${a.id}`, a.display_name,
        `${t(`group_${a.group}`)} · ${t(`role_${a.role}`)} · ${t('load_of', { n: a.load ?? 0, max: a.max_chats })}`,
        a.presence));
    els.targets.replaceChildren(
      h('h3', { text: t('handoff_to_group') }), h('div', { class: 'targets' }, ...groups),
      h('h3', { text: t('handoff_to_agent') }),
      people.length ? h('div', { class: 'targets' }, ...people)
        : h('p', { class: 'muted small', text: team ? t('handoff_no_colleagues') : t('handoff_team_unavailable') }));
  }

  async function show(mode, conv) {
    open = { mode, conv };
    const m = MODES[mode];
    const name = conv.customer?.display_name || t('buyer_generic');
    els.title.textContent = t(m.title, { name });
    els.hint.textContent = t(m.hint);
    els.note.value = '';
    els.submit.disabled = false;
    els.submit.textContent = t(`handoff_${mode}_submit`);
    els.submit.className = `btn ${mode === 'abuse' ? 'btn-danger' : 'btn-primary'}`;
    els.targets.hidden = mode !== 'transfer';
    els.targets.replaceChildren();
    if (!dialog.open) dialog.showModal();
    if (mode === 'transfer') {
      renderTargets(conv);
      await loadTeam();
      if (open && open.mode === 'transfer') renderTargets(conv);
    }
    els.note.focus();
  }

  async function submit() {
    if (!open) return;
    const { mode, conv } = open;
    const body = { note: els.note.value.trim() };
    if (mode === 'transfer') {
      const picked = els.form.elements.target?.value || '';
      const [kind, value] = picked.split(':');
      if (!value) return toast(t('handoff_pick_target'), 'error');
      if (kind === 'group') body.group = value;
      else body.agent_id = Number(value);
    }
    els.submit.disabled = true;
    try {
      const r = await api('POST', `/api/conversations/${conv.id}/${MODES[mode].verb}`, body);
      o.onConversation(r.conversation);
      dialog.close();
      toast(t(MODES[mode].ok), 'ok');
    } catch (e) {
      toast(errorText(e), 'error');
      els.submit.disabled = false;
    }
  }

  els.form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  $('#handoff-cancel').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => { open = null; });

  /** 转接 / 升级 / 转情绪安抚 for the conversation header (nothing for closed ones). */
  function headButtons(conv) {
    if (!conv || conv.status === 'closed') return [];
    const b = (mode, label, cls = 'btn-ghost') => h('button', {
      type: 'button', class: `btn ${cls}`, text: t(label), dataset: { handoff: mode },
      onclick: () => show(mode, conv),
    });
    return [h('div', { class: 'handoff-actions', role: 'group', 'aria-label': t('handoff_actions') },
      b('transfer', 'handoff_transfer'), b('escalate', 'handoff_escalate'),
      o.me.role === 'emotion_support' ? null : b('abuse', 'handoff_abuse', 'btn-ghost is-danger'))];
  }

  // ---- escalations offered to me ----------------------------------------------------------------

  function renderOffers() {
    const cards = [...offers.values()].map((ho) => {
      const conv = o.conversation(ho.conversation_id);
      const name = conv?.customer?.display_name || `#${ho.conversation_id}`;
      return h('section', { class: 'offer', dataset: { handoff: ho.id }, 'aria-label': t('offer_title', { name }) },
        h('div', { class: 'offer-head' },
          h('span', { class: `avatar avatar--sm avatar--${(conv?.customer?.id || 0) % 6}`, text: initials(name) }),
          h('strong', { text: t('offer_title', { name }) }),
          h('span', { class: 'offer-left', dataset: { due: ho.due_at || '' }, text: countdown(ho.due_at) })),
        h('ul', { class: 'offer-summary' }, ...(ho.summary || '').split(' · ').map((part) => h('li', { text: part }))),
        h('div', { class: 'offer-actions' },
          h('button', { type: 'button', class: 'btn btn-small btn-ghost', text: t('offer_view'),
            onclick: () => o.open(ho.conversation_id) }),
          h('button', { type: 'button', class: 'btn btn-small btn-primary', text: t('offer_accept'),
            onclick: (e) => accept(ho, e.currentTarget) })));
    });
    els.offers.replaceChildren(...cards);
    els.offers.hidden = cards.length === 0;
  }

  async function accept(ho, button) {
    button.disabled = true;
    try {
      const r = await api('POST', `/api/handoffs/${ho.id}/accept`);
      offers.delete(ho.id);
      o.onConversation(r.conversation);
      renderOffers();
      toast(t('offer_accepted'), 'ok');
      o.open(ho.conversation_id);
    } catch (e) {
      toast(errorText(e), 'error');
      if (e.status === 409 || e.status === 403) {
        offers.delete(ho.id);
        renderOffers();
      } else {
        button.disabled = false;
      }
    }
  }

  async function loadOffers() {
    try {
      const r = await api('GET', '/api/handoffs/pending');
      offers.clear();
      for (const ho of r.handoffs) offers.set(ho.id, ho);
    } catch {
      return;
    }
    renderOffers();
  }

  function onEvent(ev) {
    const data = ev.data || {};
    if (ev.type === 'handoff.offered' || ev.type === 'handoff.accepted') {
      const ho = data.handoff || {};
      const mine = ev.type === 'handoff.offered' && ho.to_agent_id === o.me.id && ho.status === 'pending';
      const isNew = mine && !offers.has(ho.id);
      if (mine) offers.set(ho.id, ho);
      else offers.delete(ho.id);
      renderOffers();
      if (isNew) toast(t('offer_toast'), 'info');
      return true;
    }
    if (ev.type === 'supervisor.alert') {
      if (SUPERVISORS.includes(o.me.role)) {
        if (team === null) loadTeam();
        const name = o.conversation(data.conversation_id)?.customer?.display_name;
        toast(alertText(data, name, agentName(data.agent_id)), 'error');
      }
      return true;
    }
    return false;
  }

  setInterval(() => {
    for (const el of els.offers.querySelectorAll('[data-due]')) el.textContent = countdown(el.dataset.due);
  }, 1000);

  return { headButtons, onEvent, loadOffers, renderOffers };
}
