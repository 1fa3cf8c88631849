// Quick replies: the buttons above the workspace's reply box are the agent's own pinned list (reply
// templates or short lines of their own), or the shop's defaults until they pin their own. A click puts
// the text in the reply box (a template rendered for the open conversation, as the "/" picker does); the
// "管理" dialog pins, unpins and reorders. quickReplyEditor() is shared with the shop-defaults panel of
// /kb/templates (qr-defaults.js).

import { $, api, errorText, h, lang, t, toast } from './dom.js';

const MAX = 12;
const raw = (x) => (x.template_id ? { template_id: x.template_id } : { label: x.label, text: x.text });

/**
 * An editable, ordered list of quick replies.
 * @param {{items: object[], templates: object[], onSave: (items: object[]) => Promise<void>,
 *   onReset?: () => Promise<void>}} o
 * @returns {HTMLElement}
 */
export function quickReplyEditor(o) {
  let items = o.items.map((x) => ({ ...x }));
  const list = h('ol', { class: 'qr-list' });
  const error = h('p', { class: 'qr-error', role: 'alert', hidden: true });
  const pick = h('select', { class: 'qr-pick', 'aria-label': t('qr_pin_template') });
  const field = (cls, max, key) => h('input', { class: cls, maxlength: max, placeholder: t(key),
    'aria-label': t(key) });
  const label = field('qr-own-label', 16, 'qr_label');
  const text = field('qr-own-text', 500, 'qr_text');

  function fail(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  function move(i, by) {
    const j = i + by;
    if (j < 0 || j >= items.length) return;
    [items[i], items[j]] = [items[j], items[i]];
    render();
  }

  function render() {
    list.replaceChildren(...items.map((x, i) => h('li', { class: 'qr-item', dataset: { i } },
      h('span', { class: 'qr-item-main' },
        h('strong', { class: 'qr-item-label', text: x.label }),
        x.template_id ? h('span', { class: 'chip', text: `${t('qr_template_chip')} /${x.shortcut || ''}` }) : null,
        h('span', { class: 'qr-item-text muted', text: x.text })),
      h('span', { class: 'qr-item-tools' },
        h('button', { type: 'button', class: 'btn btn-small btn-ghost', title: t('qr_up'), 'aria-label': t('qr_up'),
          text: '↑', disabled: i === 0, onclick: () => move(i, -1) }),
        h('button', { type: 'button', class: 'btn btn-small btn-ghost', title: t('qr_down'),
          'aria-label': t('qr_down'), text: '↓', disabled: i === items.length - 1, onclick: () => move(i, 1) }),
        h('button', { type: 'button', class: 'btn btn-small btn-ghost qr-unpin', text: t('qr_unpin'),
          onclick: () => { items.splice(i, 1); render(); } })))));
    if (!items.length) list.append(h('li', { class: 'qr-item qr-item--none muted', text: t('qr_empty_list') }));
    const pinned = new Set(items.map((x) => x.template_id).filter(Boolean));
    pick.replaceChildren(h('option', { value: '', text: t('qr_pick_template') }),
      ...o.templates.filter((x) => !pinned.has(x.id))
        .map((x) => h('option', { value: x.id, text: `/${x.shortcut} · ${x.title}` })));
  }

  function add(item) {
    if (items.length >= MAX) return fail(t('qr_full'));
    fail('');
    items.push(item);
    render();
  }

  const pinButton = h('button', { type: 'button', class: 'btn btn-small', text: t('qr_pin'), onclick: () => {
    const x = o.templates.find((y) => y.id === Number(pick.value));
    if (x) add({ template_id: x.id, label: x.title.slice(0, 16), text: x.body, shortcut: x.shortcut });
  } });
  const addButton = h('button', { type: 'button', class: 'btn btn-small', text: t('qr_add'), onclick: () => {
    const body = text.value.trim();
    if (!body) return text.focus();
    add({ label: label.value.trim() || body.slice(0, 8), text: body });
    label.value = '';
    text.value = '';
  } });
  const save = h('button', { type: 'button', class: 'btn btn-primary qr-save', text: t('qr_save') });
  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      await o.onSave(items.map(raw));
      fail('');
    } catch (e) {
      fail(errorText(e));
    } finally {
      save.disabled = false;
    }
  });
  const reset = o.onReset ? h('button', { type: 'button', class: 'btn btn-ghost qr-reset', text: t('qr_reset'),
    onclick: async () => {
      try {
        await o.onReset();
      } catch (e) {
        fail(errorText(e));
      }
    } }) : null;
  render();
  return h('div', { class: 'qr-editor' }, list,
    h('div', { class: 'qr-add' }, h('span', { class: 'qr-add-title', text: t('qr_pin_template') }), pick, pinButton),
    h('div', { class: 'qr-add' }, h('span', { class: 'qr-add-title', text: t('qr_own_line') }), label, text, addButton),
    error, h('div', { class: 'dialog-foot qr-foot' }, reset, h('span', { class: 'topbar-spacer' }), save));
}

/**
 * The workspace's quick-reply buttons and their "管理快捷回复" dialog.
 * @param {{reply: HTMLTextAreaElement, conversationId: () => number|null}} o
 */
export function initQuickReplies(o) {
  const bar = $('#quick');
  const missing = $('#tpl-missing');
  let state = { items: [], source: 'builtin' };
  const dialog = h('dialog', { id: 'qr-dialog', class: 'dialog qr-dialog', 'aria-labelledby': 'qr-title' });
  document.body.append(dialog);

  async function use(x) {
    let text = x.text;
    let missed = [];
    if (x.template_id) {
      try {
        const r = await api('POST', `/api/kb/templates/${x.template_id}/render`,
          { conversation_id: o.conversationId() });
        text = r.text;
        missed = r.missing || [];
      } catch {
        /* the template as written: the agent fills it in */
      }
    }
    const v = o.reply.value;
    o.reply.value = v && !/\s$/.test(v) ? `${v} ${text}` : v + text;
    o.reply.dispatchEvent(new Event('input'));
    o.reply.focus();
    o.reply.setSelectionRange(o.reply.value.length, o.reply.value.length);
    if (missing && missed.length) {
      missing.hidden = false;
      missing.textContent = t('tpl_missing', { vars: missed.map((n) => `{${n}}`).join(' ') });
    }
  }

  function render() {
    const buttons = state.items.map((x) => h('button', {
      type: 'button', class: 'quick-btn', title: x.text, dataset: { template: x.template_id || '' }, text: x.label,
      onclick: () => use(x),
    }));
    if (!buttons.length) buttons.push(h('span', { class: 'quick-none muted', text: t('qr_none') }));
    bar.replaceChildren(...buttons, h('button', {
      type: 'button', id: 'quick-manage', class: 'quick-btn quick-manage', title: t('qr_manage'),
      'aria-label': t('qr_manage'), text: t('qr_manage_short'), onclick: manage,
    }));
  }

  async function load() {
    try {
      state = await api('GET', `/api/quick-replies?lang=${lang}`);
    } catch {
      return;
    }
    render();
  }

  async function manage() {
    let templates = [];
    try {
      templates = (await api('GET', '/api/kb/templates')).templates;
    } catch (e) {
      toast(errorText(e), 'error');
    }
    const done = (r) => {
      state = r;
      render();
      dialog.close();
      toast(t('qr_saved'), 'ok');
    };
    const editor = quickReplyEditor({
      items: state.items, templates,
      onSave: async (items) => done(await api('PUT', `/api/quick-replies/mine?lang=${lang}`, { items })),
      onReset: state.source === 'mine' ? async () => done(await api('DELETE', `/api/quick-replies/mine?lang=${lang}`))
        : null,
    });
    dialog.replaceChildren(
      h('div', { class: 'qr-dialog-head' }, h('h2', { id: 'qr-title', text: t('qr_manage') }),
        h('button', { type: 'button', class: 'btn btn-small btn-ghost', text: t('cancel'),
          onclick: () => dialog.close() })),
      h('p', { class: 'muted small', text: t('qr_mine_hint') }),
      h('p', { class: 'small qr-source', text: t(`qr_from_${state.source}`) },
        state.may_edit_defaults
          ? h('a', { href: '/kb/templates#qr-defaults', text: ` · ${t('qr_defaults_title')}` }) : null),
      editor);
    if (!dialog.open) dialog.showModal();
  }

  render();
  load();
}
