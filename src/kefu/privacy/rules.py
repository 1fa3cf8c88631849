"""Buyers' personal information in the staff's view and under the shop's rules (个人信息保护法), as pure functions:

* what staff see: phones keep their first three and last four digits, ID numbers, e-mail addresses and street
  addresses are hidden, in chat lines, previews, profiles and orders, until someone with access reveals one
  (the reveal is audited: kefu.privacy.service);
* retention: a shop may keep closed conversations for N days, then anonymise them (personal details masked
  in the stored text) or delete their content (text and images gone); rows, times, counts and ratings stay, so
  the shop's statistics do not change;
* a buyer's erasure: the same deletion for everything of theirs, and their profile emptied.
No database: unit-tested alone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from kefu.core.errors import BadInput
from kefu.nlu.rules import mask_pii

MODES = ("anonymise", "delete")
MIN_DAYS, MAX_DAYS = 7, 3650  # under a week would wipe chats still being followed up; ten years is the cap
RUN_BATCH = 200  # closed conversations one retention pass handles in one transaction
ERASED_NAME = "已删除的买家"
DELETED_TEXT = ""  # a deleted message keeps its row (seq, sender, time) and loses its words
REDACTED_MARK = "redacted"  # key in a message's analysis: "anonymised" or "deleted"


# --- masking ---------------------------------------------------------------------------------------------

def mask_text(text: str | None) -> str | None:
    """Phones as 138****1234; ID numbers, e-mails, landlines and addresses as [身份证号], [邮箱], [电话], [地址]."""
    return mask_pii(text) if text else text


def mask_phone(phone: str | None) -> str | None:
    """138****1234: the first three and last four digits; a short number keeps its last two."""
    if not phone:
        return phone
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * max(len(digits) - 2, 0) + digits[-2:]
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(email: str | None) -> str | None:
    """z***@example.com: the first character of the name and the whole domain."""
    if not email or "@" not in email:
        return email
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


def mask_name(name: str | None) -> str | None:
    """张*, 欧阳** — the family name (one character) stays."""
    if not name:
        return name
    return name[:1] + "*" * min(len(name) - 1, 3) if len(name) > 1 else "*"


_LEVELS = tuple(re.compile(p) for p in (r"[^省市区县]{2,7}?(?:省|自治区|特别行政区)",  # province
                                         r"[^省市区县]{1,7}?(?:市|自治州|地区|盟)",  # city
                                         r"[^省市区县]{1,7}?(?:区|县|旗|市)"))  # district


def mask_address(address: str | None) -> str | None:
    """浙江省杭州市西湖区**** — the region up to the district stays (enough to talk about delivery), the rest not."""
    if not address:
        return address
    text, pos = address.strip(), 0
    for level in _LEVELS:
        m = level.match(text, pos)
        if m:
            pos = m.end()
    return (text[:pos] or text[:2]) + "****"


def mask_message(m: dict[str, Any]) -> dict[str, Any]:
    """A message as staff see it: ``text`` masked and ``masked`` True when that hid anything (the 查看 button),
    the phone numbers message understanding found masked too. The same dict when there is nothing to hide."""
    text = m.get("text") or ""
    shown = mask_text(text)
    entities = ((m.get("analysis") or {}).get("entities") or {})
    if shown == text and not entities.get("phones"):
        return m
    out = {**m, "text": shown, "masked": shown != text}
    if entities.get("phones"):
        phones = [{**p, "text": mask_text(p.get("text") or "")} for p in entities["phones"]]
        out["analysis"] = {**m["analysis"], "entities": {**entities, "phones": phones}}
    return out


def masked_lines(lines: list | None) -> list | None:
    """A chat transcript snapshotted into a ticket, its lines masked like the chat itself."""
    if not lines:
        return lines
    return [{**ln, "text": mask_text(ln.get("text"))} if isinstance(ln, dict) else ln for ln in lines]


def staff_event(ev: dict[str, Any]) -> dict[str, Any]:
    """An event as staff sockets and the staff resync receive it: its message masked (the event log keeps the
    buyer's words whole, for the buyer's own view). The same dict when there is nothing to hide."""
    data = ev.get("data")
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict):
        return ev
    shown = mask_message(message)
    return ev if shown is message else {**ev, "data": {**data, "message": shown}}


# --- retention -------------------------------------------------------------------------------------------

def check_retention(days: Any, mode: Any) -> tuple[int | None, str]:
    """The shop's rule as given by an admin: days empty or 0 keeps conversations for ever."""
    if mode not in MODES:
        raise BadInput(f"处理方式只能是 {'、'.join(MODES)}", f"mode must be one of: {', '.join(MODES)}",
                       code="bad_retention_mode")
    if days in (None, "", 0):
        return None, mode
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise BadInput(f"保留天数须在 {MIN_DAYS} 到 {MAX_DAYS} 之间（留空表示一直保留）",
                       f"Keep conversations for {MIN_DAYS} to {MAX_DAYS} days (empty: for ever)",
                       code="bad_retention_days")
    return days, mode


def cutoff(at: datetime, days: int) -> datetime:
    """Conversations closed before this instant are due."""
    return at - timedelta(days=days)


def next_run(at: datetime) -> datetime:
    """The nightly pass: the next 03:00 China time (19:00 UTC), when chats are quietest."""
    run = at.replace(hour=19, minute=0, second=0, microsecond=0)
    return run if run > at else run + timedelta(days=1)


def redacted_text(text: str, mode: str) -> str:
    return mask_text(text) if mode == "anonymise" else DELETED_TEXT


def redacted_analysis(analysis: dict | None, mode: str) -> dict:
    """What stays of a message's analysis: intent and emotion (the shop's statistics read them), no entities
    (they quote the buyer's words)."""
    kept = {k: v for k, v in (analysis or {}).items() if k not in ("entities", "card", REDACTED_MARK)}
    if analysis and "card" in analysis and mode == "anonymise":
        kept["card"] = analysis["card"]
    return {**kept, REDACTED_MARK: "anonymised" if mode == "anonymise" else "deleted"}


def redacted_event(data: dict[str, Any], mode: str) -> dict[str, Any]:
    """An event's data with the message's words and the buyer's profile treated like the stored rows."""
    out = dict(data)
    message = out.get("message")
    if isinstance(message, dict):
        message = {**message, "text": redacted_text(message.get("text") or "", mode),
                   "analysis": redacted_analysis(message.get("analysis"), mode)}
        if mode == "delete":
            message.pop("attachment", None)
        out["message"] = message
    conv = out.get("conversation")
    if isinstance(conv, dict):
        conv = {**conv, "last_preview": redacted_text(conv.get("last_preview") or "", mode)}
        if isinstance(conv.get("customer"), dict) and mode == "delete":
            conv["customer"] = {**conv["customer"], "display_name": ERASED_NAME, "phone": None}
        out["conversation"] = conv
    return out


def export_document(shop: dict, customer: dict, conversations: list[dict], tickets: list[dict],
                    cases: list[dict], orders: list[dict], at: datetime) -> dict:
    """A buyer's copy of what the shop holds about them (个人信息保护法 第四十五条), as one JSON document."""
    return {"format": "kefu.buyer-export/1", "exported_at": at.isoformat(), "shop": shop, "buyer": customer,
            "conversations": conversations, "tickets": tickets, "after_sale_cases": cases, "orders": orders}
