// /kb for agents who may not edit: one article to read (title, answer, similar questions, tags, products,
// validity), with no form and no buttons. The answer goes through the same allow-list as the editor.

import { $, api, clock, dateOnly, errorText, h, lang, t, toast } from './dom.js';
import { fillRich } from './rich-text.js';

/**
 * @param {{onMissing: () => void}} hooks  the article could not be loaded (archived, another shop's)
 * @returns {{open: (id: number|null) => Promise<void>}}
 */
export function initReader(hooks) {
  const els = {
    title: $('#kb-r-title'), meta: $('#kb-r-meta'), answer: $('#kb-r-answer'), variants: $('#kb-r-variants'),
    variantsBox: $('#kb-r-variants-box'), facts: $('#kb-r-facts'),
  };
  const sep = lang === 'en' ? ', ' : '，';

  function facts(a) {
    const rows = [];
    if (a.tags.length) rows.push([t('kb_f_tags'), a.tags.join(sep)]);
    if (a.products.length) rows.push([t('kb_f_products'), a.products.join(sep)]);
    if (a.valid_from || a.valid_to) {
      rows.push([t('kb_read_valid'), t('kb_read_range', {
        from: a.valid_from ? dateOnly(a.valid_from) : '—', to: a.valid_to ? dateOnly(a.valid_to) : t('kb_read_open_end'),
      })]);
    }
    return rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]);
  }

  function fill(a) {
    els.title.textContent = a.title;
    els.meta.replaceChildren(...[h('span', { class: 'chip chip--intent', text: t(`intent_${a.intent}`) }),
      a.category && h('span', { class: 'muted', text: a.category }),
      h('span', { class: 'muted', text: t('kb_read_meta', { v: a.version, at: clock(a.updated_at) }) })].filter(Boolean));
    fillRich(els.answer, a.answer);
    els.variants.replaceChildren(...a.variants.map((v) => h('li', { text: v })));
    els.variantsBox.hidden = !a.variants.length;
    els.facts.replaceChildren(...facts(a));
    els.facts.hidden = !els.facts.children.length;
  }

  async function open(id) {
    if (!id) return;
    try {
      fill((await api('GET', `/api/kb/articles/${id}`)).article);
    } catch (e) {
      toast(errorText(e), 'error');
      hooks.onMissing();
    }
  }

  return { open };
}
