"""The FAQ bot's decisions (pure): hand off, answer, take up a clarifying question's option, clarify, or
just greet back. ``bot.py`` runs them on a conversation; the lines are in ``bot_text.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kefu.knowledge.bot_text import BOT_TEXT
from kefu.knowledge.rules import ANSWER_AT, MARGIN_AT, SUGGEST_AT
from kefu.nlu import rules as nlu

MAX_LOW_TURNS = 2  # the second weak (low-confidence) message in a row goes to a human
CLARIFY_OPTIONS = 3
_PICK = {"1": 0, "一": 0, "2": 1, "二": 1, "两": 1, "3": 2, "三": 2}
_PICK_RE = re.compile(r"^\s*(?:选|要|是)?\s*(?:第\s*)?([123一二两三])\s*(?:个|条|项)?\s*[.。、)）]?\s*"
                      r"(?:吧|呢|啊|呀|的)?\s*[.。!！]?\s*$")
# A follow-up to a clarifying question asks one of the offered articles when its score (the matcher's
# confidence for that article + FOLLOW_UP_OVERLAP × the share of the follow-up's terms found in the article's
# questions) reaches FOLLOW_UP_AT and leads the next offered article by FOLLOW_UP_LEAD. Chosen on the demo KB:
# "为何发票开的是300元?" after 发票金额为什么和付款不一样 scores 0.87 against 0.70 for the next option; a new
# topic ("快递几天能到") scores under 0.2 and a bare "怎么开" 0.59.
FOLLOW_UP_AT = 0.6
FOLLOW_UP_LEAD = 0.05
FOLLOW_UP_OVERLAP = 0.25
# What a number in a follow-up is about, for matching it to the offered titles ("开的是300元" is about 金额).
_ENTITY_WORDS = {"amounts": "金额", "order_numbers": "订单", "tracking_numbers": "物流", "dates": "时间"}


@dataclass
class Candidate:
    article_id: int
    title: str
    confidence: float
    answer_text: str = ""
    margin: float = 1.0  # ranking-score lead over the next candidate (set on the first one)


@dataclass
class BotDecision:
    action: str  # greet | answer | clarify | handoff
    # confident | picked | follow_up | unsure | no_match | asked_for_human | angry | low_confidence | greeting
    # | small_talk
    reason: str
    text: str
    article_id: int | None = None
    confidence: float = 0.0
    options: list[dict] = field(default_factory=list)
    low_streak: int = 0

    def to_dict(self) -> dict:
        return {"action": self.action, "reason": self.reason, "text": self.text, "article_id": self.article_id,
                "confidence": round(self.confidence, 4), "options": self.options, "low_streak": self.low_streak}


def bot_text(lang: str) -> dict[str, str]:
    """The bot's lines in the widget's language (bot_text.py); anything but "en" is Chinese, the default."""
    return BOT_TEXT.get(lang) or BOT_TEXT["zh"]


def bot_greeting(shop_name: str, lang: str = "zh") -> BotDecision:
    text = bot_text(lang)
    return BotDecision("greet", "greeting", text["greet"].format(shop=shop_name or text["shop"]))


def pick_option(text: str, options: list[dict]) -> dict | None:
    """The option a buyer chose after a clarifying question: '2', '第二个', '选1吧', or an option's exact title."""
    if not options:
        return None
    m = _PICK_RE.match(nlu.fold_width(text or ""))
    if m and _PICK[m.group(1)] < len(options):
        return options[_PICK[m.group(1)]]
    t = (text or "").strip()
    return next((o for o in options if o.get("title") == t), None)


def follow_up_query(text: str) -> str:
    """The follow-up as matched against the offered articles: its text plus what its numbers are about."""
    ents = nlu.extract_entities(text or "")
    words = [w for kind, w in _ENTITY_WORDS.items() if ents.get(kind)]
    return " ".join([text or "", *words]).strip()


def follow_up_option(options: list[dict]) -> dict | None:
    """The offered option a follow-up asks by meaning or wording. Each option carries ``match`` (the matcher's
    confidence for the follow-up) and ``overlap`` (share of the follow-up's terms in its questions), as
    bot.py computes them with index.option_scores(follow_up_query(text), …)."""
    scored = sorted(((o.get("match", 0.0) + FOLLOW_UP_OVERLAP * o.get("overlap", 0.0), i) for i, o in
                     enumerate(options)), reverse=True)
    if not scored or scored[0][0] < FOLLOW_UP_AT:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < FOLLOW_UP_LEAD:
        return None
    return options[scored[0][1]]


def bot_decide(text: str, candidates: list[Candidate], *, low_streak: int = 0, wants_human: bool | None = None,
               emotion: str | None = None, abusive: bool | None = None, small_talk: str | None = "",
               pending_options: list[dict] | None = None, answer_at: float = ANSWER_AT,
               margin_at: float = MARGIN_AT, lang: str = "zh") -> BotDecision:
    """What the bot does with one buyer message. `candidates` are the matcher's best articles (highest
    confidence first); `wants_human`/`emotion`/`abusive`/`small_talk` come from kefu.nlu.analyze() when the
    caller has it, else the lexicons decide ("" for small_talk: not known); `pending_options` are the options
    of the bot's last clarifying question, with their follow_up_option() scores when the caller has them;
    `lang` is the language of the bot's own lines (articles' answers are sent as written)."""
    say = bot_text(lang)
    if wants_human is None:
        wants_human = bool(nlu.HUMAN.search(nlu.normalize(text or ""))) and not nlu.HUMAN_NEG.search(text or "")
    if abusive is None:
        abusive = bool(nlu.abusive_terms(text or ""))
    if small_talk == "":
        small_talk = nlu.small_talk(text)
    if wants_human:
        return BotDecision("handoff", "asked_for_human", say["asked_for_human"], low_streak=low_streak)
    if emotion == "angry" or abusive:
        return BotDecision("handoff", "angry", say["angry"], low_streak=low_streak)
    chosen = pick_option(text, pending_options or [])
    if chosen is not None:
        return BotDecision("answer", "picked", chosen.get("answer_text", ""), article_id=chosen["article_id"],
                           confidence=1.0)
    if small_talk:  # "你好", "谢谢", "好的": a short line back, never articles, and no step towards a handoff
        line = say["small_talk_greeting"] if small_talk == "greeting" else say["small_talk_thanks"]
        return BotDecision("greet", "small_talk", line, low_streak=low_streak)
    top = candidates[0] if candidates else None
    if top is not None and top.confidence >= answer_at and top.margin >= margin_at:
        return BotDecision("answer", "confident", top.answer_text, article_id=top.article_id,
                           confidence=top.confidence)
    followed = follow_up_option(pending_options or [])
    if followed is not None:
        return BotDecision("answer", "follow_up", followed.get("answer_text", ""), article_id=followed["article_id"],
                           confidence=followed.get("match", 0.0))
    # Strong matches too close to call ("发票怎么开": 如何申请发票 / 能开增值税专用发票吗) are a question to the
    # buyer, not a failure: only a weak reading counts towards handing off (MAX_LOW_TURNS in a row).
    ambiguous = top is not None and top.confidence >= answer_at
    streak = low_streak if ambiguous else low_streak + 1
    if streak >= MAX_LOW_TURNS:
        return BotDecision("handoff", "low_confidence", say["low_confidence"],
                           confidence=top.confidence if top else 0.0, low_streak=streak)
    options = [{"article_id": c.article_id, "title": c.title, "answer_text": c.answer_text}
               for c in candidates[:CLARIFY_OPTIONS] if c.confidence >= SUGGEST_AT]
    if not options:
        return BotDecision("clarify", "no_match", say["rephrase"], confidence=top.confidence if top else 0.0,
                           low_streak=streak)
    listing = "\n".join(f"{i}. {o['title']}" for i, o in enumerate(options, 1))
    return BotDecision("clarify", "unsure", say["clarify"].format(options=listing), options=options,
                       confidence=top.confidence if top else 0.0, low_streak=streak)
