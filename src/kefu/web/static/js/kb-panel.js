// The workspace's knowledge tab: a search box that answers as you type (highlighted matches from
// /api/kb/search) and 推荐知识 for what the buyer has asked (/api/kb/suggest: their recent substantive
// lines and the conversation's intent, nothing for greetings or thanks), refreshed when a new buyer
// message arrives. 插入 puts an article's answer, as plain text, into the reply box.

import { $, $$, api, errorText, h, t, toast } from './dom.js';
import { marked } from './rich-text.js';

/**
 * @param {{reply: HTMLTextAreaElement, conversationId: () => number|null}} o
 */
export function initKbPanel(o) {
  const els = {
    tabs: $$('[data-side]'), info: $('#side-body'), panel: $('#kb-panel'), q: $('#kbp-q'),
    results: $('#kbp-results'), suggest: $('#kbp-suggest'), suggestFor: $('#kbp-suggest-for'),
    count: $('#kbp-suggest-count'),
  };
  let timer = null;
  let searchSeq = 0;
  let suggestSeq = 0;
  let suggestTimer = null;

  function showTab(name) {
    for (const b of els.tabs) {
      b.setAttribute('aria-selected', String(b.dataset.side === name));
      const section = document.getElementById(b.getAttribute('aria-controls'));
      if (section) section.hidden = b.dataset.side !== name;
    }
    if (name === 'kb') els.q.focus();
  }

  async function insert(id, button) {
    button.disabled = true;
    try {
      const a = (await api('GET', `/api/kb/articles/${id}`)).article;
      const text = a.answer_text || '';
      const r = o.reply;
      const s = r.selectionStart ?? r.value.length;
      const e = r.selectionEnd ?? r.value.length;
      const sep = s > 0 && !/\s$/.test(r.value.slice(0, s)) ? '\n' : '';
      r.value = r.value.slice(0, s) + sep + text + r.value.slice(e);
      r.focus();
      const caret = s + sep.length + text.length;
      r.setSelectionRange(caret, caret);
      r.dispatchEvent(new Event('input'));
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      button.disabled = false;
    }
  }

  function hitCard(x) {
    const ins = h('button', { type: 'button', class: 'btn btn-small kbp-insert', text: t('kbp_insert'),
      dataset: { article: x.article_id }, title: t('kbp_insert_help') });
    ins.addEventListener('click', () => insert(x.article_id, ins));
    return h('article', { class: 'kbp-hit', dataset: { article: x.article_id } },
      h('div', { class: 'kbp-hit-head' }, h('strong', { class: 'kbp-title' }, marked(x.title_html)), ins),
      x.matched_question && x.matched_question !== x.title
        ? h('div', { class: 'kbp-q muted small', text: t('kbp_matched', { q: x.matched_question }) }) : null,
      h('p', { class: 'kbp-snippet' }, marked(x.snippet_html)),
      h('div', { class: 'kbp-meta' }, h('span', { class: 'chip chip--intent', text: t(`intent_${x.intent}`) }),
        x.category ? h('span', { class: 'muted small', text: x.category }) : null));
  }

  async function search() {
    const q = els.q.value.trim();
    const mine = ++searchSeq;
    if (!q) {
      els.results.replaceChildren();
      return;
    }
    let r;
    try {
      r = await api('GET', `/api/kb/search?${new URLSearchParams({ q, limit: 8 })}`);
    } catch (e) {
      if (mine === searchSeq) els.results.replaceChildren(h('p', { class: 'muted small', text: errorText(e) }));
      return;
    }
    if (mine !== searchSeq) return;
    els.results.replaceChildren(...r.hits.map(hitCard));
    if (!r.hits.length) els.results.append(h('p', { class: 'muted small', text: t('kbp_no_hits') }));
  }

  async function suggest() {
    const id = o.conversationId();
    const mine = ++suggestSeq;
    if (!id) return;
    let r;
    try {
      r = await api('GET', `/api/kb/suggest?conversation_id=${id}&limit=3`);
    } catch {
      return;
    }
    if (mine !== suggestSeq || o.conversationId() !== id) return;
    let about = t('kbp_suggest_none');
    if (r.query) about = t('kbp_suggest_asked', { q: r.query });
    else if (r.small_talk) about = t('kbp_suggest_small_talk');
    els.suggestFor.textContent = about;
    els.suggest.replaceChildren(...r.hits.map(hitCard));
    els.count.textContent = String(r.hits.length);
    els.count.hidden = !r.hits.length;
  }

  els.tabs.forEach((b) => b.addEventListener('click', () => showTab(b.dataset.side)));
  els.q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 180);
  });

  return {
    /** A conversation was opened (or closed: id null). */
    onConversation() {
      els.suggest.replaceChildren();
      els.suggestFor.textContent = '';
      els.count.hidden = true;
      suggest();
    },
    /** A message arrived in the open conversation; a buyer's one refreshes 推荐知识. */
    onMessage(m) {
      if (m.sender !== 'buyer' || m.private) return;
      clearTimeout(suggestTimer);
      suggestTimer = setTimeout(suggest, 300);
    },
  };
}
