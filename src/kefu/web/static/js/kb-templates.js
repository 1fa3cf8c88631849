// Reply templates (/kb/templates): list by scene, edit scene / title / shortcut / body with variables.

import { $, $$, api, errorText, h, t, toast } from './dom.js';

const els = {
  q: $('#tpl-q'), sceneFilter: $('#tpl-scene-filter'), items: $('#tpl-items'), count: $('#tpl-count'),
  form: $('#tpl-editor'), heading: $('#tpl-heading'), error: $('#tpl-error'), scene: $('#tpl-scene'),
  shortcut: $('#tpl-shortcut'), title: $('#tpl-title'), body: $('#tpl-body'), save: $('#tpl-save'),
  del: $('#tpl-delete'),
};
let all = [];
let current = null;

function render() {
  const q = els.q.value.trim().toLowerCase();
  const scene = els.sceneFilter.value;
  const rows = all.filter((x) => (!scene || x.scene === scene)
    && (!q || `${x.title} ${x.shortcut} ${x.body}`.toLowerCase().includes(q)));
  els.count.textContent = t('tpl_count', { n: rows.length });
  els.items.replaceChildren(...rows.map((x) => h('li', {}, h('button', {
    type: 'button', class: `kb-item${current && current.id === x.id ? ' is-active' : ''}`, dataset: { id: x.id },
    onclick: () => edit(x),
  }, h('span', { class: 'kb-item-title' }, h('code', { class: 'tpl-shortcut', text: `/${x.shortcut}` }), ' ',
    h('span', { text: x.title })),
  h('span', { class: 'kb-item-meta' }, h('span', { class: 'chip chip--intent', text: t(`scene_${x.scene}`) }),
    h('span', { class: 'muted kb-item-body', text: x.body }))))));
  if (!rows.length) els.items.append(h('li', { class: 'kb-none muted', text: t('kb_none') }));
}

async function load() {
  try {
    all = (await api('GET', '/api/kb/templates')).templates;
  } catch (e) {
    toast(errorText(e), 'error');
    return;
  }
  render();
}

function edit(x) {
  current = x;
  els.error.hidden = true;
  els.heading.textContent = x ? t('tpl_edit', { title: x.title }) : t('tpl_new');
  els.scene.value = x ? x.scene : 'greeting';
  els.shortcut.value = x ? x.shortcut : '';
  els.title.value = x ? x.title : '';
  els.body.value = x ? x.body : '';
  els.del.hidden = !x;
  for (const b of $$('.kb-item')) b.classList.toggle('is-active', Boolean(x) && Number(b.dataset.id) === x.id);
}

els.form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = { scene: els.scene.value, shortcut: els.shortcut.value.trim().replace(/^\//, ''),
    title: els.title.value.trim(), body: els.body.value };
  els.save.disabled = true;
  try {
    const r = current ? await api('PUT', `/api/kb/templates/${current.id}`, body)
      : await api('POST', '/api/kb/templates', body);
    toast(t('kb_saved'));
    await load();
    edit(all.find((x) => x.id === r.template.id) || r.template);
  } catch (err) {
    els.error.hidden = false;
    els.error.textContent = errorText(err);
  } finally {
    els.save.disabled = false;
  }
});
els.del.addEventListener('click', async () => {
  if (!current || !window.confirm(t('tpl_delete_confirm'))) return;
  try {
    await api('DELETE', `/api/kb/templates/${current.id}`);
    edit(null);
    load();
  } catch (err) {
    toast(errorText(err), 'error');
  }
});
for (const b of $$('[data-var]')) {
  b.addEventListener('click', () => {
    const v = `{${b.dataset.var}}`;
    const { selectionStart: s, selectionEnd: end, value } = els.body;
    els.body.value = value.slice(0, s) + v + value.slice(end);
    els.body.focus();
    els.body.setSelectionRange(s + v.length, s + v.length);
  });
}
els.q.addEventListener('input', render);
els.sceneFilter.addEventListener('change', render);
$('#tpl-new').addEventListener('click', () => edit(null));
edit(null);
load();
