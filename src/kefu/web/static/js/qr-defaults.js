// The shop's default quick replies, on /kb/templates (admins and trainers): the buttons every agent
// sees above the reply box until they pin their own. Edited with the workspace's quick-reply editor.

import { $, api, errorText, h, lang, t, toast } from './dom.js';
import { quickReplyEditor } from './quick-replies.js';

const panel = $('#qr-defaults');

async function mount() {
  let state;
  let templates;
  try {
    [state, templates] = await Promise.all([api('GET', `/api/quick-replies?lang=${lang}`),
      api('GET', '/api/kb/templates')]);
  } catch (e) {
    toast(errorText(e), 'error');
    return;
  }
  const editor = quickReplyEditor({
    items: state.defaults, templates: templates.templates,
    onSave: async (items) => {
      await api('PUT', `/api/quick-replies/defaults?lang=${lang}`, { items });
      toast(t('qr_saved'), 'ok');
      mount();
    },
  });
  panel.replaceChildren(h('h2', { text: t('qr_defaults_title') }),
    h('p', { class: 'muted small', text: t('qr_defaults_hint') }),
    h('p', { class: 'small qr-source', text: t(`qr_from_${state.defaults_source}`) }), editor);
}

if (panel) mount();
