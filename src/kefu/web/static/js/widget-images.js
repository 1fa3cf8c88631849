// The buyer widget's images: the picture button, drop and paste, the upload before sending, and showing
// images fetched with the visitor token (an <img src> cannot send it).
//
// A picked image joins the widget's outbox like a typed message, with its file: deliver() asks upload()
// first, then sends the message with the attachment's id over the socket (or HTTP), so an image is
// persisted before its ack, deduplicated by client_msg_id and resynced like text.

import { errorText, uuid } from './dom.js';
import { imageProblem, setImageLoader, tokenLoader, uploadImage, wireImageInput } from './media.js';

/**
 * @param {object} w  the widget: els (image, panel), outbox, log, deliver(cid), markFailed(cid, text),
 *                    showError(text), token()
 */
export function initWidgetImages(w) {
  const { outbox } = w;

  /** Upload a picked image once; then deliver() sends it as a message. Retries like a message does. */
  async function upload(cid) {
    const item = outbox.get(cid);
    if (!item || item.uploading) return;
    item.uploading = true;
    try {
      item.attachment = await uploadImage('/api/widget/attachments', item.file, { 'X-Visitor-Token': w.token() });
      item.uploading = false;
      w.deliver(cid);
    } catch (e) {
      item.uploading = false;
      if (!e.retryable || e.status === 429) { // too many images: say so rather than retry quietly
        w.markFailed(cid, errorText(e));
      } else {
        item.tries += 1;
        item.timer = setTimeout(() => w.deliver(cid), Math.min(30000, 1000 * 2 ** item.tries));
      }
    }
  }

  function send(file) {
    const problem = imageProblem(file);
    w.showError(problem || '');
    if (problem) return;
    const cid = uuid();
    outbox.set(cid, { text: '', file, attachment: null, tries: 0, timer: null, inflight: false, failed: false });
    w.log.addPending(cid, '', URL.createObjectURL(file));
    w.deliver(cid);
  }

  wireImageInput({
    button: w.els.image, dropZone: w.els.panel, pasteTarget: document, onFile: send, onReject: w.showError,
  });
  setImageLoader(tokenLoader(w.token));
  return { upload, send };
}
