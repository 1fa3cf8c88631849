// Shared helpers for kefu's pages: strings, element building, JSON API calls, time formatting.
// User text only ever enters the page through textContent / text nodes, never as markup.

const body = document.body;
export const lang = body.dataset.lang === 'en' ? 'en' : 'zh';
const locale = lang === 'en' ? 'en-US' : 'zh-CN';

let strings = {};
try {
  strings = JSON.parse(body.dataset.strings || '{}');
} catch {
  strings = {};
}

/** The UI string for key, with {name} placeholders filled from vars. */
export function t(key, vars) {
  let s = strings[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/** The UI string for key, or ``fallback`` when there is none (e.g. a shop's own ticket type). */
export const tOr = (key, fallback) => (key in strings ? t(key) : fallback);

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** Build an element. props: class, text, dataset, on<event>, other attributes. Children: nodes or text. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A random id for client_msg_id; crypto.randomUUID needs a secure context, so fall back. */
export function uuid() {
  if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((n) => n.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export class ApiError extends Error {
  constructor(status, data) {
    const err = (data && data.error) || {};
    super(err.en || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || (status ? `http_${status}` : 'network');
    this.zh = err.zh;
    this.en = err.en;
  }

  get retryable() {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

/** The message of an API error or error frame in the page's language. */
export function errorText(e) {
  if (e && (e.zh || e.en)) return lang === 'en' ? e.en || e.zh : e.zh || e.en;
  if (e && e.status === 0) return t('err_network');
  return t('err_generic');
}

export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)kefu_csrf=([^;]+)/);
  if (m) return decodeURIComponent(m[1]);
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

/**
 * fetch() a JSON endpoint. Sends the CSRF header on writes; `data` goes as JSON, or as multipart when it is
 * a FormData (an upload). Throws ApiError (status 0 = network).
 */
export async function api(method, url, data, headers = {}) {
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (method !== 'GET') opts.headers['X-CSRF-Token'] = csrfToken();
  if (data instanceof FormData) {
    opts.body = data; // the browser sets the multipart Content-Type with its boundary
  } else if (data !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(data);
  }
  let res;
  try {
    res = await fetch(url, opts);
  } catch {
    throw new ApiError(0, null);
  }
  let out = null;
  try {
    out = await res.json();
  } catch {
    out = null;
  }
  if (!res.ok) throw new ApiError(res.status, out);
  return out;
}

export function wsUrl(path) {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
}

/** Parse an API timestamp; a string without a zone is UTC (SQLite drops the offset). */
export function parseTime(iso) {
  if (!iso) return NaN;
  const s = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`;
  return Date.parse(s);
}

export function secondsSince(iso) {
  const ms = parseTime(iso);
  return Number.isNaN(ms) ? 0 : Math.max(0, (Date.now() - ms) / 1000);
}

const hm = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
const md = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' });
const ymd = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric' });

/** 14:05 today, "1月3日 14:05" on another day. */
export function clock(iso) {
  const ms = parseTime(iso);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today ? hm.format(d) : `${md.format(d)} ${hm.format(d)}`;
}

export function dayLabel(iso) {
  const ms = parseTime(iso);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms);
  if (new Date().toDateString() === d.toDateString()) return t('today');
  return ymd.format(d);
}

export function dateOnly(iso) {
  const ms = parseTime(iso);
  return Number.isNaN(ms) ? '' : ymd.format(new Date(ms));
}

/** 45秒 / 3分12秒 / 2小时5分 / 3天4小时 */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return t('dur_s', { s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('dur_ms', { m, s: s % 60 });
  const hours = Math.floor(m / 60);
  if (hours < 24) return t('dur_hm', { h: hours, m: m % 60 });
  return t('dur_dh', { d: Math.floor(hours / 24), h: hours % 24 });
}

let toastBox = null;

/** A short notice in the corner (errors from actions, confirmations). */
export function toast(text, kind = 'info') {
  if (!toastBox) {
    toastBox = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(toastBox);
  }
  const el = h('div', { class: `toast toast--${kind}`, text });
  toastBox.append(el);
  setTimeout(() => el.classList.add('is-leaving'), 3800);
  setTimeout(() => el.remove(), 4200);
}

export function storage(kind = 'local') {
  let store = null;
  try {
    store = kind === 'session' ? window.sessionStorage : window.localStorage;
  } catch {
    store = null;
  }
  return {
    get(key) {
      try {
        return store ? store.getItem(key) : null;
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        if (store) store.setItem(key, value);
      } catch {
        /* storage full or blocked: the widget still works for this page view */
      }
    },
    remove(key) {
      try {
        if (store) store.removeItem(key);
      } catch {
        /* ignore */
      }
    },
  };
}

export function initials(name) {
  const s = (name || '?').trim();
  return s ? Array.from(s)[0].toUpperCase() : '?';
}

/** Enter sends, Shift+Enter is a newline; Enter that confirms an IME composition (拼音) does neither. */
export function onEnterSend(textarea, send) {
  textarea.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    send();
  });
}
