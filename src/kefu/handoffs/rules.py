"""Handoff policy: the context summary a receiving agent reads first. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence

from kefu.nlu.small_talk import substantive

INTENT_ZH = {
    "presale": "售前咨询", "logistics": "物流", "order_change": "修改订单", "cancel": "取消订单", "return": "退货",
    "exchange": "换货", "refund": "退款", "repair": "维修", "quality": "质量问题", "wrong_item": "发错货",
    "price": "价格/价保", "invoice": "发票", "payment": "支付", "complaint": "投诉", "other": "其他",
}
OFFER_WORDS = ("退款", "补发", "换货", "优惠券", "补偿", "红包", "赔", "补差价", "运费", "上门取件", "加急")


def _quote(text: str, limit: int = 40) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def summarize(*, intent: str | None, emotion: str | None, anger: float, abusive: bool, orders: Sequence[str],
              buyer_lines: Sequence[str], agent_lines: Sequence[str], waited_seconds: float, note: str = "") -> str:
    """The context a receiving agent reads first: problem, mood, orders, what was asked and offered, the wait.
    诉求 quotes the buyer's first two substantive lines (greetings, thanks and "好的" are skipped).

    e.g. "退款 · 买家情绪激动（怒气 82%） · 订单 3907 · 已等待 2 分钟 · 诉求：「…」 · 已提供：「…」"
    """
    asks = [_quote(line) for line in substantive(buyer_lines)[:2]]  # never "你好" or "谢谢"
    # "other" from a buyer who has only said hello is not a problem yet
    parts = [INTENT_ZH.get(intent or "", "问题未明") if asks or intent != "other" else "问题未明"]
    if abusive:
        parts.append("买家有辱骂言语")
    elif emotion == "angry":
        parts.append(f"买家情绪激动（怒气 {round(anger * 100)}%）")
    elif emotion == "negative":
        parts.append("买家不满")
    if orders:
        parts.append("订单 " + "、".join(dict.fromkeys(orders)))
    minutes = int(waited_seconds // 60)
    parts.append(f"已等待 {minutes} 分钟" if minutes else f"已等待 {int(waited_seconds)} 秒")
    if asks:
        parts.append("诉求：" + " / ".join(f"「{a}」" for a in asks))
    offers = [_quote(line) for line in agent_lines if any(w in line for w in OFFER_WORDS)][-2:]
    parts.append("已提供：" + " / ".join(f"「{o}」" for o in offers) if offers else "尚未提供方案")
    if note.strip():
        parts.append("备注：" + _quote(note, 120))
    return " · ".join(parts)


RECEIVER_ROLES = ("senior", "supervisor")


def pick_receiver(candidates: Sequence[tuple[int, str, str, int, int]], exclude: set[int]) -> int | None:
    """Who takes an escalation: an online senior with a free seat, else a supervisor; least loaded first.

    ``candidates`` are (agent_id, role, presence, load, max_chats).
    """
    able = [c for c in candidates if c[1] in RECEIVER_ROLES and c[2] == "online" and c[3] < c[4]
            and c[0] not in exclude]
    if not able:
        return None
    return min(able, key=lambda c: (RECEIVER_ROLES.index(c[1]), c[3] / max(1, c[4]), c[0]))[0]


def tried(raw: str) -> set[int]:
    return {int(x) for x in raw.split(",") if x.strip().isdigit()}


def with_tried(raw: str, agent_id: int | None) -> str:
    ids = tried(raw) | ({agent_id} if agent_id else set())
    return ",".join(str(i) for i in sorted(ids))
