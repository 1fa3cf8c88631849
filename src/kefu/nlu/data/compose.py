"""Everyday posts and short reviews recombined from the project's fragments (emotions_daily.txt, reviews.txt).

Deterministic for a seed. Posts mix a neutral scene, one to three clauses of one emotion and a tail (emoticon,
punctuation run, sigh), so the models learn the feeling rather than the scene. Reviews join one to three
aspect clauses of one polarity, sometimes after a concession of the other polarity ("味道不错，就是太慢了").
"""

from __future__ import annotations

import random

from kefu.nlu.data.generate import sections

DAILY_TO_EMOTION = {"angry": "angry", "sad": "negative", "fear": "negative", "happy": "calm", "surprise": "calm",
                    "neutral": "calm"}
SLOTS = {
    "who": ["房东", "物业", "老板", "领导", "同事", "室友", "那个司机", "前台", "中介", "邻居", "某些人", "那个男的",
            "那个女的", "所谓的专家", "这家银行", "移动客服", "运营商", "医院", "学校", "网站", "教练", "班主任", "他",
            "她", "这人", "保安", "售票员", "物流公司", "开发商", "装修队", "楼上", "前男友", "亲戚", "这家店"],
    "n": ["2", "3", "5", "10", "两", "三", "四", "五", "好几", "十几", "[数字x]"],
    "t": ["晚上十点", "凌晨两点", "下午三点", "早上八点", "中午", "半夜", "九点半"],
    "dish": ["米饭", "鸡腿", "汉堡", "披萨", "麻辣烫", "米线", "饺子", "炒饭", "面", "鸡排", "奶茶", "烤鱼", "小龙虾",
             "粥", "寿司", "酸菜鱼", "牛肉面", "盖饭", "薯条", "鸭脖", "菜", "汤", "饼", "烧烤", "凉皮", "包子"],
}
SCENE = ["", "", "", "", "今天", "今天去银行办事，", "下班路上，", "早上起来，", "刚才在超市，", "周末回家，",
         "上班第一天，", "晚上", "昨天", "坐地铁的时候，", "在医院排队，", "刚刚", "说真的，", "我跟你们说，", "最近",
         "#吐槽#", "//@小明:", "回复@路人甲:", "终于", "唉，", "哈哈，", "【转】", "今天在公司，", "放学后，"]
TAIL = {
    "angry": ["", "", "！", "！！！", "。", "[怒]", "[抓狂]", "[哼]", "😡", "🤬", "，气死我了", "，无语", "，呵呵",
              "，什么东西", "！！真的服了", "，烦不烦", "？？？", "，有病吧", "，滚", "，真是够了"],
    "sad": ["", "", "。", "……", "[泪]", "[伤心]", "😭", "😢", "，唉", "，好难过", "，心好痛", "，想哭"],
    "fear": ["", "", "。", "……", "[害怕]", "😱", "😰", "，怎么办", "，好慌", "，吓死了"],
    "happy": ["", "", "！", "~", "[哈哈]", "[嘻嘻]", "[爱你]", "😄", "😍", "，开心", "，太棒了", "，哈哈哈"],
    "surprise": ["", "！", "[吃惊]", "😮", "，惊了", "？！", "，真的假的"],
    "neutral": ["", "", "", "。", " [链接x]", "http://t.cn/[数字x]", "。欢迎关注", "。详情见官网"],
}


def post(phrase: str, label: str, rng: random.Random) -> str:
    """One everyday phrase as a post: scene, filled phrase, tail of its emotion."""
    return rng.choice(SCENE) + fill(phrase, rng) + rng.choice(TAIL[label])


def fill(text: str, rng: random.Random) -> str:
    for key, values in SLOTS.items():
        while "{" + key + "}" in text:
            text = text.replace("{" + key + "}", rng.choice(values), 1)
    return text


def daily_posts(seed: int = 7, counts: dict[str, int] | None = None, sec: dict[str, list[str]] | None = None
                ) -> list[dict]:
    """Everyday posts labeled with the 3 emotion labels (angry / negative / calm); `sec` replaces the phrases."""
    counts = counts or {"angry": 5000, "sad": 2200, "fear": 900, "happy": 1400, "surprise": 500, "neutral": 1800}
    rng = random.Random(seed)
    sec = sec or sections("emotions_daily.txt")
    rows = []
    for label, n in counts.items():
        pool = sec[label]
        for i in range(n):
            k = 1 if label in ("neutral", "surprise") else rng.choice((1, 1, 1, 2, 2, 3))
            parts = [pool[i % len(pool)]] + [rng.choice(pool) for _ in range(k - 1)]
            sep = rng.choice(("，", "。", " ", "！" if label == "angry" else "，"))
            text = rng.choice(SCENE) + sep.join(fill(p, rng) for p in parts) + rng.choice(TAIL[label])
            rows.append({"text": text, "label": DAILY_TO_EMOTION[label]})
    for i in range(counts["angry"] + counts["sad"]):  # the same mishap, told angrily or sadly
        label = "angry" if i % 2 == 0 else "sad"
        react = rng.choice(sec[f"{label}_react"])
        event = fill(rng.choice(sec["event"]), rng)
        told = event + rng.choice("，。！ ") + react if rng.random() < 0.8 else react + "，" + event
        text = rng.choice(SCENE) + told
        rows.append({"text": text + rng.choice(TAIL[label]), "label": DAILY_TO_EMOTION[label]})
    for i in range(counts["angry"] // 2 + counts["sad"] // 2):  # a neutral news line or fact, then the comment
        label = ("angry", "angry", "sad", "happy", "fear")[i % 5]
        fact = fill(rng.choice(sec["neutral"]), rng)
        comment = fill(rng.choice(sec[label]), rng)
        text = rng.choice(("", "//@", "#", "【", "转：")) + fact + rng.choice(("。", "，", " ", "… ")) + comment
        rows.append({"text": text + rng.choice(TAIL[label]), "label": DAILY_TO_EMOTION[label]})
    return rows


DOMAINS = {"food": ("food", "delivery", "pack", "overall"), "hotel": ("hotel", "overall"),
           "product": ("product", "overall")}
BUT = ["，但是", "，就是", "，不过", "，可惜", "。但", "，只是"]


def reviews(seed: int = 8, n: int = 48000) -> list[dict]:
    """Short reviews (half food delivery, the rest hotels and products), labeled positive / negative."""
    rng = random.Random(seed)
    sec = sections("reviews.txt")
    rows = []
    for i in range(n):
        domain = "food" if i % 2 == 0 else rng.choice(("hotel", "product"))
        pol = "neg" if rng.random() < 0.5 else "pos"
        other = "pos" if pol == "neg" else "neg"
        aspects = DOMAINS[domain]
        k = rng.choice((1, 1, 2, 2, 3))
        clauses = [fill(rng.choice(sec[f"{rng.choice(aspects)}_{pol}"]), rng) for _ in range(k)]
        sep = rng.choice(("，", "，", "。", " ", "!", ""))
        text = sep.join(clauses)
        if rng.random() < 0.2:  # concession first, verdict last
            text = fill(rng.choice(sec[f"{rng.choice(aspects)}_{other}"]), rng) + rng.choice(BUT) + text
        text += rng.choice(("", "", "", "。", "！", "!!", "~", "👍" if pol == "pos" else "👎", "..."))
        rows.append({"text": text, "label": "positive" if pol == "pos" else "negative"})
    return rows
