// The knowledge base page (/kb): the article list with search and filters, the review list, and the
// panels on the right (editor: kb-editor.js; import and synonyms: kb-import.js). Agents who may not edit
// get the page without tabs and tools, and read the article they pick (kb-reader.js).

import { $, $$, api, errorText, h, t, toast } from './dom.js';
import { initEditor } from './kb-editor.js';
import { initImport, initSynonyms } from './kb-import.js';
import { initReader } from './kb-reader.js';
import { marked } from './rich-text.js';

const els = {
  views: $$('[data-view]'), filters: $('#kb-filters'), q: $('#kb-q'), intent: $('#kb-intent'),
  category: $('#kb-category'), items: $('#kb-items'), count: $('#kb-count'), reviewCount: $('#kb-review-count'),
  empty: $('#kb-empty'), importBox: $('#kb-import'), synonyms: $('#kb-synonyms'), categories: $('#kb-categories'),
};
const canEdit = Boolean($('#kb-editor'));
els.article = canEdit ? $('#kb-editor') : $('#kb-reader');
let view = 'all';
let selected = null;
let searchTimer = null;
let seq = 0;

function showPanel(which) {
  els.empty.hidden = which !== 'empty';
  els.article.hidden = which !== 'article';
  if (!canEdit) return;
  els.importBox.hidden = which !== 'import';
  els.synonyms.hidden = which !== 'synonyms';
}

function reasonChips(reasons) {
  return (reasons || []).map((r) => h('span', { class: `chip chip--${r === 'expired' ? 'danger' : 'warn'}`,
    text: t(`kb_reason_${r}`) }));
}

function item(a, titleNode, extra) {
  const li = h('li', {}, h('button', {
    type: 'button', class: `kb-item${a.id === selected ? ' is-active' : ''}`, dataset: { id: a.id },
    onclick: () => select(a.id),
  }, h('span', { class: 'kb-item-title' }, titleNode),
  h('span', { class: 'kb-item-meta' },
    h('span', { class: 'chip chip--intent', text: t(`intent_${a.intent}`) }),
    a.category ? h('span', { class: 'muted', text: a.category }) : null, ...(extra || []))));
  return li;
}

function fillCategories(articles) {
  const have = new Set([...els.category.options].map((o) => o.value));
  for (const c of [...new Set(articles.map((a) => a.category).filter(Boolean))].sort()) {
    if (have.has(c)) continue;
    els.category.append(h('option', { value: c, text: c }));
    els.categories?.append(h('option', { value: c }));
    have.add(c);
  }
}

async function load() {
  const mine = ++seq;
  const q = els.q.value.trim();
  let rows;
  try {
    if (view === 'review') {
      const r = await api('GET', '/api/kb/review');
      if (mine !== seq) return;
      rows = r.articles.map((a) => item(a, a.title, reasonChips(a.reasons)));
      els.count.textContent = t('kb_review_count', { n: r.articles.length });
      setReviewCount(r.articles.length);
    } else if (q) {
      const r = await api('GET', `/api/kb/search?${new URLSearchParams({ q, limit: 50 })}`);
      if (mine !== seq) return;
      const hits = r.hits.filter((x) => (!els.intent.value || x.intent === els.intent.value)
        && (!els.category.value || x.category === els.category.value));
      rows = hits.map((x) => item({ id: x.article_id, intent: x.intent, category: x.category },
        marked(x.title_html)));
      els.count.textContent = t('kb_hits', { n: hits.length });
    } else {
      const p = new URLSearchParams({ limit: 500 });
      if (els.intent.value) p.set('intent', els.intent.value);
      if (els.category.value) p.set('category', els.category.value);
      const r = await api('GET', `/api/kb/articles?${p}`);
      if (mine !== seq) return;
      fillCategories(r.articles);
      rows = r.articles.map((a) => item(a, a.title));
      els.count.textContent = t('kb_total', { n: r.total });
    }
  } catch (e) {
    if (e.status === 401) location.href = '/agent/login?next=/kb';
    toast(errorText(e), 'error');
    return;
  }
  els.items.replaceChildren(...rows);
  if (!rows.length) els.items.append(h('li', { class: 'kb-none muted', text: t('kb_none') }));
}

async function setReviewCount(n) {
  if (!els.reviewCount) return;
  if (n === undefined) {
    try {
      n = (await api('GET', '/api/kb/review')).articles.length;
    } catch {
      return;
    }
  }
  els.reviewCount.textContent = String(n);
  els.reviewCount.hidden = !n;
}

function setView(name) {
  view = name;
  for (const b of els.views) b.setAttribute('aria-selected', String(b.dataset.view === name));
  els.filters.hidden = name !== 'all';
  if (name === 'synonyms') {
    els.items.replaceChildren();
    els.count.textContent = '';
    showPanel('synonyms');
    synonyms.load();
    return;
  }
  if (!selected) showPanel('empty');
  load();
}

async function select(id) {
  selected = id;
  for (const b of $$('.kb-item')) b.classList.toggle('is-active', Number(b.dataset.id) === id);
  showPanel('article');
  history.replaceState(null, '', id ? `#a${id}` : location.pathname);
  await article.open(id);
}

const article = canEdit ? initEditor({
  onSaved: (a) => {
    selected = a ? a.id : null;
    if (a) history.replaceState(null, '', `#a${a.id}`);
    else showPanel('empty');
    load();
    setReviewCount();
  },
}) : initReader({ onMissing: () => showPanel('empty') });
const synonyms = canEdit ? initSynonyms() : null;

els.views.forEach((b) => b.addEventListener('click', () => setView(b.dataset.view)));
els.q.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(load, 200);
});
els.intent.addEventListener('change', load);
els.category.addEventListener('change', load);
if (canEdit) {
  initImport({ onDone: () => load() });
  $('#kb-new').addEventListener('click', () => select(null));
  $('#kb-import-open').addEventListener('click', () => {
    selected = null;
    for (const b of $$('.kb-item')) b.classList.remove('is-active');
    showPanel('import');
  });
}

const fromHash = /^#a(\d+)$/.exec(location.hash);
load();
setReviewCount();
if (fromHash) select(Number(fromHash[1]));
