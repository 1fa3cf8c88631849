// Images in chat, shared by the buyer widget and the agent workspace: picking a file (button, drag and
// drop, paste), checking it before upload, uploading it, thumbnails in the log and a viewer on click.
//
// The server checks everything again (type by decoding, 10 MB, pixel count); the checks here only save
// the buyer a useless upload. The widget cannot put its visitor token on an <img src>, so it installs a
// loader (setImageLoader) that fetches with the token and shows a blob: URL; the workspace's cookie just works.

import { api, h, t } from './dom.js';

export const ACCEPT = 'image/jpeg,image/png,image/webp,image/gif';
export const MAX_BYTES = 10 * 1024 * 1024;
export const IMAGE_PLACEHOLDER = '[图片]'; // an image message's stored text
const THUMB_BOX = 200; // CSS pixels

/** Why this file cannot be sent, or null when it may be. */
export function imageProblem(file) {
  if (!file || !ACCEPT.split(',').includes(file.type)) return t('media_err_type');
  if (file.size > MAX_BYTES) return t('media_err_size');
  if (file.size === 0) return t('media_err_type');
  return null;
}

/** The text to show under an image: nothing for the placeholder. */
export function caption(m) {
  return m.text && m.text !== IMAGE_PLACEHOLDER ? m.text : '';
}

/** A conversation preview in the page's language ("[图片]" reads "[Image]" in English). */
export function previewText(text) {
  return text === IMAGE_PLACEHOLDER ? t('media_preview') : text;
}

function imageFiles(list) {
  return [...(list || [])].filter((f) => f && f.kind !== 'string').map((f) => (f.getAsFile ? f.getAsFile() : f))
    .filter((f) => f && (f.type || '').startsWith('image/'));
}

/**
 * Wire the three ways in: a button opening a file picker, dropping files on `dropZone`, pasting into
 * `pasteTarget`. `onFile(file)` gets each image; `onReject(text)` hears about non-images dropped.
 */
export function wireImageInput({ button, dropZone, pasteTarget, onFile, onReject }) {
  const input = h('input', { type: 'file', accept: ACCEPT, multiple: true, hidden: true, class: 'media-input' });
  button.after(input);
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    for (const f of input.files) onFile(f);
    input.value = '';
  });
  let depth = 0;
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  // A file dropped beside the drop zone must not make the browser leave the page to show it.
  for (const type of ['dragover', 'drop']) {
    window.addEventListener(type, (e) => {
      if (hasFiles(e) && !dropZone.contains(e.target)) e.preventDefault();
    });
  }
  dropZone.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth += 1;
    dropZone.classList.add('is-dropping');
  });
  dropZone.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  dropZone.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) dropZone.classList.remove('is-dropping');
  });
  dropZone.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    dropZone.classList.remove('is-dropping');
    const files = [...e.dataTransfer.files];
    const images = imageFiles(files);
    if (images.length < files.length && onReject) onReject(t('media_err_type'));
    for (const f of images) onFile(f);
  });
  pasteTarget.addEventListener('paste', (e) => {
    const images = imageFiles(e.clipboardData?.items);
    if (!images.length) return; // plain text pastes as usual
    e.preventDefault();
    for (const f of images) onFile(f);
  });
}

/** POST one image as multipart (field "file"); resolves to the attachment, throws ApiError like api(). */
export async function uploadImage(url, file, headers = {}) {
  const form = new FormData();
  form.append('file', file, file.name || 'image');
  return (await api('POST', url, form, headers)).attachment;
}

// ---- showing images ---------------------------------------------------------------------------------

let loader = async (url) => url;

/** How an attachment URL becomes an <img> src (the widget fetches with its token into a blob: URL). */
export function setImageLoader(fn) {
  loader = fn;
}

/** A loader fetching with the buyer's visitor token: each image once, shown as a blob: URL. */
export function tokenLoader(token) {
  const blobs = new Map();
  return (url) => {
    if (!blobs.has(url)) {
      blobs.set(url, fetch(url, { headers: { 'X-Visitor-Token': token() } }).then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.blob();
      }).then((b) => URL.createObjectURL(b)).catch((e) => {
        blobs.delete(url); // a later render tries again
        throw e;
      }));
    }
    return blobs.get(url);
  };
}

function loadInto(img, url) {
  img.classList.add('is-loading');
  loader(url).then((src) => {
    img.src = src;
  }).catch(() => {
    img.classList.add('is-broken');
    img.alt = t('media_load_failed');
  });
  img.addEventListener('load', () => img.classList.remove('is-loading'), { once: true });
}

/** The size a thumbnail is shown at (fits THUMB_BOX, keeps the aspect), so the log never jumps. */
function shownSize(att) {
  const w = att.width || THUMB_BOX;
  const hgt = att.height || THUMB_BOX;
  const scale = Math.min(1, THUMB_BOX / Math.max(w, hgt));
  return [Math.max(24, Math.round(w * scale)), Math.max(24, Math.round(hgt * scale))];
}

/**
 * A clickable thumbnail for a message: `m.attachment` once stored, or `m.localUrl` (the picked file)
 * while it is uploading. `original` adds a link to the full image in the viewer (the workspace).
 */
export function imageThumb(m, { original = false } = {}) {
  const att = m.attachment;
  const img = h('img', { class: 'media-img', alt: t('media_image'), draggable: 'false' });
  const [w, hgt] = att ? shownSize(att) : [THUMB_BOX, THUMB_BOX];
  if (att) {
    img.width = w;
    img.height = hgt;
    loadInto(img, att.thumb_url);
  } else if (m.localUrl) {
    img.src = m.localUrl;
    img.classList.add('is-local');
  }
  const open = () => openViewer(att ? { url: att.url, original } : { local: m.localUrl });
  return h('button', { type: 'button', class: 'media-thumb', title: t('media_open'), onclick: open }, img);
}

let viewer = null;

/** A full-size view over the page; Esc, the × or a click outside the picture closes it. */
export function openViewer({ url, local, original }) {
  closeViewer();
  const back = document.activeElement;
  const img = h('img', { class: 'media-full', alt: t('media_image') });
  const close = h('button', { type: 'button', class: 'media-close', title: t('media_close'),
    'aria-label': t('media_close'), text: '×' });
  const bar = h('div', { class: 'media-bar' },
    original && url ? h('a', { class: 'media-original', href: url, target: '_blank', rel: 'noopener',
      text: t('media_original') }) : null, close);
  const box = h('div', { class: 'media-viewer', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('media_viewer') },
    bar, h('div', { class: 'media-stage' }, img));
  if (url) loadInto(img, url);
  else img.src = local;
  const onKey = (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      closeViewer();
    } else if (e.key === 'Tab') { // focus stays in the viewer while it is open
      const stops = [...box.querySelectorAll('a, button')];
      const at = stops.indexOf(document.activeElement);
      e.preventDefault();
      stops[(at + (e.shiftKey ? stops.length - 1 : 1)) % stops.length].focus();
    }
  };
  box.addEventListener('click', (e) => {
    if (e.target === box || e.target.classList.contains('media-stage')) closeViewer();
  });
  close.addEventListener('click', closeViewer);
  document.addEventListener('keydown', onKey, true);
  document.body.append(box);
  viewer = { box, onKey, back };
  close.focus();
}

export function closeViewer() {
  if (!viewer) return;
  viewer.box.remove();
  document.removeEventListener('keydown', viewer.onKey, true);
  if (viewer.back && viewer.back.focus) viewer.back.focus();
  viewer = null;
}
