"""Notification policy as pure functions: who hears of a ticket event, what the bell and the mails say, the retry
schedule, webhook signatures, and the checks on what admins type. Tested without a database."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from kefu.core.errors import BadInput

# ---------------------------------------------------------------- the channel adapter interface


@dataclass(frozen=True)
class Outgoing:
    """One message for one channel: a bell line (``target`` the agent id), a webhook POST (``target`` the URL,
    ``secret`` its signing key) or an email (``target`` the address). ``uid`` is the same on every attempt."""
    channel: str
    target: str
    event: str
    body: str
    uid: str = ""
    subject: str | None = None
    secret: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How an attempt went: the HTTP status (or SMTP reply code) or the error; ``permanent`` when sending the
    same message again cannot help (a mail server refusing the address)."""
    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0
    permanent: bool = False


class Channel(Protocol):
    """What every channel does: try to deliver one message and say how it went. In-app delivery is a row and an
    event in the ticket's own transaction; webhook and email talk to the outside world later, from a timer."""
    name: str

    async def send(self, delivery: Outgoing) -> Outcome: ...


# ---------------------------------------------------------------- retries

RETRY_DELAYS = (30, 120, 480, 1800, 7200)  # seconds after a failed attempt 1, 2, … before the next one
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1  # then the delivery is given up (status failed)
STALE_AFTER = 600  # the last attempt's outcome never recorded (the process stopped mid-send): failed after this


def retry_delay(attempt: int) -> int | None:
    """Seconds to wait after attempt number ``attempt`` (1-based) failed; None when it was the last."""
    return RETRY_DELAYS[attempt - 1] if 1 <= attempt <= len(RETRY_DELAYS) else None


# ---------------------------------------------------------------- webhook signatures

SIGNATURE_HEADER, DELIVERY_HEADER, EVENT_HEADER = "X-Kefu-Signature", "X-Kefu-Delivery", "X-Kefu-Event"
SIGNATURE_TOLERANCE = 300  # receivers should refuse a signature older than this many seconds


def signature(secret: str, timestamp: int, body: str) -> str:
    """The X-Kefu-Signature header: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by secret>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: str, now_ts: int, tolerance: int = SIGNATURE_TOLERANCE) -> bool:
    """What a receiver does: recompute the MAC over the raw body and compare in constant time; refuse old ones."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        ts = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now_ts - ts) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, ts, body), f"t={ts},v1={parts.get('v1', '')}")


def webhook_body(uid: str, event: str, at: str, shop: str, ticket: dict[str, Any] | None,
                 data: dict[str, Any]) -> str:
    """The JSON a webhook receives, fixed when the delivery is queued (every attempt sends these bytes)."""
    return json.dumps({"id": uid, "event": event, "created_at": at, "shop": shop, "ticket": ticket, "data": data},
                      ensure_ascii=False, default=str, separators=(",", ":"))


# ---------------------------------------------------------------- what admins type

MAX_URL, MAX_ENDPOINTS, MAX_ALERT_EMAILS = 500, 5, 10
MIN_SECRET, MAX_SECRET = 16, 128
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})+")


def check_url(url: str) -> str:
    url = (url or "").strip()
    if not url or len(url) > MAX_URL or _CONTROL.search(url):
        raise BadInput(f"请填写有效的网址（最长 {MAX_URL} 个字符，不含空格）",
                       f"Enter a valid URL (at most {MAX_URL} characters, no spaces)", code="bad_webhook_url")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is not a number or out of range
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput("网址必须以 http:// 或 https:// 开头并包含主机名",
                       "The URL must start with http:// or https:// and name a host", code="bad_webhook_url")
    if parts.username or parts.password:
        raise BadInput("网址中不能包含用户名或密码：请用签名密钥校验来源",
                       "No user name or password in the URL: receivers check the signature instead",
                       code="bad_webhook_url")
    return url


def check_secret(secret: str | None) -> str:
    """The admin's own signing secret, or a new random one when they leave it empty."""
    secret = (secret or "").strip()
    if not secret:
        return "whsec_" + secrets.token_urlsafe(24)
    if not MIN_SECRET <= len(secret) <= MAX_SECRET or _CONTROL.search(secret) or not secret.isascii():
        raise BadInput(f"签名密钥需为 {MIN_SECRET}–{MAX_SECRET} 个字符的 ASCII 字符串（不含空格），或留空自动生成",
                       f"The signing secret must be {MIN_SECRET}-{MAX_SECRET} ASCII characters without spaces, "
                       "or empty to have one made", code="bad_webhook_secret")
    return secret


def check_email(address: str) -> str:
    address = (address or "").strip()
    if len(address) > 254 or not _EMAIL.fullmatch(address):
        raise BadInput(f"邮箱地址无效：{address[:60]}", f"Not an email address: {address[:60]}", code="bad_email")
    return address


def check_emails(addresses: list[str]) -> list[str]:
    if len(addresses) > MAX_ALERT_EMAILS:
        raise BadInput(f"最多 {MAX_ALERT_EMAILS} 个邮箱", f"At most {MAX_ALERT_EMAILS} addresses", code="bad_email")
    out: list[str] = []
    for a in addresses:
        if a.strip() and (clean := check_email(a)).lower() not in (x.lower() for x in out):
            out.append(clean)
    return out


def mask(secret: str) -> str:
    return secret[:6] + "…" + secret[-4:] if len(secret) > 12 else "…"


# ---------------------------------------------------------------- who hears what

TO_SUPERVISORS = frozenset({"sla_breached", "quick_overdue"})


def bell_audience(kind: str, assignee_id: int | None, created_by_id: int | None,
                  data: dict[str, Any]) -> tuple[str, int | None] | None:
    """Whose bell rings: ("agent", id) for the ticket's owner — a ticket opened for them by someone else, one
    handed to them, a buyer's message on it, a deadline 2 h away — or ("supervisors", None) on a breach or when
    the quick-response team let an urgent complaint's 2 hours pass."""
    if kind in TO_SUPERVISORS:
        return ("supervisors", None)
    if kind == "assigned":
        after = data.get("after")
        return ("agent", after) if after is not None and after != data.get("agent_id") else None
    if kind == "created":
        return ("agent", assignee_id) if assignee_id is not None and assignee_id != created_by_id else None
    if kind in ("buyer_message", "sla_warning") and assignee_id is not None:
        return ("agent", assignee_id)
    return None


CLOCK_NAMES = {"first_response": ("首次响应", "first response"), "resolution": ("解决时限", "resolution")}


def _short(text: str, n: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n - 1] + "…"


def bell_text(kind: str, number: str, title: str, data: dict[str, Any]) -> tuple[str, str]:
    """The bell's line in Chinese and English."""
    title = _short(title)
    zh_clock, en_clock = CLOCK_NAMES.get(data.get("clock", ""), ("时限", "deadline"))
    if kind == "created":
        return f"新工单 {number}「{title}」已分配给您", f"New ticket {number} “{title}” is yours"
    if kind == "assigned":
        return f"工单 {number}「{title}」已转给您", f"Ticket {number} “{title}” was handed to you"
    if kind == "buyer_message":
        text = _short(data.get("text", ""), 80)
        return f"买家在工单 {number} 留言：{text}", f"The buyer wrote on {number}: {text}"
    if kind == "sla_warning":
        return (f"{number}「{title}」的{zh_clock}将在 2 个工作小时内到期",
                f"{number} “{title}”: {en_clock} due within 2 business hours")
    if kind == "sla_breached":
        return f"{number}「{title}」的{zh_clock}已超时", f"{number} “{title}” breached its {en_clock} deadline"
    if kind == "quick_overdue":
        return (f"{number}「{title}」2 小时内无人快速响应", f"Nobody on the quick-response team acted on {number} "
                f"“{title}” within 2 hours")
    return f"工单 {number} 有更新", f"Ticket {number} changed"


def ticket_link(number: str) -> str:
    return f"/tickets#{number}"


# ---------------------------------------------------------------- mail


def buyer_mailed(kind: str, data: dict[str, Any]) -> bool:
    """Whether the buyer gets a mail: a reply they may read, or their ticket resolved (never internal notes,
    clocks or other status moves)."""
    return kind == "replied" or (kind == "status" and data.get("after") == "resolved")


def buyer_mail(kind: str, data: dict[str, Any], number: str, title: str, lang: str, shop: str,
               status_url: str) -> tuple[str, str] | None:
    """(subject, text) of the buyer's mail for this event, or None when it is not mailed (buyer_mailed)."""
    if not buyer_mailed(kind, data):
        return None
    resolved = kind == "status"
    title = _short(title)
    if lang == "en":
        subject = f"[{shop}] Ticket {number} " + ("is resolved" if resolved else "has a new reply")
        lead = (f"We have resolved your ticket {number} “{title}”. If the problem is not fixed, reply on the ticket "
                "and we will pick it up again." if resolved else f"There is a new reply on your ticket {number} "
                f"“{title}”:\n\n{data.get('text', '')}")
        tail = f"Follow your ticket: {status_url} (its number and the last four digits of your phone)."
        return subject, f"Hello,\n\n{lead}\n\n{tail}\n\n— {shop}\n"
    subject = f"【{shop}】工单 {number} " + ("已解决" if resolved else "有新回复")
    lead = (f"您的工单 {number}「{title}」已处理完毕。如问题仍未解决，请在工单中回复，我们会继续跟进。" if resolved
            else f"您的工单 {number}「{title}」有新回复：\n\n{data.get('text', '')}")
    tail = f"查看进度：{status_url}（输入工单号和手机号后四位）"
    return subject, f"您好，\n\n{lead}\n\n{tail}\n\n— {shop}\n"


def alert_mail(number: str, title: str, clock: str, assignee: str, shop: str, link: str) -> tuple[str, str]:
    """(subject, text) of the SLA-breach mail to the shop's alert addresses, in both languages."""
    zh_clock, en_clock = CLOCK_NAMES.get(clock, ("时限", "deadline"))
    title = _short(title)
    subject = f"【{shop}】工单 {number} {zh_clock}已超时 / Ticket {number} breached its {en_clock} deadline"
    text = (f"工单 {number}「{title}」的{zh_clock}已超时，负责人：{assignee}。\n查看：{link}\n\n"
            f"Ticket {number} “{title}” breached its {en_clock} deadline; owner: {assignee}.\nOpen: {link}\n")
    return subject, text
