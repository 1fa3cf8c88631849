// /kb: importing a CSV / JSONL / Markdown file (XHR, so the upload shows progress; the server keeps
// the good rows and reports the bad ones), and the synonym groups.

import { $, api, csrfToken, errorText, h, lang, t, toast } from './dom.js';

/** @param {{onDone: () => void}} hooks */
export function initImport(hooks) {
  const els = {
    form: $('#kb-import-form'), file: $('#kb-file'), box: $('#kb-progress'), bar: $('#kb-progress-bar'),
    text: $('#kb-progress-text'), report: $('#kb-import-report'),
  };

  function showReport(r) {
    const rows = (r.errors || []).map((e) => h('tr', {}, h('td', { text: String(e.row) }),
      h('td', { text: lang === 'en' ? e.en || e.zh : e.zh || e.en })));
    els.report.replaceChildren(
      h('p', { class: 'kb-import-summary', text: t('kb_import_done', { created: r.created, updated: r.updated, bad: r.bad }) }),
      rows.length ? h('table', { class: 'table kb-import-errors' },
        h('thead', {}, h('tr', {}, h('th', { text: t('kb_import_row') }), h('th', { text: t('kb_import_problem') }))),
        h('tbody', {}, rows)) : null,
      r.bad > rows.length ? h('p', { class: 'muted small', text: t('kb_import_more', { n: r.bad - rows.length }) }) : null);
    els.report.hidden = false;
  }

  els.form.addEventListener('submit', (e) => {
    e.preventDefault();
    const file = els.file.files[0];
    if (!file) return;
    const data = new FormData();
    data.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/kb/import');
    xhr.setRequestHeader('X-CSRF-Token', csrfToken());
    xhr.setRequestHeader('Accept', 'application/json');
    els.box.hidden = false;
    els.report.hidden = true;
    els.bar.value = 0;
    els.text.textContent = t('kb_import_uploading', { p: 0 });
    xhr.upload.addEventListener('progress', (ev) => {
      if (!ev.lengthComputable) return;
      const p = Math.round((ev.loaded / ev.total) * 100);
      els.bar.value = p;
      els.text.textContent = p < 100 ? t('kb_import_uploading', { p }) : t('kb_import_processing');
    });
    xhr.upload.addEventListener('load', () => {
      els.bar.value = 100;
      els.text.textContent = t('kb_import_processing');
    });
    xhr.addEventListener('load', () => {
      let out = null;
      try {
        out = JSON.parse(xhr.responseText);
      } catch {
        out = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && out) {
        els.text.textContent = t('kb_import_finished');
        showReport(out);
        hooks.onDone();
      } else {
        els.text.textContent = errorText((out && out.error) || { status: xhr.status });
      }
    });
    xhr.addEventListener('error', () => { els.text.textContent = t('err_network'); });
    xhr.send(data);
  });
}

export function initSynonyms() {
  const els = { form: $('#kb-syn-form'), words: $('#kb-syn-words'), list: $('#kb-syn-list') };

  async function load() {
    let r;
    try {
      r = await api('GET', '/api/kb/synonyms');
    } catch (e) {
      toast(errorText(e), 'error');
      return;
    }
    els.list.replaceChildren(...r.groups.map((g) => h('li', { class: 'kb-syn' },
      h('span', { class: 'kb-syn-words' }, g.words.map((w, i) => h('span', { class: i ? 'tag' : 'tag tag--main', text: w }))),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: t('kb_syn_delete'),
        onclick: () => remove(g.id) }))));
    if (!r.groups.length) els.list.append(h('li', { class: 'muted', text: t('kb_syn_none') }));
  }

  async function remove(id) {
    try {
      await api('DELETE', `/api/kb/synonyms/${id}`);
      load();
    } catch (e) {
      toast(errorText(e), 'error');
    }
  }

  els.form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const words = els.words.value.split(/[\s,，、/]+/).map((w) => w.trim()).filter(Boolean);
    if (words.length < 2) {
      toast(t('kb_syn_two'), 'error');
      return;
    }
    try {
      await api('POST', '/api/kb/synonyms', { words });
      els.words.value = '';
      load();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  });

  return { load };
}
