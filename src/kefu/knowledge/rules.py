"""Pure knowledge rules: sanitizing, template variables, synonyms and search terms, BM25, fusion and
calibrated confidence, highlighting, article validation, the review list and the FAQ bot's resolution stats
(its decisions are in ``bot_rules.py``).

Nothing here touches the database or loads a model; import/export row parsing is in ``porting.py``.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import nh3

from kefu.core.errors import BadInput
from kefu.knowledge.models import INTENTS, SCENES
from kefu.nlu import rules as nlu

# ---------------------------------------------------------------- sanitizing
ALLOWED_TAGS = {"p", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "a", "h3", "h4", "blockquote",
                "code", "pre", "span", "table", "thead", "tbody", "tr", "th", "td", "img", "hr"}
ALLOWED_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
                 "th": {"colspan", "rowspan"}}
_TAGLIKE = re.compile(r"<\s*[/!?a-zA-Z]")
MAX_ANSWER = 20000


def sanitize_html(raw: str) -> str:
    """Rich-text answer through an allow-list (ammonia via nh3): no script, style, event handlers or
    javascript: URLs survive; links get rel="noopener noreferrer nofollow"."""
    return nh3.clean(raw or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRS, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow", strip_comments=True).strip()


def plain_text(raw: str) -> str:
    """Text with every tag removed (script/style content dropped) and entities decoded, repeated until
    nothing tag-like is left, so the result is inert even where someone renders it as HTML."""
    text = raw or ""
    for _ in range(4):
        text = html.unescape(nh3.clean(text, tags=set(), strip_comments=True))
        if not _TAGLIKE.search(text):
            break
    else:
        text = _TAGLIKE.sub(lambda m: m.group(0).replace("<", "‹"), text)
    return re.sub(r"[ \t]+\n", "\n", re.sub(r"\n{3,}", "\n\n", text)).strip()


# ---------------------------------------------------------------- template variables
VARIABLES = ("买家称呼", "买家昵称", "订单号", "快递单号", "客服名", "店铺名", "日期")
_VAR = re.compile(r"\{([\u4e00-\u9fffA-Za-z_]{1,12})\}")


def template_variables(body: str) -> list[str]:
    return list(dict.fromkeys(_VAR.findall(body or "")))


def fill_variables(body: str, values: dict[str, str | None]) -> tuple[str, list[str]]:
    """Replace {变量} with its value; unknown or empty ones stay as typed and are listed as missing."""
    missing: list[str] = []

    def sub(m: re.Match) -> str:
        value = values.get(m.group(1))
        if value:
            return str(value)
        missing.append(m.group(1))
        return m.group(0)

    return _VAR.sub(sub, body or ""), list(dict.fromkeys(missing))


# Other names shops give the same fields in their own templates.
ALIASES = {"买家姓名": "买家昵称", "买家名字": "买家昵称", "顾客昵称": "买家昵称", "称呼": "买家称呼",
           "订单编号": "订单号", "运单号": "快递单号", "物流单号": "快递单号", "快递号": "快递单号"}


def with_aliases(values: dict[str, str | None]) -> dict[str, str | None]:
    return values | {alias: values.get(name) for alias, name in ALIASES.items() if values.get(name)}


def numbers_from_messages(rows: Iterable[tuple[str, dict | None]]) -> dict[str, str]:
    """The latest order and tracking numbers the buyer gave, from (text, stored analysis) newest first: the
    entities kefu.nlu stored with each message, or the text read again where none were stored."""
    found: dict[str, str] = {}
    for text, analysis in rows:
        stored = (analysis or {}).get("entities") or {}
        for key, field_name in (("order_numbers", "订单号"), ("tracking_numbers", "快递单号")):
            if field_name in found:
                continue
            spans = stored.get(key) or nlu.extract_entities(text or "")[key]
            if spans:
                found[field_name] = spans[-1]["text"]
        if len(found) == 2:
            break
    return found


def buyer_salutation(display_name: str | None) -> str:
    name = (display_name or "").strip()
    return f"{name}亲" if name and not name.startswith("访客") else "亲"


# ---------------------------------------------------------------- synonyms and search terms
DEFAULT_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("退款", "退钱", "返款", "退费", "钱退回"), ("快递", "物流", "包裹", "快件", "邮包"),
    ("运费", "邮费", "快递费", "运输费"), ("发货", "出库", "寄出", "发出"), ("发票", "开票", "票据"),
    ("换货", "调换", "更换"), ("退货", "退回去", "退掉"), ("保修", "质保", "保固"), ("价保", "价格保护", "保价"),
    ("优惠券", "优惠卷", "折扣券", "代金券"), ("尺码", "码数", "大小号"), ("签收", "收货"), ("取消", "撤销", "撤单"),
    ("付款", "支付", "付钱"), ("多久", "几天", "多长时间"), ("破损", "损坏", "摔坏", "压坏"), ("假货", "假冒", "山寨"),
    ("售后", "售后服务"), ("维修", "修理", "返修"), ("赠品", "小礼物", "礼品"), ("为什么", "为何"))
_STOP = ("的 了 吗 呢 啊 吧 呀 哦 哈 嘛 么 我 你 您 他 她 它 我们 你们 是 在 有 和 与 就 都 也 还 这 那 个 "
         "一下 请问 请 问 想 要 能 可以 会 呗 亲 一个 这个 那个 怎么 怎么样 什么 如何 啥 哪 哪些 哪个")
STOPWORDS = frozenset(_STOP.split())
_WORDISH = re.compile(r"[\w\u4e00-\u9fff]")


def synonym_map(groups: Iterable[Iterable[str]]) -> dict[str, str]:
    """word → canonical word (the first of its group); later groups override earlier ones."""
    out: dict[str, str] = {}
    for group in groups:
        words = [nlu.normalize(w) for w in group if w and w.strip()]
        for w in words[1:]:
            if w != words[0]:
                out[w] = words[0]
    return out


def synonym_pattern(synmap: dict[str, str]) -> re.Pattern | None:
    if not synmap:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(synmap, key=len, reverse=True)))


def terms(text: str, synmap: dict[str, str], pattern: re.Pattern | None = None) -> list[str]:
    """Search terms of a text: normalised, synonyms folded to their canonical word, segmented by jieba,
    stop words and punctuation dropped."""
    norm = nlu.normalize(text or "")
    if synmap:
        pattern = pattern or synonym_pattern(synmap)
        if pattern is not None:
            norm = pattern.sub(lambda m: synmap[m.group(0)], norm)
    return [w for w in nlu.segment(norm) if w not in STOPWORDS and _WORDISH.search(w)]


def index_terms(words: list[str]) -> list[str]:
    """Terms plus the character bigrams of words of 3+ characters ('七天无理由' also matches '无理由')."""
    out = list(words)
    for w in words:
        if len(w) >= 3:
            out += [w[i:i + 2] for i in range(len(w) - 1)]
    return out


def surface_forms(words: Iterable[str], synmap: dict[str, str]) -> set[str]:
    """Every spelling that should be highlighted for these (canonical) terms."""
    words = set(words)
    return words | {w for w, canon in synmap.items() if canon in words}


# ---------------------------------------------------------------- scoring
K1, B = 1.2, 0.75


def bm25_idf(n_docs: int, df: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def bm25_tf(tf: float, doc_len: float, avg_len: float) -> float:
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc_len / max(avg_len, 1e-9)))


W_ANSWER, W_LEX = 0.5, 0.05  # ranking blend, chosen on the demo KB's leave-one-out retrieval (docs/knowledge.md)


def blend(cos_question: float | None, cos_answer: float | None, lex: float, lex_max: float) -> float:
    """Ranking score: best question cosine + W_ANSWER × answer cosine + W_LEX × BM25 / the query's best BM25.
    Without embeddings it is the normalised BM25 alone."""
    lex_part = lex / lex_max if lex_max > 0 else 0.0
    if cos_question is None:
        return lex_part
    return cos_question + W_ANSWER * (cos_answer or 0.0) + W_LEX * lex_part


def coverage(query_terms: Iterable[str], doc_terms: Iterable[str]) -> float:
    """Share of the query's distinct terms found in the document's terms (0..1)."""
    q = set(query_terms)
    return len(q & set(doc_terms)) / len(q) if q else 0.0


# Logistic calibration of (cosine of e5 embeddings, term coverage) to P(same question). Fitted by
# `python -m kefu.knowledge.jobs calibrate` on pairs from the project's own demo KB (held-out variant
# vs. the article's other questions, and vs. questions of other articles); never on the shared data.
CAL_COS, CAL_COV, CAL_BIAS = 45.01, 0.05, -40.46
CAL_LEX_ONLY = (5.10, -1.19)  # coverage-only fallback when no embedding model is available
ANSWER_AT = 0.5  # the bot answers when the top article's confidence reaches this …
MARGIN_AT = 0.04  # … and its ranking score leads the runner-up by this much (else it asks, offering the top 3)
SUGGEST_AT = 0.25  # below this a candidate is not offered as a clarifying option


def confidence(cos: float | None, cov: float) -> float:
    z = CAL_COS * cos + CAL_COV * cov + CAL_BIAS if cos is not None else CAL_LEX_ONLY[0] * cov + CAL_LEX_ONLY[1]
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


# ---------------------------------------------------------------- workspace suggestions
SUGGEST_LOOKBACK = 10  # buyer messages the knowledge panel looks back over …
SUGGEST_LINES = 3  # … of which it reads the latest substantive ones …
SUGGEST_CHARS = 120  # … up to this many characters, newest first
INTENT_BONUS = 0.05  # ranking-score bonus of an article whose intent is the conversation's


def suggestion_query(lines: list[str]) -> str:
    """The query for 推荐知识 from a conversation's substantive buyer lines (oldest first): the newest first,
    then earlier ones while they fit in SUGGEST_CHARS."""
    out: list[str] = []
    used = 0
    for line in reversed(lines[-SUGGEST_LINES:]):
        line = " ".join(line.split())
        if out and used + len(line) > SUGGEST_CHARS:
            break
        out.append(line[:SUGGEST_CHARS])
        used += len(line) + 1
    return " ".join(out)


def rank_suggestions(hits: list[dict], intent: str | None, limit: int) -> list[dict]:
    """Search hits (search_out dicts) worth suggesting: confident enough to be related (SUGGEST_AT), articles
    of the conversation's intent ahead by INTENT_BONUS."""
    related = [h for h in hits if h["confidence"] >= SUGGEST_AT]
    related.sort(key=lambda h: h["score"] + (INTENT_BONUS if intent and h["intent"] == intent else 0.0),
                 reverse=True)
    return related[:limit]


# ---------------------------------------------------------------- highlighting
def highlight(text: str, marks: set[str], width: int = 90) -> str:
    """An HTML-escaped snippet of `text` around the densest run of `marks`, each wrapped in <mark>."""
    text = re.sub(r"\s+", " ", text or "").strip()
    words = sorted((w for w in marks if w and len(w) >= (1 if len(marks) == 1 else 2)), key=len, reverse=True)
    spans: list[tuple[int, int]] = []
    if words:
        rx = re.compile("|".join(re.escape(w) for w in words), re.I)
        spans = [(m.start(), m.end()) for m in rx.finditer(text)]
    start = 0
    if spans and len(text) > width:
        best = max(range(len(spans)), key=lambda i: sum(1 for s, _ in spans if spans[i][0] <= s < spans[i][0] + width))
        start = max(0, min(spans[best][0] - 10, len(text) - width))
    end = min(len(text), start + width)
    out, pos = ["…" if start else ""], start
    for s, e in spans:
        if s < pos or e > end:
            continue
        out += [html.escape(text[pos:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
        pos = e
    out += [html.escape(text[pos:end]), "…" if end < len(text) else ""]
    return "".join(out)


# ---------------------------------------------------------------- validation
def _clean_list(values, limit: int, item_max: int, what: tuple[str, str]) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(r"[|\n;；,，]" if what[1] != "similar questions" else r"[|\n]", values)
    out = list(dict.fromkeys(plain_text(str(v))[:item_max].strip() for v in values if str(v).strip()))
    out = [v for v in out if v]
    if len(out) > limit:
        raise BadInput(f"{what[0]}最多 {limit} 个", f"At most {limit} {what[1]}", code="too_many_items")
    return out


@dataclass
class ArticleData:
    title: str
    answer: str
    variants: list[str] = field(default_factory=list)
    category: str = ""
    intent: str = "other"
    tags: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def questions(self) -> list[str]:
        return [self.title, *self.variants]


def check_article(title: str, answer: str, *, variants=None, category: str = "", intent: str = "other",
                  tags=None, products=None, valid_from: datetime | None = None,
                  valid_to: datetime | None = None) -> ArticleData:
    title = plain_text(title or "").replace("\n", " ")
    if not title or len(title) > 200:
        raise BadInput("标题不能为空且不超过 200 字", "Title is required (1-200 characters)", code="bad_title")
    answer = sanitize_html(answer or "")
    if not plain_text(answer):
        raise BadInput("答案不能为空", "Answer is required", code="bad_answer")
    if len(answer) > MAX_ANSWER:
        raise BadInput(f"答案不能超过 {MAX_ANSWER} 字", f"Answer exceeds {MAX_ANSWER} characters", code="bad_answer")
    intent = (intent or "other").strip()
    if intent not in INTENTS:
        raise BadInput(f"未知意图：{intent}", f"Unknown intent: {intent}", code="bad_intent")
    if valid_from and valid_to and valid_to < valid_from:
        raise BadInput("失效时间早于生效时间", "valid_to is before valid_from", code="bad_validity")
    variants = [v for v in _clean_list(variants, 30, 200, ("相似问题", "similar questions")) if v != title]
    return ArticleData(title=title, answer=answer, variants=variants, category=plain_text(category or "")[:64],
                       intent=intent, tags=_clean_list(tags, 20, 32, ("标签", "tags")),
                       products=_clean_list(products, 50, 64, ("商品", "products")), valid_from=valid_from,
                       valid_to=valid_to)


def check_template(scene: str, title: str, shortcut: str, body: str) -> tuple[str, str, str, str]:
    scene = (scene or "other").strip()
    if scene not in SCENES:
        raise BadInput(f"未知场景：{scene}", f"Unknown scene: {scene}", code="bad_scene")
    title, body = plain_text(title or "").replace("\n", " ")[:120], plain_text(body or "")
    shortcut = re.sub(r"\s+", "", plain_text(shortcut or "")).lstrip("/")[:32]
    if not title or not body or not shortcut:
        raise BadInput("标题、快捷词和内容都不能为空", "Title, shortcut and body are required", code="bad_template")
    if len(body) > 2000:
        raise BadInput("话术不能超过 2000 字", "Template body exceeds 2000 characters", code="bad_template")
    return scene, title, shortcut, body


# ---------------------------------------------------------------- review list
REVIEW_EVERY = timedelta(days=7)


def review_reasons(last_reviewed_at: datetime | None, valid_to: datetime | None, now: datetime) -> list[str]:
    reasons = []
    if valid_to is not None and valid_to < now:
        reasons.append("expired")
    if last_reviewed_at is None or now - last_reviewed_at >= REVIEW_EVERY:
        reasons.append("unreviewed")
    return reasons


def is_live(active: bool, valid_from: datetime | None, valid_to: datetime | None, now: datetime) -> bool:
    return active and (valid_from is None or valid_from <= now) and (valid_to is None or now <= valid_to)


def resolution_stats(rows: Iterable[tuple[int, str, bool | None]]) -> dict:
    """From (conversation_id, action, helpful) log rows: conversations the bot handled, how many it resolved
    (answered at least once, never handed off, no answer rated unhelpful) and the helpful share of ratings."""
    convs: dict[int, dict] = {}
    rated = helpful = 0
    for conv_id, action, useful in rows:
        c = convs.setdefault(conv_id, {"answered": False, "handoff": False, "unhelpful": False})
        c["answered"] |= action == "answer"
        c["handoff"] |= action == "handoff"
        if useful is not None:
            rated += 1
            helpful += bool(useful)
            c["unhelpful"] |= not useful
    resolved = sum(1 for c in convs.values() if c["answered"] and not c["handoff"] and not c["unhelpful"])
    handoffs = sum(1 for c in convs.values() if c["handoff"])
    n = len(convs)
    return {"conversations": n, "resolved": resolved, "handoffs": handoffs,
            "resolution_rate": round(resolved / n, 4) if n else None, "rated": rated,
            "helpful_rate": round(helpful / rated, 4) if rated else None}
