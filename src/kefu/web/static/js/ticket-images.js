// Photos on tickets, shared by the ticket page's reply form (tickets.js) and the widget's 我的工单 reply box
// (widget-tickets.js). PhotoPicker: a photo button, paste into the text box and drop on the form; each image
// is uploaded the moment it is picked (to /api/attachments or, for the buyer, /api/widget/attachments) and
// waits as a small thumbnail (× removes it) until the note is sent with the attachments' keys. A picked image
// never reaches the widget's chat: paste and drop stop at the form. noteImages: a note's images as thumbnails
// that open the viewer. The server checks every image again (type, 10 MB, who uploaded it).

import { errorText, h, t } from './dom.js';
import { ACCEPT, imageProblem, imageThumb, uploadImage } from './media.js';

export const MAX_IMAGES = 6; // as kefu.attachments.rules.MAX_PER_NOTE

const SVG = 'http://www.w3.org/2000/svg';

function icon() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  for (const [tag, attrs] of [['rect', { x: 3, y: 4.5, width: 18, height: 15, rx: 2.5 }],
    ['circle', { cx: 8.5, cy: 9.5, r: 1.6 }], ['path', { d: 'M21 15.5l-5-5-9 9' }]]) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return svg;
}

const imagesOf = (list) => [...(list || [])].map((f) => (f.getAsFile ? f.getAsFile() : f))
  .filter((f) => f && (f.type || '').startsWith('image/'));

export class PhotoPicker {
  /**
   * @param {{url: string, headers?: () => object, label: string, onError: (text: string) => void,
   *          onChange?: () => void}} opts
   */
  constructor({ url, headers = () => ({}), label, onError, onChange = () => {} }) {
    Object.assign(this, { url, headers, onError, onChange });
    this.items = []; // {file, localUrl, key: the attachment's id once uploaded}
    this.input = h('input', { type: 'file', accept: ACCEPT, multiple: true, hidden: true, class: 'media-input' });
    this.button = h('button', { type: 'button', class: 'media-btn tp-add', title: label, 'aria-label': label,
      onclick: () => this.input.click() }, icon());
    this.strip = h('ul', { class: 'tp-strip', hidden: true });
    this.input.addEventListener('change', () => {
      this.add(this.input.files);
      this.input.value = '';
    });
  }

  /** Images pasted into ``textarea`` or dropped on ``zone`` come here, and go no further. */
  wire(textarea, zone) {
    textarea.addEventListener('paste', (e) => {
      const files = imagesOf(e.clipboardData?.items);
      if (!files.length) return; // text pastes as usual
      e.preventDefault();
      e.stopPropagation();
      this.add(files);
    });
    const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.addEventListener(type, (e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.stopPropagation();
        if (type === 'drop') {
          const files = [...e.dataTransfer.files];
          if (imagesOf(files).length < files.length) this.onError(t('media_err_type'));
          this.add(imagesOf(files));
        }
      });
    }
  }

  add(files) {
    for (const file of files) {
      if (this.items.length >= MAX_IMAGES) {
        this.onError(t('tk_photo_too_many', { n: MAX_IMAGES }));
        return;
      }
      const problem = imageProblem(file);
      if (problem) {
        this.onError(problem);
        continue;
      }
      const item = { file, localUrl: URL.createObjectURL(file), key: null };
      this.items.push(item);
      this.upload(item);
    }
    this.render();
  }

  async upload(item) {
    try {
      item.key = (await uploadImage(this.url, item.file, this.headers())).id;
    } catch (e) {
      this.onError(errorText(e));
      this.remove(item);
      return;
    }
    this.render();
  }

  remove(item) {
    URL.revokeObjectURL(item.localUrl);
    this.items = this.items.filter((x) => x !== item);
    this.render();
  }

  /** Some image is still uploading: sending now would leave it out. */
  busy() {
    return this.items.some((x) => !x.key);
  }

  keys() {
    return this.items.filter((x) => x.key).map((x) => x.key);
  }

  clear() {
    for (const x of this.items) URL.revokeObjectURL(x.localUrl);
    this.items = [];
    this.render();
  }

  render() {
    this.strip.hidden = !this.items.length;
    this.strip.replaceChildren(...this.items.map((x) => h('li', {
      class: `tp-item${x.key ? '' : ' is-uploading'}`, title: x.key ? x.file.name : t('tk_photo_uploading'),
    }, h('img', { src: x.localUrl, alt: x.file.name || t('media_image') }),
    h('button', { type: 'button', class: 'tp-remove', text: '×', title: t('tk_photo_remove'),
      'aria-label': t('tk_photo_remove'), onclick: () => this.remove(x) }))));
    this.onChange();
  }
}

/** A note's images as thumbnails opening the viewer (``original``: with a link to the full image). */
export function noteImages(list, { original = false } = {}) {
  if (!list || !list.length) return null;
  return h('div', { class: 'tp-images' }, ...list.map((a) => imageThumb({ attachment: a }, { original })));
}
