// The answer editor's rich text: the server's sanitized HTML is parsed off-document (DOMParser runs
// nothing) and rebuilt tag by tag from an allow-list, text through text nodes; saving serializes the
// same allow-list back, escaped. The server sanitizes again on save (nh3).

const TAGS = new Set(['p', 'br', 'b', 'strong', 'i', 'em', 'u', 's', 'ul', 'ol', 'li', 'a', 'h3', 'h4',
  'blockquote', 'code', 'pre', 'span', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr', 'div']);
const ATTRS = { a: ['href', 'title'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'] };
const VOID = new Set(['br', 'hr']);
const SAFE_URL = /^(https?:|mailto:)/i;

function allowedAttrs(tag, from, set) {
  for (const name of ATTRS[tag] || []) {
    const v = from.getAttribute(name);
    if (v == null) continue;
    if (name === 'href' && !SAFE_URL.test(v.trim())) continue;
    set(name, v);
  }
}

function copyInto(target, source) {
  for (const node of source.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      target.append(document.createTextNode(node.nodeValue));
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      const tag = node.localName;
      if (!TAGS.has(tag)) {
        if (tag !== 'script' && tag !== 'style') copyInto(target, node); // keep the words, drop the tag
        continue;
      }
      const el = document.createElement(tag);
      allowedAttrs(tag, node, (k, v) => el.setAttribute(k, v));
      copyInto(el, node);
      target.append(el);
    }
  }
}

/** Replace el's content with the allow-listed rendering of html. */
export function fillRich(el, html) {
  const doc = new DOMParser().parseFromString(`<body>${html || ''}</body>`, 'text/html');
  el.replaceChildren();
  copyInto(el, doc.body);
}

const escText = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s) => escText(s).replace(/"/g, '&quot;');

function serialize(node) {
  let out = '';
  for (const c of node.childNodes) {
    if (c.nodeType === Node.TEXT_NODE) {
      out += escText(c.nodeValue);
    } else if (c.nodeType === Node.ELEMENT_NODE) {
      let tag = c.localName;
      if (tag === 'div') tag = 'p'; // contenteditable makes a <div> per line
      if (!TAGS.has(tag)) {
        out += serialize(c);
        continue;
      }
      let attrs = '';
      allowedAttrs(tag, c, (k, v) => { attrs += ` ${k}="${escAttr(v)}"`; });
      out += VOID.has(tag) ? `<${tag}${attrs}>` : `<${tag}${attrs}>${serialize(c)}</${tag}>`;
    }
  }
  return out;
}

/** The editor's content as HTML (allow-listed, escaped). */
export function richHtml(el) {
  return serialize(el).trim();
}

/** Wire a toolbar of [data-cmd] buttons to the editable area. */
export function richToolbar(toolbar, area) {
  toolbar.addEventListener('mousedown', (e) => {
    if (e.target.closest('[data-cmd]')) e.preventDefault(); // keep the selection in the area
  });
  toolbar.addEventListener('click', (e) => {
    const b = e.target.closest('[data-cmd]');
    if (!b) return;
    area.focus();
    document.execCommand(b.dataset.cmd, false, null);
  });
  area.addEventListener('paste', (e) => { // paste as plain text: no foreign markup in answers
    e.preventDefault();
    const text = (e.clipboardData || window.clipboardData).getData('text/plain');
    document.execCommand('insertText', false, text);
  });
}

/** A fragment for a search *_html field (escaped text with <mark>): only text and <mark> survive. */
export function marked(html) {
  const doc = new DOMParser().parseFromString(`<body>${html || ''}</body>`, 'text/html');
  const frag = document.createDocumentFragment();
  const walk = (src, dst) => {
    for (const n of src.childNodes) {
      if (n.nodeType === Node.TEXT_NODE) dst.append(document.createTextNode(n.nodeValue));
      else if (n.nodeType === Node.ELEMENT_NODE && n.localName === 'mark') {
        const m = document.createElement('mark');
        walk(n, m);
        dst.append(m);
      } else if (n.nodeType === Node.ELEMENT_NODE) walk(n, dst);
    }
  };
  walk(doc.body, frag);
  return frag;
}
