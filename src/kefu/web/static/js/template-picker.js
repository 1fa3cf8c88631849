// The reply box's template picker: typing "/" and a keyword lists matching reply templates (话术);
// ↑/↓ move, Enter or Tab picks, Esc closes. The pick is rendered for the open conversation by the
// server ({买家称呼} {订单号} {快递单号} {客服名} … filled in from what the buyer said) and replaces the
// "/keyword"; fields it could not fill are named under the box and the first one is selected, so the
// agent types it in (Tab: next field). A reply with an unfilled field is not sent (template-fields.js).

import { $, api, errorText, h, t } from './dom.js';
import { selectField, showUnfilled, unfilledFields, watchFields } from './template-fields.js';

const TOKEN = /(^|\s)\/([^\s/]{0,32})$/;

/**
 * @param {{reply: HTMLTextAreaElement, form: HTMLFormElement, conversationId: () => number|null}} o
 */
export function initTemplatePicker(o) {
  const list = $('#tpl-picker');
  const missing = $('#tpl-missing');
  let items = [];
  let active = 0;
  let token = null; // {start, end, q}
  let timer = null;
  let seq = 0;

  const isOpen = () => !list.hidden;

  function close() {
    list.hidden = true;
    items = [];
    token = null;
    o.reply.removeAttribute('aria-activedescendant');
  }

  function highlight() {
    [...list.children].forEach((li, i) => {
      li.classList.toggle('is-active', i === active);
      li.setAttribute('aria-selected', String(i === active));
      if (i === active) {
        o.reply.setAttribute('aria-activedescendant', li.id);
        li.scrollIntoView({ block: 'nearest' });
      }
    });
  }

  function render() {
    if (!items.length) {
      list.replaceChildren(h('li', { class: 'tpl-none', text: t('tpl_picker_none', { q: token ? token.q : '' }) }));
      list.hidden = false;
      return;
    }
    list.replaceChildren(...items.map((x, i) => h('li', {
      id: `tpl-opt-${x.id}`, role: 'option', class: 'tpl-option', dataset: { i },
      onmousedown: (e) => { e.preventDefault(); active = i; choose(); },
    }, h('span', { class: 'tpl-option-head' }, h('code', { text: `/${x.shortcut}` }),
      h('strong', { text: x.title }), h('span', { class: 'chip', text: t(`scene_${x.scene}`) })),
    h('span', { class: 'tpl-option-body', text: x.body }))));
    list.hidden = false;
    highlight();
  }

  async function lookup() {
    const mine = ++seq;
    let r;
    try {
      r = await api('GET', `/api/kb/templates?${new URLSearchParams({ q: token.q })}`);
    } catch {
      return;
    }
    if (mine !== seq || !token) return;
    items = r.templates.slice(0, 8);
    active = 0;
    render();
  }

  function onInput() {
    const caret = o.reply.selectionStart;
    const before = o.reply.value.slice(0, caret);
    const m = TOKEN.exec(before);
    if (!m || o.reply.selectionEnd !== caret) {
      close();
      return;
    }
    token = { start: caret - m[2].length - 1, end: caret, q: m[2] };
    clearTimeout(timer);
    timer = setTimeout(lookup, 120);
  }

  async function choose() {
    const x = items[active];
    const at = token;
    if (!x || !at) return;
    close();
    let text = x.body;
    let problem = '';
    try {
      const r = await api('POST', `/api/kb/templates/${x.id}/render`, { conversation_id: o.conversationId() });
      text = r.text;
    } catch (e) {
      problem = errorText(e); // insert the body as written; the agent fills it in
    }
    const v = o.reply.value;
    o.reply.value = v.slice(0, at.start) + text + v.slice(at.end);
    const caret = at.start + text.length;
    o.reply.focus();
    o.reply.setSelectionRange(caret, caret);
    o.reply.dispatchEvent(new Event('input'));
    const unfilled = unfilledFields(text);
    showUnfilled(unfilled);
    if (unfilled.length) selectField(o.reply, at.start);
    if (problem) {
      missing.hidden = false;
      missing.textContent = problem;
    }
  }

  watchFields(o.reply);
  o.reply.addEventListener('input', onInput);
  o.reply.addEventListener('click', onInput);
  o.reply.addEventListener('blur', () => setTimeout(close, 150));
  // Capture on the form, so the picker sees Enter before the reply box's "Enter sends".
  o.form.addEventListener('keydown', (e) => {
    if (e.target !== o.reply || !isOpen() || e.isComposing || e.keyCode === 229) return;
    const stop = () => { e.preventDefault(); e.stopPropagation(); };
    if (e.key === 'ArrowDown' && items.length) {
      stop();
      active = (active + 1) % items.length;
      highlight();
    } else if (e.key === 'ArrowUp' && items.length) {
      stop();
      active = (active - 1 + items.length) % items.length;
      highlight();
    } else if ((e.key === 'Enter' || e.key === 'Tab') && items.length) {
      stop();
      choose();
    } else if (e.key === 'Escape') {
      stop();
      close();
    }
  }, true);

  return {
    /** A new conversation was opened: nothing from the last one stays on screen. */
    reset() {
      close();
      showUnfilled([]);
    },
  };
}
