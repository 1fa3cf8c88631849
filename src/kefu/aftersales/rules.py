"""The shop's after-sale policy as data, and what it decides for a case, as pure functions (no database, no I/O).

A case is one buyer request about one order (see ``parse_case``). ``explain`` says whether the policy allows it,
which rule decided, who pays the return parcel, the refund and whether the shop ships a new item at once.

Days are calendar days in the shop's time zone counted from the day of delivery (签收): delivered on 1 June,
a request on 8 June is day 7 and still inside a 7-day window; on 9 June it is day 8 and outside.

The decisions, checked in this order:

- price_difference (补差价), any reason: needs a promo_price lower than paid (else ``no_price_drop``); allowed
  any time before delivery and up to ``price_protect_days`` after it (``price_protect``); refund = paid − promo.
- Not delivered yet (delivered_at null): refund_only refunds everything, shipping included, whatever the
  reason (``before_delivery``); nothing can be returned, exchanged, reshipped or repaired yet (``not_delivered``).
- repair: only for a defect (``repair_defect_only``), up to ``repair_days`` (``repair_window``); the shop pays
  the parcel to the repairer.
- Buyer-side reasons (no_reason, changed_mind, wrong_size): return and exchange only, and not for an excluded
  category (``excluded_category``: the category equals or contains an excluded name) nor after
  ``no_reason_days`` (``no_reason_window``). A return refunds the goods (paid; the original shipping is not
  refunded) and the return parcel is paid per ``return_payer``; an exchange refunds nothing and splits
  the return parcel per ``exchange_payer`` (rule ``exchange_split`` / ``exchange_buyer`` / ``exchange_shop``;
  an odd fen of a split goes to the shop). refund_only after delivery needs the item back
  (``return_required``); reship is for the shop's or courier's faults only (``reship_needs_fault``).
- Seller faults (wrong_item, defect, system_error, rule ``seller_fault``) and damage in transit (rule
  ``courier_damage``: the shop makes the buyer whole first and claims from the courier), up to ``fault_days``
  and whatever the category:
  a return refunds paid + shipping_paid with the return parcel on the shop ("courier" for damage); an
  exchange ships the new item at once without waiting for the return; reship ships at once and nothing comes
  back; refund_only refunds everything and nothing comes back.
- late_delivery (rule ``late_delivery``), up to ``fault_days``: refund_only refunds everything (the buyer
  keeps the item); a return refunds everything with the return parcel on the shop; exchange and reship are
  refused (the item itself is fine).
- A fault claim after ``fault_days``: a return or exchange is judged as a buyer-side one if that would allow
  it (a shop whose no-reason window is longer); otherwise refused (``fault_window``).

"return_shipping_payer" is "none" whenever nothing is sent back (refund_only, reship, price_difference, a
refused case); buyer_pays + shop_pays then are 0, else they add up to return_shipping ("courier": the shop
advances it). Money is integer fen inside; the refund never exceeds paid + shipping_paid.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

KINDS = ("return", "exchange", "refund_only", "reship", "price_difference", "repair")
REASONS = ("no_reason", "changed_mind", "wrong_size", "wrong_item", "defect", "damaged_in_transit",
           "system_error", "late_delivery")
BUYER_REASONS = frozenset({"no_reason", "changed_mind", "wrong_size"})
SELLER_FAULTS = frozenset({"wrong_item", "defect", "system_error"})
PAYERS = ("buyer", "shop", "split")  # who pays a buyer-side return parcel (a shop's choice)
KIND_ZH = {"return": "退货", "exchange": "换货", "refund_only": "仅退款", "reship": "补发",
           "price_difference": "补差价", "repair": "维修"}
REASON_ZH = {"no_reason": "无理由", "changed_mind": "不想要了", "wrong_size": "尺码不合适", "wrong_item": "发错商品",
             "defect": "商品质量问题", "damaged_in_transit": "运输途中损坏", "system_error": "系统错误",
             "late_delivery": "延迟送达"}
MAX_DAYS = 3650
MAX_YUAN = Decimal(10_000_000)
MAX_CATEGORIES = 50
CATEGORY_CHARS = 20  # an excluded category name
TEXT_CHARS = 100  # an order's category
DAY_FIELDS = ("no_reason_days", "fault_days", "repair_days", "price_protect_days")


def _bad(path: str, zh: str, en: str) -> ValueError:
    return ValueError((f"字段 {path}：{zh}", f"field {path}: {en}"))


def _unknown(path: str, known) -> ValueError:
    return _bad(path[:60], f"未知字段（可用：{'、'.join(known)}）", f"unknown key (known: {', '.join(known)})")


# ---------------------------------------------------------------- the policy

@dataclass(frozen=True)
class Policy:
    """A shop's after-sale policy. The defaults follow the consumer-protection law (art. 25) and DOMAIN.md."""

    no_reason_days: int = 7  # returns / exchanges without a fault, from delivery
    excluded_categories: tuple[str, ...] = ("定制商品", "生鲜", "数字商品", "报纸期刊")  # no no-reason returns
    return_payer: str = "buyer"  # who pays the return parcel of a buyer-side return
    exchange_payer: str = "split"  # ... of a buyer-side exchange
    fault_days: int = 15  # seller faults, damage in transit, late delivery
    repair_days: int = 365  # free repair of a defect
    price_protect_days: int = 7  # 补差价 after delivery
    tz: str = "Asia/Shanghai"  # where the calendar days are counted

    def __post_init__(self) -> None:
        clean = check_policy(policy_to_dict(self))  # raises ValueError((zh, en)) on a bad field
        object.__setattr__(self, "excluded_categories", tuple(clean["excluded_categories"]))


def policy_to_dict(policy: Policy) -> dict:
    """The policy as plain JSON (every field)."""
    data = asdict(policy)
    data["excluded_categories"] = list(policy.excluded_categories)
    return data


def _categories(value) -> list[str]:
    key = "excluded_categories"
    if not isinstance(value, list | tuple):
        raise _bad(key, "应为品类名称的列表", "must be a list of category names")
    if len(value) > MAX_CATEGORIES:
        raise _bad(key, f"最多 {MAX_CATEGORIES} 个品类", f"at most {MAX_CATEGORIES} categories")
    for i, name in enumerate(value):
        if not isinstance(name, str) or not 0 < len(name.strip()) <= CATEGORY_CHARS:
            raise _bad(f"{key}[{i}]", f"品类名称应为 1–{CATEGORY_CHARS} 个字",
                       f"a category name is text of 1–{CATEGORY_CHARS} characters")
    return list(dict.fromkeys(name.strip() for name in value))


def check_policy(data: dict) -> dict:
    """Validate a policy an admin sends (any subset of the fields); raises ValueError((zh, en)) naming the
    field. Returns the given fields cleaned (names stripped, duplicates dropped); missing ones stay default."""
    if not isinstance(data, dict):
        raise ValueError(("售后策略应为 JSON 对象", "the after-sale policy must be a JSON object"))
    known = [f.name for f in fields(Policy)]
    clean: dict = {}
    for key, value in data.items():
        if key not in known:
            raise _unknown(str(key), known)
        if key in DAY_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
                raise _bad(key, f"应为 0–{MAX_DAYS} 的整数天数", f"must be a whole number of days from 0 to {MAX_DAYS}")
            clean[key] = value
        elif key in ("return_payer", "exchange_payer"):
            if not isinstance(value, str) or value not in PAYERS:
                raise _bad(key, f"应为 {'、'.join(PAYERS)} 之一", f"must be one of {', '.join(PAYERS)}")
            clean[key] = value
        elif key == "excluded_categories":
            clean[key] = _categories(value)
        else:
            try:
                ZoneInfo(value)
            except (TypeError, ValueError, KeyError, OSError):
                raise _bad(key, "未知时区（例如 Asia/Shanghai）", "unknown time zone (e.g. Asia/Shanghai)") from None
            clean[key] = value
    return clean


def policy_from(data: dict | None) -> Policy:
    """The policy from stored or sent JSON: the defaults with the given fields replaced (None: the default)."""
    if data is None:
        return DEFAULT_POLICY
    return replace(DEFAULT_POLICY, **check_policy(data))


DEFAULT_POLICY = Policy()


# ---------------------------------------------------------------- a case

def _choice(value, path: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise _bad(path, f"应为 {'、'.join(allowed)} 之一", f"must be one of {', '.join(allowed)}")
    return value


def _yuan(value, path: str) -> Decimal:
    """An amount in yuan: a finite number ≥ 0 with at most 2 decimals (a float is read as it is written)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _bad(path, "应为金额数字（元）", "must be a number of yuan")
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite() or not 0 <= amount <= MAX_YUAN:
        raise _bad(path, f"应为 0 到 {MAX_YUAN} 元之间的金额", f"must be an amount from 0 to {MAX_YUAN} yuan")
    if amount != amount.quantize(Decimal("0.01")):
        raise _bad(path, "金额最多两位小数（精确到分）", "at most 2 decimals (whole fen)")
    return amount.quantize(Decimal("0.01")) + 0  # + 0 turns -0.00 into 0.00


def _time(value, path: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _bad(path, "应为带时区的 ISO 8601 时间，例如 2024-06-01T10:00:00+08:00",
                       "must be an ISO 8601 time with a time zone, e.g. 2024-06-01T10:00:00+08:00") from None
    else:
        raise _bad(path, "应为 ISO 8601 时间文本", "must be an ISO 8601 time string")
    if moment.utcoffset() is None:
        raise _bad(path, "缺少时区（例如 +08:00）", "has no time zone (e.g. +08:00)")
    return moment


def _object(data, path: str, known: tuple[str, ...], required: tuple[str, ...]) -> dict:
    if not isinstance(data, dict):
        raise _bad(path, "应为 JSON 对象", "must be a JSON object")
    prefix = f"{path}." if path != "case" else ""
    for key in data:
        if key not in known:
            raise _unknown(f"{prefix}{key}", known)
    for key in required:
        if key not in data:
            raise _bad(f"{prefix}{key}", "缺少此字段", "is missing")
    return data


def parse_case(data) -> dict:
    """Validate a case; raises ValueError((zh, en)) naming the field path (e.g. ``order.paid``).

    Required: kind, reason, order (with paid and delivered_at, which may be null) and at. Optional:
    return_shipping (0), order.shipping_paid (0), order.category ("") and order.promo_price (null). Returns the
    case with amounts as Decimal yuan and times as aware datetimes; parsing that result again gives it back.
    """
    _object(data, "case", ("kind", "reason", "order", "return_shipping", "at"), ("kind", "reason", "order", "at"))
    order = _object(data["order"], "order", ("paid", "shipping_paid", "delivered_at", "category", "promo_price"),
                    ("paid", "delivered_at"))
    category = order.get("category", "")
    if not isinstance(category, str) or len(category) > TEXT_CHARS:
        raise _bad("order.category", f"应为不超过 {TEXT_CHARS} 字的文本",
                   f"must be text of at most {TEXT_CHARS} characters")
    promo = order.get("promo_price")
    delivered = order["delivered_at"]
    case = {"kind": _choice(data["kind"], "kind", KINDS), "reason": _choice(data["reason"], "reason", REASONS),
            "order": {"paid": _yuan(order["paid"], "order.paid"),
                      "shipping_paid": _yuan(order.get("shipping_paid", 0), "order.shipping_paid"),
                      "delivered_at": None if delivered is None else _time(delivered, "order.delivered_at"),
                      "category": " ".join(category.split()),
                      "promo_price": None if promo is None else _yuan(promo, "order.promo_price")},
            "return_shipping": _yuan(data.get("return_shipping", 0), "return_shipping"),
            "at": _time(data["at"], "at")}
    if case["order"]["delivered_at"] is not None and case["at"] < case["order"]["delivered_at"]:
        raise _bad("at", "申请时间不能早于签收时间 order.delivered_at", "must not be before order.delivered_at")
    return case


# ---------------------------------------------------------------- the decision

@dataclass(frozen=True)
class _Case:
    kind: str
    reason: str
    paid: int  # fen
    ship: int
    rs: int  # the return parcel's shipping
    promo: int | None
    days: int | None  # calendar days since delivery; None: not delivered
    category: str
    policy: Policy

    @property
    def total(self) -> int:
        return self.paid + self.ship


def _fen(amount: Decimal) -> int:
    return int(amount * 100)


def _y(fen: int) -> str:
    return f"{Decimal(fen).scaleb(-2):.2f}"


def _split(payer: str, rs: int) -> tuple[int, int]:
    """(buyer, shop) shares of the return parcel; the odd fen of a split goes to the shop."""
    return {"buyer": (rs, 0), "split": (rs // 2, rs - rs // 2), "shop": (0, rs), "courier": (0, rs)}.get(payer, (0, 0))


def _out(allowed: bool, rule: str, text: str, payer: str = "none", rs: int = 0, refund: int = 0,
         reship: bool = False) -> dict:
    buyer, shop = _split(payer, rs)
    return {"allowed": allowed, "rule": rule, "reason_text": text, "return_shipping_payer": payer,
            "buyer_pays": buyer, "shop_pays": shop, "refund": refund, "reship_now": reship}


def _who_pays(payer: str, rs: int) -> str:
    amount = f" {_y(rs)} 元" if rs else ""
    if payer == "split":
        buyer, shop = _split(payer, rs)
        shares = f"（您 {_y(buyer)} 元，我们 {_y(shop)} 元）" if rs else ""
        return f"寄回运费{amount}由您和我们各承担一半{shares}"
    return {"buyer": f"寄回运费{amount}由您承担", "shop": f"寄回运费{amount}由我们承担",
            "courier": f"寄回运费{amount}由我们先行垫付"}[payer]


def _since(days: int) -> str:
    return "今天刚签收" if days == 0 else f"签收已 {days} 天"


def _price(x: _Case) -> dict:
    if x.promo is None:
        return _out(False, "no_price_drop", f"没有提供活动价，无法与您的实付 {_y(x.paid)} 元比较差价。")
    if x.promo >= x.paid:
        return _out(False, "no_price_drop", f"活动价 {_y(x.promo)} 元不低于实付 {_y(x.paid)} 元，没有需要补的差价。")
    diff = x.paid - x.promo
    prices = f"实付 {_y(x.paid)} 元，活动价 {_y(x.promo)} 元"
    if x.days is None:
        return _out(True, "price_protect", f"订单还没有签收，{prices}，可以为您退还差价 {_y(diff)} 元。", refund=diff)
    days = x.policy.price_protect_days
    if x.days > days:
        return _out(False, "price_protect", f"{_since(x.days)}，超过 {days} 天的价格保护期，很抱歉无法补差价。")
    return _out(True, "price_protect", f"{_since(x.days)}，在 {days} 天价格保护期内，{prices}，可以为您退还差价 "
                                       f"{_y(diff)} 元。", refund=diff)


def _undelivered(x: _Case) -> dict:
    money = f"{_y(x.total)} 元（含运费 {_y(x.ship)} 元）"
    if x.kind == "refund_only":
        return _out(True, "before_delivery", f"订单还没有签收，可以为您全额退款 {money}。", refund=x.total)
    return _out(False, "not_delivered", f"订单还没有签收，暂时无法{KIND_ZH[x.kind]}；如果不想要了，可以申请仅退款，"
                                        f"全额退回 {money}。")


def _repair(x: _Case) -> dict:
    days = x.policy.repair_days
    if x.reason != "defect":
        p = x.policy
        other = (f"个人原因可以在签收 {p.no_reason_days} 天内申请无理由退换货" if x.reason in BUYER_REASONS
                 else f"{REASON_ZH[x.reason]}可以在签收 {p.fault_days} 天内申请"
                 + ("退货或仅退款" if x.reason == "late_delivery" else "退换货或补发，运费由我们承担"))
        return _out(False, "repair_defect_only", f"免费维修只适用于商品质量问题；{other}。")
    if x.days > days:
        return _out(False, "repair_window", f"{_since(x.days)}，超过 {days} 天的保修期，很抱歉无法免费维修。")
    return _out(True, "repair_window", f"{_since(x.days)}，在 {days} 天保修期内，可以免费维修，"
                                       f"{_who_pays('shop', x.rs)}。", "shop", x.rs)


def _buyer(x: _Case) -> dict:
    p, days = x.policy, x.policy.no_reason_days
    if x.kind == "refund_only":
        return _out(False, "return_required", f"商品已签收，因个人原因退款需要先把商品寄回，请在签收 {days} 天内"
                                              "申请退货退款。")
    if x.kind == "reship":
        return _out(False, "reship_needs_fault", "补发只用于发错、质量问题或运输损坏的情况；想换尺码或不想要了，"
                                                 f"可以在签收 {days} 天内申请换货或退货。")
    hit = next((name for name in p.excluded_categories if name in x.category), None)
    if hit:
        return _out(False, "excluded_category", f"「{x.category[:20]}」属于{hit}，依照《消费者权益保护法》第二十五条"
                                                f"不适用 {days} 天无理由退换货；如有质量问题，我们一定负责处理。")
    if x.days > days:
        return _out(False, "no_reason_window", f"{_since(x.days)}，超过 {days} 天无理由{KIND_ZH[x.kind]}期限，"
                                               "很抱歉无法办理；如有质量问题，请随时告诉我们。")
    if x.kind == "return":
        return _out(True, "no_reason_window", f"{_since(x.days)}，在 {days} 天无理由退货期限内，可以退货；"
                                              f"{_who_pays(p.return_payer, x.rs)}，我们收到商品后退回货款 "
                                              f"{_y(x.paid)} 元。", p.return_payer, x.rs, x.paid)
    return _out(True, f"exchange_{p.exchange_payer}", f"{_since(x.days)}，在 {days} 天无理由换货期限内，可以换货；"
                                                      f"{_who_pays(p.exchange_payer, x.rs)}。", p.exchange_payer, x.rs)


def _late(x: _Case, lead: str) -> dict:
    money = f"{_y(x.total)} 元（含运费 {_y(x.ship)} 元）"
    if x.kind == "refund_only":
        return _out(True, "late_delivery", f"很抱歉商品延迟送达，{lead}商品不用退回，直接全额退款 {money}。",
                    refund=x.total)
    if x.kind == "return":
        return _out(True, "late_delivery", f"很抱歉商品延迟送达，{lead}可以退货并全额退款 {money}，"
                                           f"{_who_pays('shop', x.rs)}。", "shop", x.rs, x.total)
    return _out(False, "late_delivery", f"延迟送达不影响商品本身，无法{KIND_ZH[x.kind]}；签收 {x.policy.fault_days} "
                                        f"天内可以申请退货或仅退款，全额退回 {money}。")


def _fault(x: _Case) -> dict:
    p = x.policy
    if x.days > p.fault_days:
        if x.kind in ("return", "exchange"):
            fallback = _buyer(x)
            if fallback["allowed"]:
                fallback["reason_text"] = (f"已超过 {p.fault_days} 天的{REASON_ZH[x.reason]}处理期限，按无理由"
                                           f"{KIND_ZH[x.kind]}办理：" + fallback["reason_text"])
                return fallback
        repair = (f"；质量问题在签收 {p.repair_days} 天内可以申请免费维修"
                  if x.reason == "defect" and x.days <= p.repair_days else "")
        return _out(False, "fault_window", f"{_since(x.days)}，超过 {p.fault_days} 天的{REASON_ZH[x.reason]}处理期限，"
                                           f"很抱歉无法办理{KIND_ZH[x.kind]}{repair}。")
    lead = f"{_since(x.days)}，在 {p.fault_days} 天处理期限内，"
    if x.reason == "late_delivery":
        return _late(x, lead)
    if x.reason == "damaged_in_transit":
        payer, rule, cause = "courier", "courier_damage", "商品在运输途中损坏，我们先为您处理好，再向快递公司索赔："
    else:
        payer, rule, cause = "shop", "seller_fault", f"{REASON_ZH[x.reason]}是我们的责任，非常抱歉："
    money = f"{_y(x.total)} 元（含运费 {_y(x.ship)} 元）"
    if x.kind == "return":
        return _out(True, rule, f"{lead}{cause}{_who_pays(payer, x.rs)}，全额退款 {money}。", payer, x.rs, x.total)
    if x.kind == "exchange":
        return _out(True, rule, f"{lead}{cause}新商品马上发出，不必等退货寄到，{_who_pays(payer, x.rs)}。",
                    payer, x.rs, reship=True)
    if x.kind == "reship":
        return _out(True, rule, f"{lead}{cause}马上为您补发，原商品不用寄回。", reship=True)
    return _out(True, rule, f"{lead}{cause}原商品不用寄回，全额退款 {money}。", refund=x.total)


def explain(case: dict, policy: Policy = DEFAULT_POLICY) -> dict:
    """What the policy decides for a case (raw JSON or ``parse_case``'s result; invalid: ValueError((zh, en))).
    Returns allowed, rule, reason_text (one Chinese sentence with the numbers), return_shipping_payer,
    buyer_pays, shop_pays, refund (yuan, 2 decimals) and reship_now. See the module docstring for the rules."""
    c = parse_case(case)
    order = c["order"]
    zone = ZoneInfo(policy.tz)
    days = (None if order["delivered_at"] is None
            else (c["at"].astimezone(zone).date() - order["delivered_at"].astimezone(zone).date()).days)
    x = _Case(c["kind"], c["reason"], _fen(order["paid"]), _fen(order["shipping_paid"]), _fen(c["return_shipping"]),
              None if order["promo_price"] is None else _fen(order["promo_price"]), days, order["category"], policy)
    if x.kind == "price_difference":
        out = _price(x)
    elif x.days is None:
        out = _undelivered(x)
    elif x.kind == "repair":
        out = _repair(x)
    elif x.reason in BUYER_REASONS:
        out = _buyer(x)
    else:
        out = _fault(x)
    out["refund"] = min(out["refund"], x.total)
    for key in ("buyer_pays", "shop_pays", "refund"):
        out[key] = float(Decimal(out[key]).scaleb(-2))
    return out


# ---------------------------------------------------------------- cases: statuses, reasons, an override

STATUSES = ("open", "confirmed", "awaiting_return", "returned", "refunded", "reshipped", "exchanged", "repaired",
            "rejected", "closed")
DONE = {"return": "refunded", "refund_only": "refunded", "price_difference": "refunded", "reship": "reshipped",
        "exchange": "exchanged", "repair": "repaired"}  # the status that ends each kind's work
FINAL = frozenset({*DONE.values(), "rejected", "closed"})
RESPONSIBLE = ("buyer", "seller", "courier", "platform")


def responsible_for(reason: str) -> str | None:
    """Who the reason itself makes responsible (the agent may still decide otherwise): a buyer-side reason the
    buyer, a seller fault the shop, damage in transit the courier; a late delivery needs looking into."""
    return ("buyer" if reason in BUYER_REASONS else "seller" if reason in SELLER_FAULTS
            else "courier" if reason == "damaged_in_transit" else None)
MAX_REASONS = 20


def next_statuses(status: str, kind: str, outcome: dict | None) -> tuple[str, ...]:
    """Where a case may be moved by hand (confirming moves open → confirmed, or rejected when refused). A new
    item shipped at once (reship_now) is reshipped, and a parcel still due back is awaited after it; otherwise an
    outcome with a return parcel waits for it (awaiting_return → returned) before the kind's DONE status. Any
    case may be closed, and rejected until the item is back."""
    out = outcome or {}
    back, reship = out.get("return_shipping_payer", "none") != "none", bool(out.get("reship_now"))
    done = "reshipped" if reship else DONE.get(kind)
    nxt = {"open": ("rejected",), "confirmed": ("awaiting_return" if back and not reship else done, "rejected"),
           "reshipped": ("awaiting_return",) if back else (), "awaiting_return": ("returned", "rejected"),
           "returned": () if reship else (done,)}.get(status, ())
    return () if status == "closed" else (*(x for x in nxt if x), "closed")


def reasons_from(data) -> list[dict]:
    """The shop's reason list: [{code, label}], each label (what agents and buyers read) mapped onto a REASONS
    code, a code at most once; None or empty: every code with its Chinese label. ValueError((zh, en)) if bad."""
    if not data:
        return [{"code": c, "label": REASON_ZH[c]} for c in REASONS]
    if not isinstance(data, list) or len(data) > MAX_REASONS:
        raise _bad("reasons", f"应为最多 {MAX_REASONS} 项的列表", f"must be a list of at most {MAX_REASONS} items")
    out: list[dict] = []
    for i, item in enumerate(data):
        path = f"reasons[{i}]"
        _object(item, path, ("code", "label"), ("code", "label"))
        code, label = _choice(item["code"], f"{path}.code", REASONS), item["label"]
        if not isinstance(label, str) or not 0 < len(label.strip()) <= CATEGORY_CHARS:
            raise _bad(f"{path}.label", f"应为 1–{CATEGORY_CHARS} 个字", f"must be 1–{CATEGORY_CHARS} characters")
        if any(x["code"] == code for x in out):
            raise _bad(f"{path}.code", "与前面的原因重复", "repeats an earlier reason")
        out.append({"code": code, "label": label.strip()})
    return out


def overridden(case: dict, policy: Policy) -> dict:
    """A supervisor's exception to a refusal: the case decided as if every window were open and no category
    excluded, then allowed whatever it says (rule ``override``), in a sentence for the buyer."""
    wide = replace(policy, excluded_categories=(), **{f: MAX_DAYS for f in DAY_FIELDS})
    out = explain(case, wide)
    fen = {k: round(out[k] * 100) for k in ("buyer_pays", "shop_pays", "refund")}
    parts = [f"经主管特批，为您破例办理{KIND_ZH[parse_case(case)['kind']]}"]
    if fen["refund"]:
        parts.append(f"退款 {_y(fen['refund'])} 元")
    if out["return_shipping_payer"] != "none":
        parts.append(_who_pays(out["return_shipping_payer"], fen["buyer_pays"] + fen["shop_pays"]))
    if out["reship_now"]:
        parts.append("马上为您发出新商品")
    return {**out, "allowed": True, "rule": "override", "reason_text": "，".join(parts) + "。"}
