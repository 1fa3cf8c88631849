// The shop pages: buttons that open the embedded widget and copying the embed snippet (both pages); the demo
// product page's quantity stepper and demo-only buy buttons (only there).

import { $, $$ } from './dom.js';

const qty = $('#qty');
for (const b of qty ? $$('[data-step]') : []) {
  b.addEventListener('click', () => {
    qty.value = String(Math.min(99, Math.max(1, (Number(qty.value) || 1) + Number(b.dataset.step))));
  });
}

function demoOnly(e) {
  e.preventDefault();
  const note = $('#demo-note');
  note.hidden = false;
  clearTimeout(note.timer);
  note.timer = setTimeout(() => { note.hidden = true; }, 3000);
}
$('#buy-form')?.addEventListener('submit', demoOnly);
for (const b of $$('[data-demo]')) b.addEventListener('click', demoOnly);

for (const b of $$('[data-open-kefu]')) {
  b.addEventListener('click', () => {
    if (window.kefu) window.kefu.open();
  });
}

const copy = $('#copy-snippet');
copy.addEventListener('click', async () => {
  const text = $('#snippet').textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const range = document.createRange();
    range.selectNodeContents($('#snippet'));
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    document.execCommand('copy');
  }
  const label = copy.textContent;
  copy.textContent = copy.dataset.done;
  setTimeout(() => { copy.textContent = label; }, 1500);
});
