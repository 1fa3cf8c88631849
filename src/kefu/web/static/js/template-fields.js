// Reply-template fields ({订单号}, {快递单号} …) still unfilled in the reply box. A reply with one never goes
// to the buyer: holdForFields() is what the composer asks before sending; it names the fields under the box
// and selects the first one, so typing replaces it. Tab moves to the next field.

import { $, t } from './dom.js';

// The same names the server fills (kefu.knowledge.rules._VAR).
const FIELD = /\{([\u4e00-\u9fffA-Za-z_]{1,12})\}/g;

/** @returns {{name: string, start: number, end: number}[]} the unfilled fields of text, in order */
export function unfilledFields(text) {
  return [...(text || '').matchAll(FIELD)].map((m) => ({ name: m[1], start: m.index, end: m.index + m[0].length }));
}

function notice() {
  return $('#tpl-missing');
}

/** Name the fields still unfilled under the reply box (nothing when all are filled). */
export function showUnfilled(fields) {
  const el = notice();
  if (!el) return;
  el.hidden = !fields.length;
  el.classList.toggle('is-blocking', fields.length > 0);
  el.textContent = fields.length
    ? t('tpl_unfilled', { vars: [...new Set(fields.map((f) => `{${f.name}}`))].join(' ') }) : '';
}

/** Select a field of the reply box: the first one at or after `from` (wrapping round). */
export function selectField(reply, from = 0) {
  const fields = unfilledFields(reply.value);
  if (!fields.length) return false;
  const f = fields.find((x) => x.start >= from) || fields[0];
  reply.focus();
  reply.setSelectionRange(f.start, f.end);
  return true;
}

/** Called before a reply is sent: true (and the first field selected, the fields named) when it must wait. */
export function holdForFields(reply) {
  const fields = unfilledFields(reply.value);
  if (!fields.length) return false;
  showUnfilled(fields);
  selectField(reply, 0);
  return true;
}

/** Keep the notice in step while the agent fills fields in; Tab jumps to the next unfilled field. */
export function watchFields(reply) {
  reply.addEventListener('input', () => {
    const el = notice();
    if (el && el.classList.contains('is-blocking')) showUnfilled(unfilledFields(reply.value));
  });
  reply.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab' || e.shiftKey || e.defaultPrevented || !unfilledFields(reply.value).length) return;
    e.preventDefault();
    const after = reply.selectionStart === reply.selectionEnd ? reply.selectionStart : reply.selectionEnd;
    selectField(reply, after);
  });
}
