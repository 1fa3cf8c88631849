"""Pure text functions for buyer messages: normalisation, segmentation, entities, PII masking, features.

Nothing here loads a model; the only state is the lazily built jieba tokenizer with the project's
e-commerce user dictionary (data/userdict.txt).
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
import zlib
from pathlib import Path

from kefu.nlu.small_talk import is_small_talk, small_talk, substantive  # noqa: F401  (shared with knowledge, handoffs)

DATA_DIR = Path(__file__).parent / "data"
MAX_MODEL_CHARS = 2000  # models and segmentation look at the first 2,000 characters; masking sees all
DIM = 1 << 18  # hashed feature space shared by every model

# ---------------------------------------------------------------- normalisation
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SPACE = re.compile(r"\s+")
_REPEAT = re.compile(r"(.)\1{3,}")
MASK_TOKENS = {"数字": "xnum", "链接": "xlink", "订单": "xorder", "金额": "xmoney", "日期": "xdate", "时间": "xtime",
               "电话": "xphone", "姓名": "xname", "地址": "xaddr", "邮箱": "xmail", "站点": "xsite", "身份证号": "xid"}
_MASKED = re.compile(r"\[(" + "|".join(MASK_TOKENS) + r")x\]")
_TYPOS = {"神马": "什么", "木有": "没有", "肿么": "怎么", "怎莫": "怎么", "咋": "怎么", "啥": "什么", "为毛": "为什么",
          "介个": "这个", "酱紫": "这样", "表": "不要", "伐": "吗", "滴": "的", "亲亲": "亲", "童鞋": "同学",
          "退钱": "退款", "腿款": "退款", "快第": "快递", "发火": "发货", "物留": "物流", "发漂": "发票",
          "付欵": "付款"}
_TYPO_RE = re.compile("|".join(sorted((k for k in _TYPOS if len(k) > 1), key=len, reverse=True)))


def fold_width(text: str) -> str:
    """Full-width ASCII and ideographic space to half-width, keeping the length (offsets stay valid)."""
    out = []
    for ch in text:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            out.append(chr(o - 0xFEE0))
        elif o == 0x3000:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def clean(text: str) -> str:
    """Drop control and zero-width characters; collapse whitespace."""
    return _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()


def normalize(text: str) -> str:
    """Canonical form for models: NFKC, lower case, masked tokens as words, long repeats cut to 3, common typos."""
    text = unicodedata.normalize("NFKC", clean(text[:MAX_MODEL_CHARS])).lower()
    text = _MASKED.sub(lambda m: f" {MASK_TOKENS[m.group(1)]} ", text)
    text = _REPEAT.sub(lambda m: m.group(1) * 3, text)
    text = _TYPO_RE.sub(lambda m: _TYPOS[m.group(0)], text)
    return _SPACE.sub(" ", text).strip()


# ---------------------------------------------------------------- segmentation
_tok_lock = threading.Lock()
_tokenizer = None


def tokenizer():
    """The jieba tokenizer with the project's user dictionary, built once per process."""
    global _tokenizer
    if _tokenizer is None:
        with _tok_lock:
            if _tokenizer is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                tok.load_userdict(str(DATA_DIR / "userdict.txt"))
                _tokenizer = tok
    return _tokenizer


def user_words() -> list[str]:
    lines = (DATA_DIR / "userdict.txt").read_text(encoding="utf-8").splitlines()
    return [ln.split()[0] for ln in lines if ln.strip() and not ln.startswith("#")]


def segment(norm_text: str) -> list[str]:
    """Words of a normalised text (no HMM: fast and stable); spaces dropped."""
    return [w for w in tokenizer().lcut(norm_text, HMM=False) if w.strip()]


# ---------------------------------------------------------------- lexicons
ANGER = ("气死", "生气", "愤怒", "火大", "恼火", "受够", "忍无可忍", "太过分", "过分", "欺人太甚", "无语", "凭什么",
         "什么玩意", "什么东西", "到底", "究竟", "搞什么", "搞毛", "骗子", "骗人", "坑人", "坑爹", "黑店", "垃圾",
         "恶心", "差劲", "烂", "破玩意", "离谱", "忽悠", "敷衍", "糊弄", "踢皮球", "耍我", "有病", "投诉", "曝光",
         "差评", "12315", "消协", "工商", "起诉", "报警", "赔钱", "不要脸", "无耻", "流氓", "混账", "可恶", "讨厌",
         "烦死", "气人", "我靠", "卧槽", "tm", "特么", "尼玛", "奶奶的", "md", "怒", "愤", "脑子", "良心",
         "滚", "去死", "狗屁", "呵呵", "醉了", "服了", "还不", "多少次", "几遍", "恨")
ABUSE = ("傻逼", "煞笔", "沙比", "傻比", "傻b", "sb", "nmsl", "cnm", "tmd", "nmb", "妈的", "你妈", "他妈", "妈逼",
         "妈蛋", "操你", "草你", "艹你", "日你", "草泥马", "尼玛", "狗东西", "狗日", "狗娘", "脑残", "白痴", "智障",
         "弱智", "废物", "贱人", "贱货", "畜生", "畜牲", "王八蛋", "混蛋", "婊子", "死全家", "全家死", "去死", "滚蛋",
         "滚开", "你滚", "给我滚", "fuck", "shit", "bitch", "屌", "垃圾客服", "狗客服", "蠢货", "蠢猪", "猪脑")
NEGATIVE = ("失望", "难过", "伤心", "郁闷", "烦", "担心", "着急", "急", "害怕", "怕", "后悔", "遗憾", "可惜", "心累",
            "委屈", "崩溃", "难受", "不满", "不好", "不行", "差", "慢", "坏", "破", "问题", "麻烦", "糟糕", "不开心",
            "唉", "哎", "怎么办", "没收到", "还没", "不能", "不到", "难吃", "不新鲜", "凉", "贵", "少", "没用")
POSITIVE = ("谢谢", "感谢", "好评", "满意", "喜欢", "不错", "很好", "好吃", "好用", "棒", "赞", "推荐", "开心", "高兴",
            "很快", "速度快", "新鲜", "实惠", "划算", "值", "完美", "给力", "辛苦", "哈哈", "嘻嘻", "好的", "ok",
            "点赞", "惊喜")
HUMAN = re.compile(r"转人工|人工客服|人工服务|找人工|要人工|接人工|真人|活人|^人工$|^人工[!?。!？]*$|人工[!!]|"
                   r"(找|叫|让)(你们)?(的)?(经理|主管|领导|负责人|店长)|不要(跟)?机器人|机器人.{0,6}(听不懂|没用)|"
                   # the English widget's buyers
                   r"\b(talk|speak|chat|connect me|put me through|transfer me)( to| with)? (a |an |your )?"
                   r"(real |live )?(human|person|agent|someone|manager|supervisor)\b|"
                   r"\b(real|live) (person|human|agent)\b|\bhuman (agent|being|please)\b|"
                   r"^(a |an )?(human|agent|person|operator)( please| pls)?[!?. ]*$", re.I)
HUMAN_NEG = re.compile(r"(不用|不要|不需要|无需|别)(转)?人工|\b(no|don't|do not|not|never) (need |want )?(a |an )?"
                       r"(human|person|agent)\b", re.I)
_EMOJI_ANGRY = "😡😠🤬👿💢🖕😤"
_EMOJI_SAD = "😭😢😞😔😟😩😫💔🙁☹"
_EMOJI_HAPPY = "😀😁😂😃😄😊😍👍🙏❤🌹😘🥰🤗👌"


# The models learn from Chinese text only. For the English widget's buyers the common request and mood words
# get a Chinese gloss appended before the models read a message (never stored, never shown).
_GLOSS = (
    (r"refund|money back|reimburse", "退款"), (r"return|send (it )?back", "退货"),
    (r"exchange|swap|different size|another size", "换货"), (r"invoice|receipt|fapiao|vat", "开发票"),
    (r"cancel", "取消订单"), (r"where('s| is) my|not (arrived|received)|hasn'?t (arrived|come)", "快递到哪了"),
    (r"parcel|package|courier|tracking|delivery|deliver|shipping|shipped|ship|dispatch", "物流 发货"),
    (r"change (the |my )?(address|phone|order)|wrong address", "修改地址"),
    (r"broken|damaged|defect|faulty|doesn'?t work|not working|quality", "质量问题 坏了"),
    (r"wrong (item|size|colou?r|product)|not what i ordered|missing (item|part)", "发错货"),
    (r"repair|warranty|guarantee", "维修 保修"), (r"price|cheaper|discount|coupon|price drop", "价格 优惠券"),
    (r"pay(ment)?|charged|paid|card", "付款"), (r"complain|complaint|report you|consumer (association|rights)", "投诉"),
    (r"in stock|available|size chart|which size|recommend|material|before (i )?buy", "有货吗 尺码"),
    (r"ridiculous|unacceptable|outrageous|absurd", "太离谱了 太过分了"),
    (r"worst|terrible|awful|horrible|rubbish|trash", "垃圾 太差了"),
    (r"scam|fraud|cheat(ed|ing)?|liars?|rip ?off", "骗子 坑人"), (r"useless|incompetent|pathetic", "没用 敷衍"),
    (r"angry|furious|pissed|fed up|sick of|enough is enough", "气死了 受够了"), (r"wtf|damn|hell", "什么玩意"),
    (r"disappointed|sad|upset|worried", "失望 难过"), (r"thank(s| you)|great|perfect|love it|awesome", "谢谢 满意"),
)
_GLOSS_RE = [(re.compile(r"\b(?:" + rx + r")(?:s|es|ed|d|ing)?\b", re.I), zh) for rx, zh in _GLOSS]


def english_gloss(norm_text: str) -> str:
    """Chinese words for the English request / mood words in a message ("" when it has none)."""
    if not re.search(r"[a-z]{3}", norm_text):
        return ""
    return " ".join(dict.fromkeys(zh for rx, zh in _GLOSS_RE if rx.search(norm_text)))


def _compact(text: str) -> str:
    """Lower-cased letters, digits and CJK only: '傻 * 逼' matches like '傻逼'."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


def abusive_terms(text: str) -> list[str]:
    c = _compact(text[:MAX_MODEL_CHARS])
    hits = [w for w in ABUSE if w in c]
    if "sb" in hits and not re.search(r"(?<![a-z])sb(?![a-z])", text.lower()):
        hits.remove("sb")
    return hits


def lexicon_features(norm_text: str) -> list[str]:
    """Feature names from the lexicons, punctuation and emoji (shared by every model)."""
    f = [f"L:anger:{w}" for w in ANGER if w in norm_text]
    if f:
        f.append("L:anger")
        if len(f) > 3:
            f.append("L:anger3")
    f += ["L:neg"] * any(w in norm_text for w in NEGATIVE)
    f += ["L:pos"] * any(w in norm_text for w in POSITIVE)
    if abusive_terms(norm_text):
        f.append("L:abuse")
    if "!!" in norm_text or "!?" in norm_text or "?!" in norm_text:
        f.append("L:bang2")
    if "???" in norm_text or "??" in norm_text:
        f.append("L:q2")
    if any(e in norm_text for e in _EMOJI_ANGRY):
        f.append("L:emo_angry")
    if any(e in norm_text for e in _EMOJI_SAD):
        f.append("L:emo_sad")
    if any(e in norm_text for e in _EMOJI_HAPPY):
        f.append("L:emo_happy")
    if HUMAN.search(norm_text):
        f.append("L:human")
    n = len(norm_text)
    f.append("len:" + ("s" if n < 6 else "m" if n < 20 else "l" if n < 60 else "xl"))
    return f


def feature_names(norm_text: str, words: list[str]) -> list[str]:
    """Char 1–3-grams, words, word bigrams and lexicon flags of a normalised text."""
    s = norm_text.replace(" ", "_")
    feats = [s[i:i + 1] for i in range(len(s))]
    feats += [s[i:i + 2] for i in range(len(s) - 1)]
    feats += ["3" + s[i:i + 3] for i in range(len(s) - 2)]
    feats += ["w:" + w for w in words]
    feats += ["p:" + a + "|" + b for a, b in itertools.pairwise(words)]
    feats += lexicon_features(norm_text)
    return feats


def hash_counts(feats: list[str]) -> tuple[list[int], list[float]]:
    """Stable hashing (crc32) into DIM buckets: bucket ids and raw counts."""
    counts: dict[int, float] = {}
    for f in feats:
        h = zlib.crc32(f.encode("utf-8")) & (DIM - 1)
        counts[h] = counts.get(h, 0.0) + 1.0
    return list(counts), list(counts.values())


def hash_features(feats: list[str]) -> tuple[list[int], list[float]]:
    """Hashed counts scaled to unit L2 norm (the weighting of models trained without an idf table)."""
    idx, counts = hash_counts(feats)
    if not idx:
        return [], []
    norm = sum(v * v for v in counts) ** 0.5
    return idx, [v / norm for v in counts]


# ---------------------------------------------------------------- entities
_PHONE = re.compile(r"(?<![\dA-Za-z])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![\dA-Za-z])")
_LANDLINE = re.compile(r"(?<![\d-])0\d{2,3}-\d{7,8}(?![\d-])")
_IDNUM = re.compile(r"(?<![\dA-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                    r"(?![\dA-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Order numbers as the marketplaces print them: Taobao/Tmall 18-19 digits, JD 10-13, Pinduoduo
# "230101-123456789012345" (date, dash, 15 digits), Douyin 19, Kuaishou 16; after a keyword ("订单号是…", "单号…")
# any 7+ digit run, and before a phrase naming it ("…这个是我的订单号"). Never a mobile (11 digits, 1[3-9]), an
# amount, a date or a courier's tracking number (SF…, JD…, YT…, ZTO/STO's bare 7x… numbers).
_ORDER_NO = r"[A-Za-z]{0,4}\d[\d-]{5,28}\d"
_NOT_FOLLOWED_BY_NUMBER = r"(?!\s*[:：#是为]?\s*(?:[A-Za-z]{0,5}\d|\[))"  # "X，订单号 Y": the keyword names Y
_ORDER_KW = re.compile(r"(?:订单(?:号码?|编号|编码)?|单号|order(?:\s*(?:no|id|number))?)\s*(?:[:：#是为]|\s)*"
                       rf"((?:\[订单x\]|\[数字x\])|{_ORDER_NO})", re.I)
_ORDER_AFTER = re.compile(rf"(?<![\dA-Za-z-])({_ORDER_NO}|\[数字x\])\s*[,，.。;；]?\s*(?:(?:这个|这|那个|它|就)?\s*"
                          r"(?:就是|是)\s*(?:我|我们)?的?\s*(?:订单|order)|(?:我|我们)?的?\s*(?:订单号|订单编号|"
                          r"order\s*(?:no|number|id)))"
                          + _NOT_FOLLOWED_BY_NUMBER, re.I)
_ORDER_BARE = re.compile(r"(?<![\dA-Za-z.-])(?:\d{6}-\d{12,15}|(?!400|800)(?!7)\d{10,13}|7\d{15,19}|(?!7)\d{15,20}"
                         r"|\[订单x\])(?![\dA-Za-z-]|\.\d|\s?(?:元|块|rmb|%|年|月|日|号|个|件|次|分|秒|米))", re.I)
_NOT_ORDER_BEFORE = re.compile(r"(?:卡|qq|微信|vx|电话|手机|座机|身份证|快递单?|物流单?|运单|tracking)\s*"
                               r"(?:号码?)?\s*(?:是|为|[:：#])?\s*$", re.I)
_TRACK_KW = re.compile(r"(?:快递单号|运单号|物流单号|快递号|运单|面单号|tracking(?:\s*no)?)\s*(?:[:：#是为]|\s)*"
                       r"([A-Za-z]{0,5}\d{8,20}|[A-Za-z]{0,5}\[数字x\])", re.I)
_TRACK_AFTER = re.compile(r"(?<![\dA-Za-z])([A-Za-z]{0,5}\d{8,20})\s*[,，.。]?\s*(?:这个|这|那个|就)?\s*(?:是)?"
                          r"(?:我的?)?(?:快递单号|运单号|物流单号|快递号|运单)" + _NOT_FOLLOWED_BY_NUMBER, re.I)
_TRACK_BARE = re.compile(r"(?<![A-Za-z\d])(?:(?:SF|JDV[A-Z]|JDX|JD|YT|VA|VB|VC|VD|YD|ZTO|STO|EMS|JT|DPK|DB|KY|EA|EB|LP)"
                         r"(?:\d{8,18}|\[数字x\])|7\d{11,14})(?![\d])", re.I)
_CN_NUM = "零〇一二两三四五六七八九十百千万"
_AMOUNT = re.compile(r"(?:[¥￥]|rmb|RMB)\s?\d+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?\s?(?:元|块钱?|rmb|RMB|米(?=钱))|"
                     rf"[{_CN_NUM}]+(?:元|块钱?)|\[金额x\]")
_DATE = re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?|\d{1,2}月\d{1,2}[日号]|\d{1,2}[./]\d{1,2}(?=号|日)|"
                   r"(?<!\d)\d{1,2}[号日](?![\d楼线栋室单元码])|"
                   r"大前天|前天|昨天|今天|今日|明天|明日|后天|大后天|上周[一二三四五六日天末]?|这周[一二三四五六日天末]?|"
                   r"下周[一二三四五六日天末]?|周[一二三四五六日天末]|星期[一二三四五六日天]|礼拜[一二三四五六日天]|"
                   r"双十一|双11|双十二|双12|618|\[日期x\]")
PRODUCTS = ("手机", "手机壳", "耳机", "蓝牙耳机", "充电器", "数据线", "充电宝", "平板", "电脑", "笔记本", "键盘",
            "鼠标", "显示器", "内存", "硬盘", "主板", "显卡", "路由器", "音箱", "手表", "手环", "相机", "电视", "空调",
            "冰箱", "洗衣机", "热水器", "油烟机", "燃气灶", "微波炉", "电饭煲", "电饭锅", "空气炸锅", "吸尘器",
            "扫地机器人", "电风扇", "风扇", "吹风机", "电动牙刷", "剃须刀", "净水器", "加湿器", "台灯", "衣服", "裙子",
            "连衣裙", "裤子", "牛仔裤", "外套", "羽绒服", "大衣", "卫衣", "毛衣", "衬衫", "t恤", "短袖", "内衣", "袜子",
            "鞋", "鞋子", "运动鞋", "靴子", "拖鞋", "帽子", "包包", "背包", "书包", "行李箱", "口红", "面膜", "粉底",
            "洗面奶", "精华", "眼霜", "香水", "洗发水", "沐浴露", "牙膏", "纸巾", "卷纸", "湿巾", "奶粉", "纸尿裤",
            "尿不湿", "玩具", "零食", "茶叶", "咖啡", "牛奶", "大米", "水果", "酱油", "图书", "床垫", "枕头", "被子",
            "四件套", "沙发", "椅子", "桌子", "窗帘", "锅", "杯子", "保温杯", "眼镜", "戒指", "项链", "手链")
_PRODUCT = re.compile("|".join(sorted((re.escape(p) for p in PRODUCTS), key=len, reverse=True)), re.I)


def _spans(rx: re.Pattern, text: str, group: int = 0) -> list[dict]:
    return [{"text": m.group(group), "start": m.start(group), "end": m.end(group)} for m in rx.finditer(text)]


def _overlaps(span: dict, taken: list[dict]) -> bool:
    return any(span["start"] < t["end"] and t["start"] < span["end"] for t in taken)


_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


def _cn_value(s: str) -> float | None:
    total, section, num = 0, 0, 0
    for ch in s:
        if ch in _CN_DIGIT:
            num = _CN_DIGIT[ch]
        elif ch in "十百千":
            section += (num or 1) * {"十": 10, "百": 100, "千": 1000}[ch]
            num = 0
        elif ch == "万":
            total += (section + num) * 10000
            section = num = 0
        else:
            return None
    return float(total + section + num)


def amount_value(s: str) -> float | None:
    m = re.search(r"\d+(?:\.\d+)?", s)
    if m:
        return float(m.group(0))
    m = re.match(rf"[{_CN_NUM}]+", s)
    return _cn_value(m.group(0)) if m else None


def extract_entities(text: str) -> dict:
    """Order and tracking numbers, phones, amounts, dates, products and requests for a human; spans index `text`."""
    t = fold_width(text)
    phones = _spans(_PHONE, t) + _spans(_LANDLINE, t) + _spans(re.compile(r"\[电话x\]"), t)
    ids = _spans(_IDNUM, t)
    tracking = _spans(_TRACK_KW, t, 1)
    tracking += [s for s in _spans(_TRACK_AFTER, t, 1) if not _overlaps(s, tracking)]
    orders = [s for s in _spans(_ORDER_AFTER, t, 1)
              if not _overlaps(s, tracking + phones + ids) and not _TRACK_BARE.fullmatch(s["text"])]
    tracking += [s for s in _spans(_TRACK_BARE, t) if not _overlaps(s, tracking + orders)]
    orders += [s for s in _spans(_ORDER_KW, t, 1) if not _overlaps(s, tracking + phones + orders)]
    taken = tracking + phones + ids + orders
    orders += [s for s in _spans(_ORDER_BARE, t) if not _overlaps(s, taken)
               and not _NOT_ORDER_BEFORE.search(t[max(0, s["start"] - 12):s["start"]])]
    taken = tracking + phones + ids + orders
    amounts = [dict(s, value=amount_value(s["text"])) for s in _spans(_AMOUNT, t) if not _overlaps(s, taken)]
    dates = [s for s in _spans(_DATE, t) if not _overlaps(s, taken + amounts)]
    products = _spans(_PRODUCT, t)
    human = _spans(HUMAN, t)
    if HUMAN_NEG.search(t):
        human = []
    by_start = lambda spans: sorted(spans, key=lambda s: s["start"])  # noqa: E731
    return {"order_numbers": by_start(orders), "tracking_numbers": by_start(tracking), "phones": by_start(phones),
            "amounts": by_start(amounts), "dates": by_start(dates), "products": products, "human_request": human}


# ---------------------------------------------------------------- PII masking
_PROVINCES = ("北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|"
              "四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门")
_NAME = r"[\u4e00-\u9fa5]"
_PLACE = r"(?:(?![在是的到从往住寄送发我你家请改])[\u4e00-\u9fa5])"
_ADMIN = rf"(?:(?:{_PROVINCES})(?:省|市|自治区|特别行政区)?|{_PLACE}{{2,4}}?(?:市|区|县|州|旗))"
_STREET = r"(?:路|街|大街|大道|巷|弄|胡同|村|镇|乡|小区|花园|大厦|公寓|广场|苑|家园|新村|社区|园区|街道|号院)"
_TAIL = r"(?:[\dA-Za-z一二三四五六七八九十零\-#]+(?:号楼|号院|号|弄|栋|幢|座|楼|层|单元|室|户)?)*"
_ADDRESS = re.compile(rf"{_ADMIN}(?:{_NAME}{{0,12}}?(?:市|区|县|镇|乡|街道))*(?:[\u4e00-\u9fa5\dA-Za-z]{{0,16}}?"
                      rf"{_STREET}{_TAIL})+(?:[\u4e00-\u9fa5A-Za-z]{{0,8}}?[\d一二三四五六七八九十]+(?:号楼|号院|号|栋|幢|座|楼|层|单元|室|户)?)*")
_ADDRESS_KW = re.compile(r"(?:收货地址|地址|住址|寄到|送到)\s*(?:[:：是为]|改为|改成)\s*([^,，。;；!！?？\n]{4,60})")


def mask_pii(text: str) -> str:
    """Phones keep their first 3 and last 4 digits; ID numbers, emails and addresses are replaced."""
    t = fold_width(text)
    spans: list[tuple[int, int, str]] = []

    def add(s: int, e: int, rep: str) -> None:
        if not any(s < b and a < e for a, b, _ in spans):
            spans.append((s, e, rep))

    for m in _IDNUM.finditer(t):
        add(m.start(), m.end(), "[身份证号]")
    for m in _EMAIL.finditer(t):
        add(m.start(), m.end(), "[邮箱]")
    for m in _PHONE.finditer(t):
        add(m.start(), m.end(), f"{m.group(1)}****{m.group(3)}")
    for m in _LANDLINE.finditer(t):
        add(m.start(), m.end(), "[电话]")
    for m in _ADDRESS_KW.finditer(t):
        add(m.start(1), m.end(1), "[地址]")
    for m in _ADDRESS.finditer(t):
        add(m.start(), m.end(), "[地址]")
    out, pos = [], 0
    for s, e, rep in sorted(spans):
        out.append(text[pos:s])
        out.append(rep)
        pos = e
    out.append(text[pos:])
    return "".join(out)
