// The workspace's reply box: replies and private notes, drafts, typing, retries, images.
// workspace.js owns the state; this module reads it through the accessors it is given.
// An image (picked, dropped on the chat or pasted into the reply box) is sent at once: uploaded to
// /api/attachments, then posted as a message (or a private note) with its attachment_id.

import { $, api, errorText, onEnterSend, t, toast, uuid } from './dom.js';
import { imageProblem, uploadImage, wireImageInput } from './media.js';
import { holdForFields } from './template-fields.js';

const MAX_CHARS = 5000;
const TYPING_EVERY_MS = 2500;

/**
 * @param {object} w  the workspace: els, me, session, convs, current(), tab(), socket(), selectTab,
 *                    applyResponse, renderLog, renderSide, renderList, toLogin
 * @returns {{updateComposer: () => void, retry: (m: object) => void}}
 */
/** Whether this agent may answer (and close) the chat: its own, a waiting one, or any as senior or supervisor
 * (kefu.conversations.rules.check_may_answer). */
export function mayAnswer(conv, me) {
  return conv.status !== 'assigned' || conv.assignee_id === me.id || OVERSEE.has(me.role);
}
const OVERSEE = new Set(['senior', 'supervisor', 'admin']);

export function initComposer(w) {
  const { els, me, session } = w;
  let lastTypingSent = 0;

  function updateComposer() {
    const current = w.current();
    if (!current || !current.conv) return;
    const isNote = els.note.checked;
    const closed = current.conv.status === 'closed';
    const colleagues = !mayAnswer(current.conv, me); // a colleague serves it: private notes only
    const len = els.reply.value.length;
    els.form.classList.toggle('is-note', isNote);
    els.reply.placeholder = isNote ? t('note_placeholder') : t('reply_placeholder');
    els.counter.textContent = `${len}/${MAX_CHARS}`;
    els.counter.classList.toggle('is-over', len > MAX_CHARS);
    const blocked = (closed || colleagues) && !isNote;
    els.hint.textContent = !blocked ? t('enter_hint') : closed ? t('closed_hint') : t('colleague_hint');
    els.hint.classList.toggle('is-warning', blocked);
    els.send.textContent = isNote ? t('add_note') : t('send');
    els.send.disabled = !els.reply.value.trim() || len > MAX_CHARS || blocked;
  }

  async function deliver(m, convId, attempt = 0) {
    const started = Date.now();
    const wasWaiting = w.convs.get(convId)?.status === 'waiting';
    try {
      if (m.file && !m.attachment_id) m.attachment_id = (await uploadImage('/api/attachments', m.file)).id;
      const r = await api('POST', `/api/conversations/${convId}/messages`,
        { text: m.text, private: m.private, client_msg_id: m.client_msg_id, attachment_id: m.attachment_id });
      w.applyResponse(r.conversation, started);
      // Replying to a waiting buyer takes the conversation: follow it to 我的.
      if (wasWaiting && r.conversation.assignee_id === me.id && w.tab() === 'waiting') w.selectTab('mine');
      const current = w.current();
      if (current && current.id === convId) {
        current.pending.delete(m.client_msg_id);
        current.messages.set(r.message.id, r.message);
        w.renderLog(true);
        w.renderSide();
      }
      w.renderList();
    } catch (e) {
      if (e.status === 401) return w.toLogin();
      if (e.retryable && attempt < 5) {
        setTimeout(() => deliver(m, convId, attempt + 1), 1000 * 2 ** attempt);
        return;
      }
      m.pending = false;
      m.failed = errorText(e);
      if (w.current() && w.current().id === convId) w.renderLog();
    }
  }

  function retry(m) {
    m.failed = null;
    m.pending = true;
    w.renderLog();
    deliver(m, w.current().id);
  }

  function send(current, text, extra) {
    const cid = uuid();
    const m = {
      id: `local-${cid}`, client_msg_id: cid, sender: 'agent', agent_id: me.id, agent_name: me.name, text,
      private: els.note.checked, created_at: new Date().toISOString(), pending: true, conversation_id: current.id,
      ...extra,
    };
    current.pending.set(cid, m);
    w.renderLog(true);
    deliver(m, current.id);
  }

  function submit() {
    const current = w.current();
    if (!current || els.send.disabled) return;
    if (!els.note.checked && holdForFields(els.reply)) return; // a template's {field} is still unfilled
    send(current, els.reply.value.trim());
    els.reply.value = '';
    session.remove(`kefu.draft.${current.id}`);
    updateComposer();
  }

  function sendImage(file) {
    const current = w.current();
    if (!current || !current.conv) return;
    const problem = imageProblem(file);
    if (problem || (current.conv.status === 'closed' && !els.note.checked)) {
      toast(problem || t('closed_hint'), 'error');
      return;
    }
    send(current, '', { file, localUrl: URL.createObjectURL(file) });
  }

  els.form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  onEnterSend(els.reply, submit);
  els.note.addEventListener('change', () => {
    updateComposer();
    els.reply.focus();
  });
  els.reply.addEventListener('input', () => {
    updateComposer();
    const current = w.current();
    if (!current) return;
    session.set(`kefu.draft.${current.id}`, els.reply.value);
    const now = Date.now();
    const rt = w.socket();
    if (!els.note.checked && els.reply.value.trim() && now - lastTypingSent > TYPING_EVERY_MS
        && current.conv && current.conv.status !== 'closed') {
      if (rt && rt.send({ type: 'typing', conversation_id: current.id })) lastTypingSent = now;
    }
  });
  wireImageInput({
    button: $('#reply-image'), dropZone: els.chat, pasteTarget: els.reply, onFile: sendImage,
    onReject: (text) => toast(text, 'error'),
  });

  return { updateComposer, retry };
}
