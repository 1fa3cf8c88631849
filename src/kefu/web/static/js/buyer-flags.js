// Buyer-type flags (委屈 / 发泄 / 恶意) above the buyer's info in the workspace sidebar (#buyer-flags): the active
// flags as colored chips with the evidence, who set them and when (a malicious buyer's chip carries a hint for the
// agent), a small 标记买家类型 form, and 清除 for supervisors. Filled on `kefu:conversation`, refreshed when any
// agent flags or clears this buyer (`customer.flagged`).

import { api, clock, errorText, h, t, toast } from './dom.js';

const FLAGS = ['wronged', 'venting', 'malicious'];
const supervisor = ['supervisor', 'admin'].includes(document.body.dataset.role);
const box = document.getElementById('buyer-flags');
let current = null; // {customerId, conversationId, flags, open}

function chip(f) {
  const en = document.body.dataset.lang === 'en';
  const clear = supervisor ? h('button', { type: 'button', class: 'bf-clear', text: t('bf_clear'),
    'aria-label': `${t('bf_clear')} ${t(`bf_${f.flag}`)}`, onclick: () => clearFlag(f) }) : null;
  return h('li', { class: `bf-chip bf-chip--${f.flag}`, dataset: { id: f.id, flag: f.flag } },
    h('div', { class: 'bf-chip-head' }, h('strong', { text: t(`bf_${f.flag}`) }),
      h('span', { class: 'bf-by', text: t('bf_by', { name: f.agent_name || '—', time: clock(f.created_at) }) }), clear),
    h('p', { class: 'bf-note', text: f.note }),
    f.flag === 'malicious' && f.hint ? h('p', { class: 'bf-hint', text: en ? f.hint.en : f.hint.zh }) : null);
}

function form() {
  const kind = h('select', { class: 'bf-kind', 'aria-label': t('bf_title') },
    ...FLAGS.map((k) => h('option', { value: k, text: t(`bf_${k}`) })));
  const note = h('textarea', { class: 'bf-note-input', rows: 2, maxlength: 1000, placeholder: t('bf_note_ph'),
    'aria-label': t('bf_note_ph') });
  const save = h('button', { type: 'submit', class: 'btn btn-small btn-primary', text: t('bf_save') });
  const cancel = h('button', { type: 'button', class: 'btn btn-small btn-ghost', text: t('bf_cancel'),
    onclick: () => {
      current.open = false;
      render();
    } });
  const f = h('form', { class: 'bf-form', novalidate: true }, kind, note,
    h('div', { class: 'bf-actions' }, cancel, save));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!note.value.trim()) {
      note.focus();
      return toast(t('bf_note_needed'), 'error');
    }
    save.disabled = true;
    const me = current;
    try {
      await api('POST', `/api/customers/${me.customerId}/flags`,
        { flag: kind.value, note: note.value.trim(), conversation_id: me.conversationId || null });
      toast(t('bf_added'), 'success');
      me.open = false;
      await load(me);
    } catch (err) {
      toast(errorText(err), 'error');
      save.disabled = false;
    }
  });
  return f;
}

async function clearFlag(f) {
  const me = current;
  try {
    await api('POST', `/api/customers/${me.customerId}/flags/${f.id}/clear`);
    toast(t('bf_cleared'), 'success');
    await load(me);
  } catch (e) {
    toast(errorText(e), 'error');
  }
}

function render() {
  if (!box) return;
  if (!current) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const add = h('button', { type: 'button', class: 'bf-add', text: `＋ ${t('bf_add')}`, 'aria-expanded': 'false',
    onclick: () => {
      current.open = true;
      render();
      current.form.querySelector('textarea').focus();
    } });
  if (!current.open) current.form = null;
  else if (!current.form) current.form = form(); // kept across redraws: what the agent typed stays
  const list = current.flags.length
    ? h('ul', { class: 'bf-list', 'aria-label': t('bf_title') }, ...current.flags.map(chip)) : null;
  if (current.open && current.form.parentNode === box) { // the form stays where it is (focus, typing): only the list
    for (const old of box.querySelectorAll('.bf-list')) old.remove();
    if (list) box.prepend(list);
  } else {
    box.replaceChildren(...[list, current.open ? current.form : h('div', { class: 'bf-bar' }, add)].filter(Boolean));
  }
  box.hidden = false;
}

async function load(me) {
  try {
    const r = await api('GET', `/api/customers/${me.customerId}/flags`);
    if (current !== me) return;
    me.flags = r.flags;
  } catch (e) {
    if (current !== me) return;
    me.flags = [];
    toast(errorText(e), 'error');
  }
  render();
}

document.addEventListener('kefu:conversation', (e) => {
  const d = e.detail;
  const customerId = d && d.customer && d.customer.id;
  if (!customerId) {
    current = null;
    render();
    return;
  }
  if (current && current.customerId === customerId) {
    current.conversationId = d.conversation && d.conversation.id;
    return; // the same buyer: customer.flagged events keep the list fresh
  }
  current = { customerId, conversationId: d.conversation && d.conversation.id, flags: [], open: false, form: null };
  render();
  load(current);
});

document.addEventListener('kefu:event', (e) => {
  const ev = e.detail;
  if (ev && ev.type === 'customer.flagged' && current && ev.customer_id === current.customerId) {
    load(current);
  }
});
