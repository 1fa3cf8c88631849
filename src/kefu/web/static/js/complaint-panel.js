// The complaint workflow inside #case-complaint (drawn by case-panel.js, which fires `kefu:case`): a stepper of
// the stages (安抚 → 事实 → 责任 → 方案 → 协议 → 回访 → 完成) with the current one highlighted, the current stage's
// form, what is still missing to move on, the HEAT reminders while the buyer is angry, 发送协议给买家 at the
// agreement stage with the buyer's confirmation shown live, and the follow-up visit at the end. Redrawn on
// `case.updated` for this complaint (the buyer confirming, a colleague moving it on).

import { api, errorText, h, t, toast } from './dom.js';
import { when } from './card-agreement.js';

const me = Number(document.body.dataset.agentId);
const supervisor = ['supervisor', 'admin'].includes(document.body.dataset.role);
const STAGES = ['soothe', 'facts', 'responsibility', 'remedy', 'agreement', 'followup', 'done'];
const PARTIES = ['buyer', 'seller', 'courier', 'platform'];
const OUTCOMES = ['satisfied', 'unsatisfied', 'unreachable'];
// each stage's fields: [key, kind, label]
const FIELDS = {
  soothe: [['note', 'area', 'cp_f_note']],
  facts: [['what', 'area', 'cp_f_what'], ['when', 'time', 'cp_f_when'], ['demand', 'text', 'cp_f_demand']],
  responsibility: [['party', 'party', 'cp_f_party'], ['note', 'area', 'cp_f_party_note']],
  remedy: [['text', 'area', 'cp_f_remedy'], ['compensation', 'check', 'cp_f_with_comp']],
  agreement: [['remedy', 'area', 'cp_f_agreed'], ['next_steps', 'area', 'cp_f_steps'],
    ['deadline', 'time', 'cp_f_deadline']],
};
const HELP = { soothe: 'cp_soothe_help', remedy: 'cp_remedy_help' };
const MAX = { what: 2000, demand: 500, note: 1000, text: 1000, remedy: 1000, next_steps: 1000 };

let current = null; // {number, root, data, el: the panel drawn last}
let lastFocused = null; // the field the agent typed in last: a redraw puts the caret back there
let seq = 0; // each read and write takes a number: an answer to a read overtaken by a later one is dropped
let draft = {}; // what the agent typed and has not saved: {`${number}:${stage}`: {field: value}}, survives redraws

const pad = (n) => String(n).padStart(2, '0');

/** An ISO time as a datetime-local value (the browser's local time). */
export function toLocalInput(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value as an ISO time with its zone (what the API wants), or '' when empty. */
export function fromLocalInput(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

const url = (tail = '') => `/api/complaints/${encodeURIComponent(current.number)}${tail}`;
const draftKey = (stage) => `${current.number}:${stage}`;

function stepper(stage) {
  const at = STAGES.indexOf(stage);
  return h('ol', { class: 'cp-steps', 'aria-label': t('cp_title') }, ...STAGES.map((s, i) => h('li', {
    class: `cp-step${i < at ? ' is-done' : ''}${i === at ? ' is-current' : ''}`,
    'aria-current': i === at ? 'step' : null, dataset: { stage: s },
  }, h('span', { class: 'cp-dot', text: i < at ? '✓' : String(i + 1) }), h('span', { text: t(`cp_stage_${s}`) }))));
}

function heatBox(heat) {
  if (!heat || !heat.length) return null;
  const en = document.body.dataset.lang === 'en';
  return h('aside', { class: 'cp-heat', role: 'note' }, h('strong', { text: t('cp_heat_title') }),
    h('ul', {}, ...heat.map((r) => h('li', { dataset: { key: r.key }, text: en ? r.en : r.zh }))));
}

function missingBox(missing, stage) {
  if (stage === 'done') return null;
  const en = document.body.dataset.lang === 'en';
  if (!missing.length) return h('p', { class: 'cp-ready', text: t('cp_ready') });
  return h('div', { class: 'cp-missing', role: 'status' }, h('span', { text: t('cp_missing') }),
    h('ul', {}, ...missing.map((m) => h('li', { dataset: { key: m.key }, text: en ? m.en : m.zh }))));
}

function input(stage, [key, kind, label], saved) {
  const mine = draft[draftKey(stage)] || {};
  const value = key in mine ? mine[key] : saved[key];
  const remember = (v) => {
    draft[draftKey(stage)] = { ...(draft[draftKey(stage)] || {}), [key]: v };
  };
  let el;
  if (kind === 'area' || kind === 'text') {
    el = h(kind === 'area' ? 'textarea' : 'input', { class: 'cp-input', name: key, rows: kind === 'area' ? 2 : null,
      maxlength: MAX[key] || 1000 });
    el.value = value || '';
    el.addEventListener('input', () => remember(el.value));
  } else if (kind === 'time') {
    el = h('input', { class: 'cp-input', type: 'datetime-local', name: key });
    el.value = key in mine ? mine[key] : toLocalInput(value);
    el.addEventListener('input', () => remember(el.value));
  } else if (kind === 'party') {
    el = h('select', { class: 'cp-input', name: key }, h('option', { value: '', text: t('cp_party_choose') }),
      ...PARTIES.map((p) => h('option', { value: p, text: t(`cp_party_${p}`), selected: p === value })));
    el.addEventListener('change', () => remember(el.value));
  } else {
    el = h('input', { type: 'checkbox', name: key, checked: Boolean(value) });
    el.addEventListener('change', () => remember(el.checked));
    return h('label', { class: 'cp-check' }, el, h('span', { text: t(label) }));
  }
  return h('label', { class: 'cp-field' }, h('span', { text: t(label) }), el);
}

/** The typed values of the current stage's form, for POST …/stage (times with their zone). */
function collect(stage, form) {
  const data = {};
  for (const [key, kind] of FIELDS[stage] || []) {
    const el = form.querySelector(`[name="${key}"]`);
    if (!el) continue;
    data[key] = kind === 'check' ? el.checked : kind === 'time' ? fromLocalInput(el.value) : el.value.trim();
  }
  return data;
}

async function call(method, path, body, okText) {
  seq += 1; // reads already on their way would bring the state from before this change
  try {
    const r = await api(method, path, body);
    if (okText) toast(okText, 'success');
    if (r && r.complaint && current) {
      current.data = r.complaint;
      render();
    }
    return r;
  } catch (e) {
    toast(errorText(e), 'error');
    if (e.code === 'stage_incomplete' && current) load();
    return null;
  }
}

async function save(stage, form, quiet) {
  const key = draftKey(stage);
  const typed = draft[key];
  const r = await call('POST', url('/stage'), { data: collect(stage, form) }, quiet ? null : t('cp_saved'));
  if (r && draft[key] === typed) delete draft[key]; // saved; anything typed while it was on its way stays a draft
  return r;
}

function agreementState(saved) {
  if (saved.confirmed_at) {
    const text = `✓ ${t('cp_confirmed_at', { time: when(saved.confirmed_at) })}`;
    return h('p', { class: 'cp-agr-state is-confirmed', text });
  }
  if (saved.sent_at) {
    return h('p', { class: 'cp-agr-state is-sent', text: t('cp_sent_at', { time: when(saved.sent_at) }) });
  }
  return null;
}

function followupBox(c) {
  const fu = c.followup;
  if (!fu || fu.outcome === 'cancelled') return null; // sent back before the visit: a new one comes later
  const head = h('div', { class: 'cp-fu-head' }, h('strong', { text: t('cp_fu_title') }),
    fu.overdue ? h('span', { class: 'cp-chip is-overdue', text: t('cp_fu_overdue') }) : null);
  const facts = h('p', { class: 'muted small' }, t('cp_fu_owner', { name: fu.owner_name || '—' }), ' · ',
    t('cp_fu_due', { time: when(fu.due_at) }));
  if (fu.done_at || c.stage !== 'followup') {
    const outcome = fu.outcome ? t(`cp_fu_${fu.outcome}`) : '—';
    return h('section', { class: 'cp-fu' }, head, facts,
      fu.done_at ? h('p', { class: 'cp-fu-result', text: t('cp_fu_result', { outcome }) }) : null,
      fu.note ? h('p', { class: 'small', text: fu.note }) : null);
  }
  const due = h('input', { type: 'datetime-local', class: 'cp-input', name: 'fu_due',
    'aria-label': t('cp_fu_change_due') });
  due.value = toLocalInput(fu.due_at);
  const move = h('button', { type: 'button', class: 'btn btn-small btn-ghost', text: t('cp_fu_change_due'),
    onclick: () => call('PATCH', `/api/followups/${fu.id}`, { due_at: fromLocalInput(due.value) }, t('cp_saved'))
      .then((r) => r && load()) });
  const typed = draft[draftKey('followup')] || {};
  const remember = (key, value) => {
    draft[draftKey('followup')] = { ...(draft[draftKey('followup')] || {}), [key]: value };
  };
  const outcome = h('select', { class: 'cp-input', name: 'outcome', 'aria-label': t('cp_fu_outcome') },
    ...OUTCOMES.map((o) => h('option', { value: o, text: t(`cp_fu_${o}`), selected: o === typed.outcome })));
  const note = h('textarea', { class: 'cp-input', name: 'fu_note', rows: 2, maxlength: 1000,
    placeholder: t('cp_fu_note'), 'aria-label': t('cp_fu_note') });
  note.value = typed.note || '';
  outcome.addEventListener('change', () => remember('outcome', outcome.value));
  note.addEventListener('input', () => remember('note', note.value));
  const done = h('button', { type: 'button', class: 'btn btn-small btn-primary cp-fu-done', text: t('cp_fu_done') });
  done.addEventListener('click', async () => {
    done.disabled = true;
    const r = await call('POST', `/api/followups/${fu.id}`, { outcome: outcome.value, note: note.value.trim() });
    if (!r) done.disabled = false;
  });
  return h('section', { class: 'cp-fu' }, head, facts, h('div', { class: 'cp-row' }, due, move),
    h('label', { class: 'cp-field' }, h('span', { text: t('cp_fu_outcome') }), outcome), note,
    h('div', { class: 'cp-actions' }, done));
}

/** Which of the panel's fields has the caret, to put it back after a redraw (ours, or case-panel.js redrawing
 * the whole case, which takes the panel out of the page and focus with it). */
function focusState() {
  const a = document.activeElement;
  const inside = (el) => Boolean(el && current.el && current.el.contains(el));
  let el = inside(a) ? a : null;
  if (!el && (!a || a === document.body) && inside(lastFocused) && !lastFocused.isConnected) el = lastFocused;
  if (!el || !el.name) return null;
  let start = null;
  let end = null;
  try {
    start = el.selectionStart;
    end = el.selectionEnd;
  } catch {
    /* not a text field */
  }
  return { name: el.name, start, end };
}

function restoreFocus(state) {
  const el = state && current.el.querySelector(`[name="${state.name}"]`);
  if (!el) return;
  el.focus({ preventScroll: true });
  if (state.start == null) return;
  try {
    el.setSelectionRange(state.start, state.end);
  } catch {
    /* not a text field */
  }
}

/** A supervisor sends the complaint back to an earlier stage, with a reason (audited). */
function reopenBox(stage) {
  const at = STAGES.indexOf(stage);
  if (!supervisor || at < 1) return null;
  const target = h('select', { class: 'cp-input', name: 'reopen_stage', 'aria-label': t('cp_reopen_to') },
    ...STAGES.slice(0, at).map((s) => h('option', { value: s, text: t(`cp_stage_${s}`) })));
  const why = h('input', { class: 'cp-input', name: 'reopen_note', maxlength: 1000, placeholder: t('cp_reopen_note'),
    'aria-label': t('cp_reopen_note') });
  const go = h('button', { type: 'button', class: 'btn btn-small btn-ghost', text: t('cp_reopen') });
  go.addEventListener('click', () => call('POST', url('/reopen'), { stage: target.value, note: why.value.trim() },
    t('cp_moved', { stage: t(`cp_stage_${target.value}`) })));
  return h('details', { class: 'cp-reopen' }, h('summary', { text: t('cp_reopen') }),
    h('div', { class: 'cp-row' }, target, go), why);
}

function render() {
  const keep = focusState();
  const c = current.data;
  const stage = c.stage;
  const saved = (c.data && c.data[stage]) || {};
  const fields = FIELDS[stage] || [];
  const form = h('form', { class: 'cp-form', novalidate: true });
  if (HELP[stage]) form.append(h('p', { class: 'cp-help muted small', text: t(HELP[stage]) }));
  for (const f of fields) form.append(input(stage, f, saved));
  const actions = h('div', { class: 'cp-actions' });
  if (fields.length) {
    actions.append(h('button', { type: 'submit', class: 'btn btn-small btn-ghost cp-save', text: t('cp_save') }));
  }
  if (stage === 'agreement') {
    const send = h('button', { type: 'button', class: 'btn btn-small btn-ghost cp-send',
      text: saved.sent_at ? t('cp_resend') : t('cp_send') });
    send.addEventListener('click', async () => {
      send.disabled = true;
      if (await save(stage, form, true)) await call('POST', url('/agreement'), undefined, t('cp_agreement_sent'));
      send.disabled = false;
    });
    actions.append(send);
  }
  if (stage !== 'followup' && stage !== 'done') {
    const next = h('button', { type: 'button', class: 'btn btn-small btn-primary cp-next', text: t('cp_next') });
    next.addEventListener('click', async () => {
      next.disabled = true;
      if (!fields.length || await save(stage, form, true)) {
        const r = await call('POST', url('/advance'));
        if (r) toast(t('cp_moved', { stage: t(`cp_stage_${r.complaint.stage}`) }), 'success');
      }
      if (next.isConnected) next.disabled = false;
    });
    actions.append(next);
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save(stage, form);
  });
  if (actions.childElementCount) form.append(actions);
  current.el = h('section', { class: 'cp-panel', 'aria-label': t('cp_title'), dataset: { stage } },
    h('div', { class: 'cp-head' }, h('h3', { text: t('cp_title') }),
      h('span', { class: 'muted small', text: t('cp_now', { stage: t(`cp_stage_${stage}`) }) })),
    stepper(stage), heatBox(c.heat),
    stage === 'done' ? h('p', { class: 'cp-ready', text: t('cp_done') }) : null,
    fields.length || stage === 'agreement' ? form : null,
    stage === 'agreement' ? agreementState(saved) : null,
    followupBox(c),
    missingBox(c.missing, stage),
    reopenBox(stage));
  current.root.replaceChildren(current.el);
  restoreFocus(keep);
}

async function load() {
  if (!current) return;
  const { number } = current;
  const mine = ++seq;
  let r;
  try {
    r = await api('GET', url());
  } catch (e) {
    if (current && current.number === number && mine === seq) {
      current.root.replaceChildren(h('p', { class: 'form-error', text: errorText(e) }));
    }
    return;
  }
  if (mine !== seq || !current || current.number !== number || !current.root.isConnected) return;
  current.data = r.complaint;
  render();
}

document.addEventListener('kefu:case', (e) => {
  const root = document.getElementById('case-complaint');
  const c = e.detail && e.detail.case;
  if (!root) return;
  if (!c || c.kind !== 'complaint' || !c.number) {
    current = null;
    root.replaceChildren();
    return;
  }
  const same = Boolean(current && current.number === c.number);
  if (!same) draft = {};
  current = { number: c.number, root, data: same ? current.data : null, el: same ? current.el : null };
  if (current.data) render(); // case-panel.js redrew the case: show what we had at once, then fresh data
  load();
});

document.addEventListener('kefu:conversation', () => {
  current = null;
});

document.addEventListener('focusin', (e) => {
  lastFocused = e.target;
});
document.addEventListener('focusout', (e) => {
  if (e.target === lastFocused && e.target.isConnected) lastFocused = null; // a real blur, not a redraw
});

document.addEventListener('kefu:event', (e) => {
  const ev = e.detail;
  const d = (ev && ev.data) || {};
  if (ev && ev.type === 'complaint.followup_due' && d.assignee_id === me && d.case) {
    toast(t('cp_fu_due_toast', { number: d.case.number }), 'info');
  }
  if (!ev || ev.type !== 'case.updated' || !current || !d.case || d.case.number !== current.number) return;
  if (d.action === 'agreement_confirmed') toast(t('cp_confirmed_toast', { number: current.number }), 'success');
  if (d.by === me) return; // my own change: the panel was redrawn from its answer
  if (current.root.isConnected) load();
});
