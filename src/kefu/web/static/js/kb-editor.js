// The article editor on /kb: fields, rich-text answer, save with the version it was loaded at,
// mark reviewed, archive, and the version history with restore.

import { $, api, clock, errorText, h, lang, t, toast } from './dom.js';
import { fillRich, richHtml, richToolbar } from './rich-text.js';

const lines = (s) => s.split('\n').map((x) => x.trim()).filter(Boolean);
const list = (s) => s.split(/[,，、]/).map((x) => x.trim()).filter(Boolean);
const day = (iso) => (iso ? iso.slice(0, 10) : '');

/**
 * @param {{onSaved: (article: object|null) => void}} hooks
 * @returns {{open: (id: number|null) => Promise<void>}}
 */
export function initEditor(hooks) {
  const els = {
    form: $('#kb-editor'), heading: $('#kb-editor-title'), meta: $('#kb-meta'), error: $('#kb-editor-error'),
    title: $('#kb-title'), variants: $('#kb-variants'), answer: $('#kb-answer'), category: $('#kb-f-category'),
    intent: $('#kb-f-intent'), tags: $('#kb-tags'), products: $('#kb-products'), from: $('#kb-valid-from'),
    to: $('#kb-valid-to'), note: $('#kb-note'), save: $('#kb-save'), reviewed: $('#kb-reviewed'),
    archive: $('#kb-archive'), versions: $('#kb-versions'), versionsBox: $('#kb-versions-box'),
  };
  let article = null;
  richToolbar($('.rt-toolbar'), els.answer);

  function showError(e) {
    els.error.hidden = !e;
    els.error.textContent = e ? errorText(e) : '';
  }

  function fill(a) {
    article = a;
    showError(null);
    els.heading.textContent = a ? t('kb_edit_title', { id: a.id }) : t('kb_new');
    els.meta.textContent = a ? t('kb_meta', {
      v: a.version, at: clock(a.updated_at), reviewed: a.last_reviewed_at ? clock(a.last_reviewed_at) : '—',
    }) : '';
    els.title.value = a ? a.title : '';
    els.variants.value = a ? a.variants.join('\n') : '';
    fillRich(els.answer, a ? a.answer : '');
    els.category.value = a ? a.category : '';
    els.intent.value = a ? a.intent : 'other';
    els.tags.value = a ? a.tags.join(lang === 'en' ? ', ' : '，') : '';
    els.products.value = a ? a.products.join(lang === 'en' ? ', ' : '，') : '';
    els.from.value = a ? day(a.valid_from) : '';
    els.to.value = a ? day(a.valid_to) : '';
    els.note.value = '';
    els.reviewed.hidden = !a;
    els.archive.hidden = !a;
    els.versionsBox.hidden = !a;
  }

  async function loadVersions() {
    if (!article) return;
    let r;
    try {
      r = await api('GET', `/api/kb/articles/${article.id}/versions`);
    } catch (e) {
      showError(e);
      return;
    }
    els.versions.replaceChildren(...r.versions.slice().sort((x, y) => y.version - x.version).map((v) => h('li',
      { class: 'kb-version' },
      h('span', { class: 'kb-version-no', text: `v${v.version}` }),
      h('span', { class: 'kb-version-text' }, h('span', { text: v.title || '' }),
        h('span', { class: 'muted small', text: `${clock(v.saved_at)}${v.note ? ` · ${v.note}` : ''}` })),
      v.version === article.version
        ? h('span', { class: 'chip', text: t('kb_version_current') })
        : h('button', { type: 'button', class: 'btn btn-small', text: t('kb_restore'), dataset: { restore: v.version },
          onclick: () => restore(v.version) }))));
  }

  async function open(id) {
    if (!id) {
      fill(null);
      els.title.focus();
      return;
    }
    try {
      fill((await api('GET', `/api/kb/articles/${id}`)).article);
    } catch (e) {
      toast(errorText(e), 'error');
      return;
    }
    loadVersions();
  }

  function body() {
    const out = {
      title: els.title.value.trim(), variants: lines(els.variants.value), answer: richHtml(els.answer),
      category: els.category.value.trim(), intent: els.intent.value, tags: list(els.tags.value),
      products: list(els.products.value), valid_from: els.from.value ? `${els.from.value}T00:00:00` : null,
      valid_to: els.to.value ? `${els.to.value}T23:59:59` : null, note: els.note.value.trim(),
    };
    if (article) out.expected_version = article.version;
    return out;
  }

  async function save() {
    els.save.disabled = true;
    try {
      const r = article ? await api('PUT', `/api/kb/articles/${article.id}`, body())
        : await api('POST', '/api/kb/articles', body());
      fill(r.article);
      loadVersions();
      toast(t('kb_saved'));
      hooks.onSaved(r.article);
    } catch (e) {
      showError(e);
    } finally {
      els.save.disabled = false;
    }
  }

  async function restore(version) {
    try {
      const r = await api('POST', `/api/kb/articles/${article.id}/versions/${version}/restore`);
      fill(r.article);
      loadVersions();
      toast(t('kb_restored', { v: version }));
      hooks.onSaved(r.article);
    } catch (e) {
      showError(e);
    }
  }

  els.form.addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });
  els.reviewed.addEventListener('click', async () => {
    try {
      const r = await api('POST', `/api/kb/articles/${article.id}/review`);
      fill(r.article);
      loadVersions();
      toast(t('kb_reviewed_done'));
      hooks.onSaved(r.article);
    } catch (e) {
      showError(e);
    }
  });
  els.archive.addEventListener('click', async () => {
    if (!window.confirm(t('kb_archive_confirm'))) return;
    try {
      await api('DELETE', `/api/kb/articles/${article.id}`);
      toast(t('kb_archived'));
      hooks.onSaved(null);
    } catch (e) {
      showError(e);
    }
  });

  return { open };
}
