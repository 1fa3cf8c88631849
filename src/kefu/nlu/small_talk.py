"""Small talk: buyer lines that carry no request (greetings, "在吗", thanks, "好的", sign-offs).

One pure function shared by everything that reads what a buyer wants: the conversation's intent, the
handoff summary's 诉求, the workspace's knowledge suggestions and the FAQ bot.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_MASKED_TOKEN = re.compile(r"\[[\u4e00-\u9fa5]{2,3}x\]")  # "[订单x]", "[数字x]": masked data, not small talk


def _words(text: str) -> tuple[str, ...]:
    """Words of a list written one after another; "_" stands for a space inside an English phrase."""
    return tuple(w.replace("_", " ") for w in text.split())


# Lines that carry no request: greetings, "are you there", thanks, acknowledgements and sign-offs, alone or
# strung together ("你好在吗", "好的谢谢", "没有了谢谢亲"). The conversation's intent, the handoff summary's 诉求,
# the knowledge panel and the FAQ bot all look past them (small_talk()).
_SMALL_TALK_WORDS = {
    "greeting": _words("""
        你好呀 你好啊 你好 您好 哈喽 哈罗 嗨 hi hello hey nihao 早上好 上午好 中午好 下午好 晚上好 早安 晚安
        早 在吗 在么 在嘛 在不在 在不 在的吗 有人吗 有人么 有人在吗 客服在吗 客服 掌柜 老板 店家 亲爱的 亲亲
        亲 喂 请问 打扰了 打扰一下 good_morning good_afternoon good_evening anyone_there
        are_you_there is_anyone_there hi_there hello_there 在 你哈 小妹 小哥哥 小姐姐 美女 帅哥
    """),
    "thanks": _words("""
        非常感谢 太感谢了 感谢 谢谢你们 谢谢您 谢谢你 谢谢啦 谢谢你了 谢谢了 谢谢 谢了 多谢 3q 辛苦了 辛苦啦 辛苦
        麻烦了 麻烦你了 麻烦您了 thank_you_very_much thank_you thanks_a_lot thanks thx ty
    """),
    "ack": _words("""
        好的呢 好的吧 好的 好滴 好哒 好吧 好嘞 好啊 好呀 好 嗯嗯 嗯呢 嗯 恩恩 恩 哦哦 哦 噢 喔 ok okay
        okk 行吧 行 可以 知道了 明白了 明白 了解了 了解 清楚了 懂了 收到 是的 对的 对 没事了 没事 没有了
        没有 没了 没问题了 没问题 没别的了 没其他的了 没其他问题了 就这些 就这样 不用了 暂时没有了 暂时没有
        那就这样 拜拜 再见 byebye bye see_you got_it no_more nothing_else that's_all that_is_all
        all_good sure yes no great cool nice 是啊 是呀 是 可以了 可以的 已经可以了 好了 不需要了 不需要
        不用啦 不用 那好吧 奥 等等 稍等一下 稍等
    """),
}
_SMALL_TALK_KIND = {w: kind for kind, words in _SMALL_TALK_WORDS.items() for w in words}
_SMALL_TALK_RE = re.compile("|".join(re.escape(w) for w in sorted(_SMALL_TALK_KIND, key=len, reverse=True)))
_SMALL_TALK_FILLER = re.compile(r"\[[^\]\d]{1,8}\]|[\s\W_]+|[啊呀哈呢啦吧嘛哟噢哦~]+$", re.UNICODE)
SMALL_TALK_MAX = 24  # longer lines are treated as carrying a request


def small_talk(text: str | None) -> str | None:
    """"greeting", "thanks" or "ack" when a buyer line is only small talk (the kind of its first word), else None.

    Punctuation, emoji and stickers ("[微笑]") alone count as an acknowledgement; a request for a human
    ("转人工") or anything with a number or a product is never small talk.
    """
    text = text if isinstance(text, str) else ""
    if len(text) > SMALL_TALK_MAX * 4:
        return None
    t = unicodedata.normalize("NFKC", text).lower().strip()
    if len(t) > SMALL_TALK_MAX * 2 or _MASKED_TOKEN.search(text):
        return None
    t = _SMALL_TALK_FILLER.sub(" ", t).strip()
    if len(t.replace(" ", "")) > SMALL_TALK_MAX:
        return None
    if not t:
        return "ack"
    kinds: list[str] = []
    pos = 0
    compact = t.replace(" ", "")
    # English words keep their spaces ("thank you"); Chinese is matched on the compact string.
    for source in (t, compact):
        kinds, pos = [], 0
        while pos < len(source):
            if source[pos] == " ":
                pos += 1
                continue
            m = _SMALL_TALK_RE.match(source, pos)
            if m is None or (m.group(0).isascii() and m.end() < len(source) and source[m.end()].isalnum()
                             and source[m.end()].isascii()):
                break
            kinds.append(_SMALL_TALK_KIND[m.group(0)])
            pos = m.end()
        if pos >= len(source) and kinds:
            return kinds[0]
    return None


def is_small_talk(text: str | None) -> bool:
    """Whether a buyer line is only a greeting, thanks, an acknowledgement or a sign-off (see small_talk())."""
    return small_talk(text) is not None


def substantive(lines: Iterable[str]) -> list[str]:
    """The buyer lines that carry a request, in their order (small talk dropped)."""
    return [line for line in lines if isinstance(line, str) and line.strip() and not is_small_talk(line)]
