"""Ticket rules, pure: types, priorities, the status workflow and which statuses stop the SLA clock, and the
ticket number a buyer is given."""

from __future__ import annotations

import hmac
import secrets

from kefu.conversations.rules import strip_control

TYPES = ("售后", "咨询", "投诉")  # the shop may add its own (kefu.sla settings); these always exist
TYPE_GROUP = {"售后": "售后", "咨询": "售前", "投诉": "投诉"}  # the agent group (routing) that owns each type
PRIORITIES = ("low", "normal", "high", "urgent")

# status -> category. Waiting statuses stop the SLA clock; resolved and closed stop it for good.
STATUSES = {
    "open": "open",
    "in_progress": "open",
    "waiting_buyer": "waiting",
    "waiting_courier": "waiting",
    "waiting_warehouse": "waiting",
    "waiting_platform": "waiting",
    "resolved": "resolved",
    "closed": "closed",
}
LABELS = {
    "open": ("待处理", "Open"),
    "in_progress": ("处理中", "In progress"),
    "waiting_buyer": ("等待买家回复", "Waiting on the buyer"),
    "waiting_courier": ("等待快递", "Waiting on the courier"),
    "waiting_warehouse": ("等待仓库", "Waiting on the warehouse"),
    "waiting_platform": ("等待平台", "Waiting on the platform"),
    "resolved": ("已解决", "Resolved"),
    "closed": ("已关闭", "Closed"),
}
# Where a ticket may go from each category: a closed ticket is final; a resolved one may be reopened (the
# buyer says it is not fixed) or closed.
_NEXT = {
    "open": {"open", "waiting", "resolved", "closed"},
    "waiting": {"open", "waiting", "resolved", "closed"},
    "resolved": {"open", "closed"},
    "closed": set(),
}

# Ticket numbers: T- and six characters without look-alikes (0/O, 1/I/L), 30^6 ≈ 729 million.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXY"
NUMBER_LEN = 6


def category(status: str) -> str:
    return STATUSES[status]


def clock_runs(status: str) -> bool:
    """The SLA clocks count only while the ticket is with the shop (open or in progress)."""
    return STATUSES[status] == "open"


def can_move(current: str, new: str) -> bool:
    return new != current and STATUSES[new] in _NEXT[STATUSES[current]]


def new_number() -> str:
    return "T-" + "".join(secrets.choice(ALPHABET) for _ in range(NUMBER_LEN))


def normalize_number(raw: str) -> str | None:
    """A number as a buyer might type it (lower case, without the dash, with spaces) → T-XXXXXX, or None."""
    text = "".join(raw.split()).upper()
    if text.startswith("T-"):
        text = text[2:]
    elif text.startswith("T") and len(text) == NUMBER_LEN + 1:  # without the dash (T itself may start the rest)
        text = text[1:]
    if len(text) != NUMBER_LEN or any(ch not in ALPHABET for ch in text):
        return None
    return "T-" + text


def clean_field(value: str, zh: str, en: str, *, required: bool = False, max_chars: int = 5000) -> str:
    """A text field of a ticket, cleaned as chat messages are (conversations.rules.strip_control) and without
    lone surrogates; a clear error when empty or too long."""
    text = strip_control("".join(ch for ch in value if not 0xD800 <= ord(ch) <= 0xDFFF))  # no lone surrogates
    if required and not text:
        raise ValueError((f"{zh}不能为空", f"{en} cannot be empty"))
    if len(text) > max_chars:
        raise ValueError((f"{zh}过长：最多 {max_chars} 字", f"{en} too long: at most {max_chars} characters"))
    return text


# A chat's intent → the ticket type and what the buyer most likely asks for (the agent edits before saving).
_KIND = {"complaint": "投诉", "presale": "咨询", "price": "咨询", "invoice": "咨询", "payment": "咨询", "other": "咨询"}
_DEMAND = {"refund": "退款", "return": "退货退款", "exchange": "换货", "repair": "维修", "wrong_item": "换货或退款",
           "quality": "退换或维修", "logistics": "尽快送达或补发", "cancel": "取消订单", "order_change": "修改订单",
           "price": "补差价", "invoice": "开具发票", "complaint": "处理投诉并回复"}
_DEMAND_WORDS = (("仅退款", "仅退款"), ("退货", "退货退款"), ("退款", "退款"), ("换货", "换货"), ("换一", "换货"),
                 ("补发", "补发"), ("补差价", "补差价"), ("差价", "补差价"), ("赔偿", "赔偿"), ("维修", "维修"),
                 ("发票", "开具发票"))
AFTER_SALE_INTENTS = frozenset({"refund", "return", "exchange", "repair", "quality", "wrong_item", "logistics"})
TITLE_CHARS = 40
PROBLEM_LINES = 5


def draft_from_chat(intent: str | None, buyer_lines: list[str], orders: list[str]) -> dict:
    """What a ticket opened from a chat proposes: type and demand from the conversation's intent (a demand the
    buyer names outright wins), the first substantive line as the title, the buyer's last lines as the
    problem, the order numbers they mentioned."""
    kind = _KIND.get(intent or "other", "售后")
    text = " ".join(buyer_lines)
    demand = next((d for word, d in _DEMAND_WORDS if word in text), _DEMAND.get(intent or "", ""))
    first = next((line for line in buyer_lines if len(line) >= 4), buyer_lines[0] if buyer_lines else "")
    title = first if len(first) <= TITLE_CHARS else first[:TITLE_CHARS - 1] + "…"
    return {"kind": kind, "priority": "high" if kind == "投诉" else "normal", "title": title or "买家问题",
            "problem": "\n".join(buyer_lines[-PROBLEM_LINES:]), "demand": demand,
            "order_numbers": list(dict.fromkeys(orders))}


def suggest_on_close(intent: str | None, open_tickets: int) -> bool:
    """Closing a chat whose after-sale problem has no ticket yet: ask the agent whether to open one."""
    return intent in AFTER_SALE_INTENTS and open_tickets == 0


# What the buyer reads as the next step of their ticket ({due}: the resolution deadline, local time).
NEXT_STEP = {
    "open": ("客服将尽快处理，预计 {due} 前解决", "We will handle it soon, expected by {due}"),
    "in_progress": ("客服正在处理，预计 {due} 前解决", "Being handled, expected by {due}"),
    "waiting_buyer": ("需要您补充信息，请在下方回复", "We need more information from you: please reply below"),
    "waiting_courier": ("正在等待快递公司反馈", "Waiting for the courier's answer"),
    "waiting_warehouse": ("正在等待仓库处理", "Waiting for the warehouse"),
    "waiting_platform": ("正在等待平台处理", "Waiting for the platform"),
    "resolved": ("已解决；如仍有问题，请直接回复", "Resolved; if something is still wrong, just reply"),
    "closed": ("工单已关闭", "This ticket is closed"),
}


def next_step(status: str, due_local: str | None) -> dict:
    zh, en = NEXT_STEP[status]
    due = due_local or "—"
    return {"zh": zh.format(due=due), "en": en.format(due=due)}


def after_buyer_reply(status: str) -> str | None:
    """A buyer's reply moves a ticket that waited on them, or a resolved one they say is not fixed, back to
    the shop (the clocks run again); otherwise the status stays."""
    return "in_progress" if status in ("waiting_buyer", "resolved") else None



# The public status page: attempts allowed per window (seconds), per caller address and per ticket number.
LOOKUP_LIMITS = {"ip": (10, 600), "ticket": (5, 600)}


def phone_last4_ok(phone: str | None, last4: str) -> bool:
    """Whether ``last4`` are the last four digits of the buyer's phone (compared in constant time)."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if len(digits) < 4 or len(last4) != 4 or not last4.isdigit():
        return False
    return hmac.compare_digest(digits[-4:], last4)


def needs_quick_team(kind: str, priority: str, escalated: bool, status: str) -> bool:
    """An urgent or escalated complaint, still with the shop: the quick-response team acts within 2 h."""
    return kind == "投诉" and (priority == "urgent" or escalated) and category(status) in ("open", "waiting")


def buyer_title(problem: str) -> str:
    """A title for a message the buyer left: its first line, shortened."""
    first = next((line.strip() for line in problem.splitlines() if line.strip()), "")
    return (first if len(first) <= TITLE_CHARS else first[:TITLE_CHARS - 1] + "…") or "买家留言"
