/*
 * kefu 客服 — embed loader.
 *
 *   <script src="https://your-kefu-host/static/widget.js" data-shop="your-shop" async></script>
 *
 * Adds a floating "联系客服" button to the page; it opens the chat in an iframe served by the kefu
 * host this script came from. Optional attributes: data-lang="zh|en" (default: the page's <html lang>),
 * data-label="…" (button text), data-position="left|right". Page scripts may call
 * window.kefu.open() / .close() / .toggle().
 */
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script) {
    var found = document.querySelectorAll('script[src*="widget.js"][data-shop]');
    script = found[found.length - 1];
  }
  if (!script || window.kefu) return;
  var shop = script.getAttribute('data-shop');
  if (!shop) {
    if (window.console) console.warn('kefu widget: add data-shop="<your shop slug>" to the script tag');
    return;
  }

  var origin = new URL(script.src, location.href).origin;
  var pageLang = (script.getAttribute('data-lang') || document.documentElement.lang || 'zh').toLowerCase();
  var lang = pageLang.indexOf('en') === 0 ? 'en' : 'zh';
  var text = {
    zh: { label: '联系客服', open: '打开客服窗口', close: '关闭客服窗口', unread: '条未读消息' },
    en: { label: 'Chat with us', open: 'Open chat', close: 'Close chat', unread: 'unread messages' },
  }[lang];
  var label = script.getAttribute('data-label') || text.label;
  var side = script.getAttribute('data-position') === 'left' ? 'left' : 'right';
  var activeKey = 'kefu.active.' + shop;
  var SVG = 'http://www.w3.org/2000/svg';

  var css =
    ':host{all:initial}' +
    '*{box-sizing:border-box}' +
    '.launcher{position:fixed;bottom:24px;' + side + ':24px;z-index:2147483000;display:flex;align-items:center;' +
    'gap:8px;height:52px;padding:0 22px 0 18px;border:0;border-radius:26px;cursor:pointer;color:#fff;' +
    'background:linear-gradient(135deg,#3b7bff,#2456e6);box-shadow:0 8px 24px rgba(36,86,230,.35);' +
    'font:600 15px/1 "PingFang SC","Microsoft YaHei","Noto Sans CJK SC",system-ui,sans-serif;' +
    'transition:transform .15s ease,box-shadow .15s ease}' +
    '.launcher:hover{transform:translateY(-2px);box-shadow:0 12px 28px rgba(36,86,230,.42)}' +
    '.launcher:focus-visible{outline:3px solid #9db8ff;outline-offset:3px}' +
    '.launcher svg{width:22px;height:22px;flex:none}' +
    '.badge{position:absolute;top:-6px;' + (side === 'left' ? 'left' : 'right') + ':-4px;min-width:22px;' +
    'height:22px;padding:0 6px;border-radius:11px;background:#ff3b30;color:#fff;border:2px solid #fff;' +
    'font:700 12px/18px system-ui,sans-serif;text-align:center}' +
    '.badge[hidden]{display:none}' +
    '.panel{position:fixed;bottom:90px;' + side + ':24px;z-index:2147483001;width:380px;height:620px;' +
    'max-height:calc(100vh - 110px);border-radius:16px;overflow:hidden;background:#fff;' +
    'box-shadow:0 18px 60px rgba(15,23,42,.28);opacity:0;transform:translateY(12px) scale(.98);' +
    'pointer-events:none;transition:opacity .18s ease,transform .18s ease}' +
    '.panel.is-open{opacity:1;transform:none;pointer-events:auto}' +
    '.panel.is-hidden{display:none}' +
    'iframe{display:block;width:100%;height:100%;border:0}' +
    '@media (max-width:480px){.panel{inset:0;width:auto;height:auto;max-height:none;border-radius:0}' +
    '.launcher.is-open{display:none}}';

  function icon(open) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('fill', 'none');
    svg.setAttribute('stroke', 'currentColor');
    svg.setAttribute('stroke-width', '2');
    svg.setAttribute('stroke-linecap', 'round');
    svg.setAttribute('stroke-linejoin', 'round');
    svg.setAttribute('aria-hidden', 'true');
    var path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', open ? 'M6 6l12 12M18 6L6 18'
      : 'M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12zM8.5 12h.01M12 12h.01M15.5 12h.01');
    svg.appendChild(path);
    return svg;
  }

  var host = document.createElement('div');
  host.id = 'kefu-widget';
  var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
  // A constructed stylesheet is CSSOM, which a page's strict CSP (no 'unsafe-inline') allows; a <style> element
  // only where the browser has none.
  if ('adoptedStyleSheets' in root && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    var style = document.createElement('style');
    style.textContent = css;
    root.appendChild(style);
  }

  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'launcher';
  button.setAttribute('aria-label', text.open);
  button.setAttribute('aria-expanded', 'false');
  var buttonIcon = icon(false);
  var buttonText = document.createElement('span');
  buttonText.textContent = label;
  var badge = document.createElement('span');
  badge.className = 'badge';
  badge.hidden = true;
  button.appendChild(buttonIcon);
  button.appendChild(buttonText);
  button.appendChild(badge);

  var panel = document.createElement('div');
  panel.className = 'panel is-hidden';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', label);
  root.appendChild(panel);
  root.appendChild(button);

  var frame = null;
  var isOpen = false;
  var frameReady = false;

  function post(kind) {
    if (frame && frameReady && frame.contentWindow) frame.contentWindow.postMessage({ kefu: kind }, origin);
  }

  function ensureFrame() {
    if (frame) return;
    frame = document.createElement('iframe');
    frame.title = label;
    frame.setAttribute('allow', 'clipboard-write');
    frame.src = origin + '/widget/' + encodeURIComponent(shop) + '?lang=' + lang + '&embed=1';
    panel.appendChild(frame);
  }

  function setBadge(count) {
    var n = Math.max(0, Number(count) || 0);
    badge.hidden = isOpen || n === 0;
    badge.textContent = n > 99 ? '99+' : String(n);
    button.setAttribute('aria-label', n && !isOpen ? text.open + ' (' + n + ' ' + text.unread + ')' : text.open);
  }

  function open() {
    ensureFrame();
    isOpen = true;
    panel.classList.remove('is-hidden');
    // next frame, so the opening transition runs
    requestAnimationFrame(function () { panel.classList.add('is-open'); });
    button.classList.add('is-open');
    button.setAttribute('aria-expanded', 'true');
    button.replaceChild(icon(true), button.firstChild);
    buttonText.textContent = lang === 'en' ? 'Close' : '收起';
    setBadge(0);
    post('open');
  }

  function close() {
    isOpen = false;
    panel.classList.remove('is-open');
    setTimeout(function () { if (!isOpen) panel.classList.add('is-hidden'); }, 200);
    button.classList.remove('is-open');
    button.setAttribute('aria-expanded', 'false');
    button.replaceChild(icon(false), button.firstChild);
    buttonText.textContent = label;
    post('close');
    button.focus();
  }

  button.addEventListener('click', function () { if (isOpen) close(); else open(); });

  window.addEventListener('message', function (e) {
    if (!frame || e.origin !== origin || e.source !== frame.contentWindow) return;
    var d = e.data;
    if (!d || typeof d !== 'object') return;
    if (d.kefu === 'ready') {
      frameReady = true;
      post(isOpen ? 'open' : 'close');
    } else if (d.kefu === 'close') {
      close();
    } else if (d.kefu === 'unread') {
      setBadge(d.count);
    } else if (d.kefu === 'active') {
      try { localStorage.setItem(activeKey, '1'); } catch (err) { /* storage blocked */ }
    }
  });

  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && isOpen) close();
  });

  function mount() {
    document.body.appendChild(host);
    // A returning buyer with a conversation: load the chat hidden so replies show as a badge.
    try {
      if (localStorage.getItem(activeKey)) ensureFrame();
    } catch (err) { /* storage blocked */ }
  }

  window.kefu = { open: open, close: close, toggle: function () { if (isOpen) close(); else open(); } };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
