// The FAQ bot's messages in the buyer widget: 有帮助 / 没帮助 under an answer (rated with the bot log
// id the message carries), the options of a clarifying question as chips that send the option's
// title as the buyer's message, nothing extra on greetings and handoffs; and the 转人工 button.

import { api, errorText, h, lang, storage, t, uuid } from './dom.js';

const OPTION_LINE = /^\s*([1-3])[.、．]\s*(.+?)\s*$/;
const store = storage();

/** The bot metadata of a message: m.bot when the server sends it, else what its text shows. */
export function botInfo(m) {
  if (m.bot && typeof m.bot === 'object') return m.bot;
  const options = (m.text || '').split('\n').map((l) => OPTION_LINE.exec(l)).filter(Boolean)
    .map((x) => ({ n: Number(x[1]), title: x[2] }));
  return { action: options.length ? 'clarify' : null, options, log_id: null };
}

/**
 * Add the bot's controls to a message row.
 * @param {HTMLElement} row
 * @param {object} m  the message (sender "bot")
 * @param {{send: (text: string) => void, token: () => string|null}} o
 */
export function decorateBot(row, m, o) {
  const info = botInfo(m);
  if (info.action === 'clarify' && info.options && info.options.length) {
    const chips = h('div', { class: 'bot-options', role: 'group', 'aria-label': t('bot_options_label') });
    info.options.slice(0, 3).forEach((opt, i) => {
      const title = opt.title || '';
      chips.append(h('button', {
        type: 'button', class: 'bot-chip', dataset: { n: opt.n || i + 1 },
        onclick: () => {
          for (const b of chips.querySelectorAll('button')) b.disabled = true;
          o.send(title || String(opt.n || i + 1));
        },
      }, h('span', { class: 'bot-chip-n', text: String(opt.n || i + 1) }), h('span', { text: title })));
    });
    row.append(chips);
  }
  if (info.action === 'answer' && info.log_id) row.append(ratingBar(info.log_id, o));
}

function ratingBar(logId, o) {
  const key = `kefu.rated.${logId}`;
  const bar = h('div', { class: 'bot-rate', dataset: { log: logId } });
  const status = h('span', { class: 'bot-rate-status', role: 'status' });

  function done(helpful) {
    bar.classList.add('is-rated');
    for (const b of bar.querySelectorAll('button')) {
      b.disabled = true;
      b.classList.toggle('is-chosen', (b.dataset.helpful === 'true') === helpful);
    }
    status.textContent = t('bot_rate_thanks');
  }

  async function rate(helpful) {
    for (const b of bar.querySelectorAll('button')) b.disabled = true;
    try {
      await api('POST', `/api/kb/bot/answers/${logId}/rating`, { helpful }, { 'X-Visitor-Token': o.token() || '' });
      store.set(key, helpful ? '1' : '0');
      done(helpful);
    } catch (e) {
      for (const b of bar.querySelectorAll('button')) b.disabled = false;
      status.textContent = errorText(e);
    }
  }

  bar.append(h('span', { class: 'bot-rate-q', text: t('bot_rate_question') }),
    h('button', { type: 'button', class: 'bot-rate-btn', dataset: { helpful: 'true' }, text: t('bot_helpful'),
      onclick: () => rate(true) }),
    h('button', { type: 'button', class: 'bot-rate-btn', dataset: { helpful: 'false' }, text: t('bot_unhelpful'),
      onclick: () => rate(false) }),
    status);
  const before = store.get(key);
  if (before !== null) done(before === '1');
  return bar;
}

const HUMAN_ACK_MS = 4000;

/**
 * The 转人工 / Talk to a person button: an action, not a message of the buyer's. It sends a
 * `human_request` frame (over HTTP if the socket is down or no ack comes in time, with the same
 * client_msg_id, so the server stores it once); the server answers with a system line in the
 * window's language, shown through `o.delivered` like any acked message.
 * @param {HTMLButtonElement} btn
 * @param {{rt: () => any, token: () => string|null, delivered: Function, showError: Function,
 *   shown: (cid: string) => boolean}} o
 */
export function bindHumanButton(btn, o) {
  btn.addEventListener('click', () => {
    if (!o.token()) return;
    const cid = uuid();
    btn.disabled = true;
    setTimeout(() => { btn.disabled = false; }, HUMAN_ACK_MS);
    const overHttp = async () => {
      if (o.shown(cid)) return;
      try {
        const r = await api('POST', '/api/widget/handoff', { client_msg_id: cid, lang },
          { 'X-Visitor-Token': o.token() || '' });
        o.delivered(cid, r.message, r.conversation_id);
      } catch (e) {
        o.showError(errorText(e));
      }
    };
    const rt = o.rt();
    if (rt && rt.send({ type: 'human_request', client_msg_id: cid, lang })) setTimeout(overHttp, HUMAN_ACK_MS);
    else overHttp();
  });
}
