"""A shop's orders through one interface, whatever the source: the built-in store (the ``orders`` table: entered by
an admin, imported from CSV, the demo's) or the shop's own system over HTTP (docs/orders.md has the contract).
Other domains use ``find_order`` / ``orders_of`` and the ``OrderView`` they return; both go through the shop's
connector. The shop's system is never called while this process holds a transaction of its own making (on
SQLite that would stall every writer): the workspace's calls read first, ask the system, then write; its answers
are cached for CACHE_SECONDS per shop and key, so ``find_order`` inside another domain's transaction right after
the agent looked at the order costs no call. Money is in fen."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit import service as audit
from kefu.core.clock import iso, now
from kefu.core.errors import BadInput, KefuError
from kefu.customers.models import Customer
from kefu.orders import rules
from kefu.orders.models import BuyerVerification, Order, OrderSettings, PaymentReminder
from kefu.orders.schemas import OrderView, order_out, parse_order, parse_orders, view_of
from kefu.privacy.rules import mask_phone

log = logging.getLogger(__name__)
CACHE_SECONDS = 30
CACHE_MAX = 5000
REMIND_TIMER = "orders.remind"


class OrderSystemDown(KefuError):
    status = 503
    code = "order_system_unavailable"
    zh = "订单系统暂时无法访问"
    en = "The order system is unavailable right now"


def belongs_to(order: OrderView, customer: Customer) -> bool:
    """Whether the order is this buyer's: linked to them, or placed under their visitor id."""
    return order.customer_id == customer.id or (order.buyer_ref is not None and order.buyer_ref == customer.visitor_id)


# --- settings -------------------------------------------------------------------------------------------


async def load_settings(s: AsyncSession, shop_id: int) -> dict:
    row = await s.get(OrderSettings, shop_id)
    return {**rules.DEFAULT_SETTINGS, **(row.settings if row else {})}


async def save_settings(s: AsyncSession, agent, body: dict) -> dict:
    row = await s.get(OrderSettings, agent.shop_id, with_for_update=True)
    try:
        checked = rules.check_settings(body, row.settings if row else {})
    except rules.OrderError as e:
        raise BadInput(e.zh, e.en, code="order_settings_invalid", extra={"field": e.field}) from None
    await audit.record(s, agent.shop_id, agent, "settings.orders", "shop",
                       audit.changes(rules.settings_out(row.settings if row else {}), rules.settings_out(checked)))
    if row is None:
        row = OrderSettings(shop_id=agent.shop_id, settings=checked, updated_at=now(), updated_by_id=agent.id)
        s.add(row)
    else:
        row.settings, row.updated_at, row.updated_by_id = checked, now(), agent.id
    forget(agent.shop_id)
    return rules.settings_out(checked)


# --- the connectors -------------------------------------------------------------------------------------


class Builtin:
    """The ``orders`` table; reads in the caller's session."""

    remote = False

    def __init__(self, shop_id: int) -> None:
        self.shop_id = shop_id

    async def buyer_orders(self, s: AsyncSession, customer: Customer, limit: int = 20) -> list[OrderView]:
        rows = await s.scalars(select(Order).where(Order.shop_id == self.shop_id,
                                                   or_(Order.customer_id == customer.id,
                                                       Order.buyer_ref == customer.visitor_id))
                               .order_by(Order.placed_at.desc()).limit(limit))
        return [view_of(o) for o in rows]

    async def order(self, s: AsyncSession, number: str, *, fresh: bool = False) -> OrderView | None:
        o = await s.scalar(select(Order).where(Order.shop_id == self.shop_id, Order.number == number))
        return view_of(o) if o is not None else None

    async def unpaid(self, s: AsyncSession, before: datetime, limit: int = 100) -> list[OrderView] | None:
        rows = await s.scalars(select(Order).where(Order.shop_id == self.shop_id, Order.status == "unpaid",
                                                   Order.placed_at <= before)
                               .order_by(Order.placed_at.desc()).limit(limit))
        return [view_of(o) for o in rows]


_cache: dict[tuple, tuple[datetime, Any]] = {}


def forget(shop_id: int) -> None:
    """Drop a shop's cached answers (its settings changed)."""
    for key in [k for k in _cache if k[0] == shop_id]:
        _cache.pop(key, None)


class Http:
    """The shop's own system (docs/orders.md): GET {base}/buyers/{ref}/orders, GET {base}/orders/{number},
    optional GET {base}/orders?status=unpaid and POST {base}/orders/{number}/remind; bearer token; timeout."""

    remote = True

    def __init__(self, shop_id: int, cfg: dict) -> None:
        self.shop_id, self.base, self.token, self.timeout = shop_id, cfg["base_url"], cfg["token"], cfg["timeout"]

    def _headers(self) -> dict:
        return {"Accept": "application/json", "User-Agent": "kefu-orders/1",
                **({"Authorization": f"Bearer {self.token}"} if self.token else {})}

    async def _call(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        try:  # the timeout per step, and twice it for the whole call (a system that answers byte by byte)
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
                r = await asyncio.wait_for(client.request(method, self.base + path, headers=self._headers(),
                                                          json=body), self.timeout * 2)
        except (httpx.HTTPError, TimeoutError) as exc:
            log.warning("order system %s %s failed: %s", method, self.base + path, type(exc).__name__)
            raise OrderSystemDown() from None
        if r.status_code == 404:
            return 404, None
        if not 200 <= r.status_code < 300:
            log.warning("order system %s %s answered HTTP %s", method, self.base + path, r.status_code)
            raise OrderSystemDown()
        try:
            return r.status_code, r.json() if r.content else None
        except ValueError:
            raise OrderSystemDown() from None

    async def _get(self, path: str, parse, *, fresh: bool = False):
        key = (self.shop_id, self.base, path)
        hit = _cache.get(key)
        if hit is not None and not fresh and hit[0] > now():
            return hit[1]
        status, data = await self._call("GET", path)
        try:
            value = None if status == 404 else parse(data)
        except (rules.OrderError, TypeError, KeyError, AttributeError) as exc:
            log.warning("order system %s answered an order kefu cannot read: %s", self.base + path, exc)
            raise OrderSystemDown() from None
        if len(_cache) >= CACHE_MAX:
            _cache.pop(next(iter(_cache)))
        _cache[key] = (now() + timedelta(seconds=CACHE_SECONDS), value)
        return value

    async def buyer_orders(self, s, customer: Customer, limit: int = 20) -> list[OrderView]:
        views = await self._get(f"/buyers/{quote(customer.visitor_id, safe='')}/orders", parse_orders) or []
        return sorted(views, key=lambda v: v.placed_at, reverse=True)[:limit]

    async def order(self, s, number: str, *, fresh: bool = False) -> OrderView | None:
        return await self._get(f"/orders/{quote(number, safe='')}", lambda d: parse_order(d), fresh=fresh)

    async def unpaid(self, s, before: datetime, limit: int = 100) -> list[OrderView] | None:
        """None: the system has no list of unpaid orders (404)."""
        views = await self._get("/orders?status=unpaid", parse_orders)
        if views is None:
            return None
        return sorted([v for v in views if v.status == "unpaid" and v.placed_at <= before],
                      key=lambda v: v.placed_at, reverse=True)[:limit]

    async def remind(self, number: str, text: str) -> bool:
        """Ask the shop's system to remind the buyer (its own SMS or app message); False: it declined."""
        status, data = await self._call("POST", f"/orders/{quote(number, safe='')}/remind",
                                        {"number": number, "text": text})
        return status != 404 and not (isinstance(data, dict) and data.get("sent") is False)


def connector(cfg: dict, shop_id: int) -> Builtin | Http:
    return Http(shop_id, cfg) if cfg["mode"] == "http" else Builtin(shop_id)


async def find_order(s: AsyncSession, shop_id: int, number: str) -> OrderView | None:
    """One of the shop's orders by its number, None if the shop has none such (another shop's included)."""
    if not rules.NUMBER.fullmatch(number or ""):
        return None
    cfg = await load_settings(s, shop_id)
    view = await connector(cfg, shop_id).order(s, number)
    if view is not None:
        await arm_reminders(s, shop_id, cfg, [view])
    return view


async def orders_of(s: AsyncSession, customer: Customer, limit: int = 20) -> list[OrderView]:
    """The buyer's orders, newest first."""
    cfg = await load_settings(s, customer.shop_id)
    views = await connector(cfg, customer.shop_id).buyer_orders(s, customer, limit)
    await arm_reminders(s, customer.shop_id, cfg, views)
    return views


# --- the built-in store ---------------------------------------------------------------------------------


async def _link(s: AsyncSession, shop_id: int, checked: dict, customer_id: int | None) -> int | None:
    if customer_id is not None:
        c = await s.get(Customer, customer_id)
        if c is None or c.shop_id != shop_id:
            raise BadInput("买家不存在", "No such buyer in this shop", code="customer_not_found",
                           extra={"field": "customer_id"})
        return c.id
    if checked["buyer_ref"]:
        return await s.scalar(select(Customer.id).where(Customer.shop_id == shop_id,
                                                        Customer.visitor_id == checked["buyer_ref"]))
    return None


async def store(s: AsyncSession, shop_id: int, checked: dict, customer_id: int | None = None) -> tuple[Order, bool]:
    """Create or replace (by number) one order of the built-in store; True when it was new."""
    cid = await _link(s, shop_id, checked, customer_id)
    o = await s.scalar(select(Order).where(Order.shop_id == shop_id, Order.number == checked["number"]))
    created = o is None
    if created:
        o = Order(shop_id=shop_id, created_at=now())
        s.add(o)
    for k, v in checked.items():
        setattr(o, k, v)
    o.customer_id, o.updated_at = cid, now()
    await s.flush()
    return o, created


async def put_order(s: AsyncSession, shop_id: int, data: dict, customer_id: int | None) -> tuple[dict, bool]:
    try:
        checked = rules.check_order(data)
    except rules.OrderError as e:
        raise BadInput(e.zh, e.en, code="order_invalid", extra={"field": e.field}) from None
    o, created = await store(s, shop_id, checked, customer_id)
    return order_out(view_of(o)), created


async def import_csv(s: AsyncSession, shop_id: int, data: bytes) -> dict:
    """All rows or none: a file with a bad row changes nothing and names every bad row."""
    try:
        orders, errors = rules.parse_csv(data)
    except rules.OrderError as e:
        raise BadInput(e.zh, e.en, code="csv_invalid", extra={"field": e.field}) from None
    if errors:
        raise BadInput(f"有 {len(errors)} 行无法导入，整份文件未导入，请修改后重试",
                       f"{len(errors)} rows cannot be imported; nothing was imported: fix them and try again",
                       code="csv_rows_invalid", extra={"rows": errors[:200]})
    created = 0
    for checked in orders:
        created += (await store(s, shop_id, checked))[1]
    return {"imported": len(orders), "created": created, "replaced": len(orders) - created}


# --- 催付 reminders armed for the shop's system's callback ----------------------------------------------


def remind_key(shop_id: int, number: str) -> str:
    return f"orders.remind:{shop_id}:{number}"


async def arm_reminders(s: AsyncSession, shop_id: int, cfg: dict, views: list[OrderView]) -> None:
    """With the HTTP connector and auto_remind on: a timer (orders/jobs.py) for each unpaid order seen, due when
    the reminder delay has passed since it was placed, unless one is pending or the order was reminded."""
    from kefu.core.scheduler import Timer, add

    unpaid = [v for v in views if v.status == "unpaid" and v.placed_at is not None]
    if cfg["mode"] != "http" or not cfg["auto_remind"] or not unpaid:
        return
    numbers = [v.number for v in unpaid]
    done = set(await s.scalars(select(PaymentReminder.order_number).where(
        PaymentReminder.shop_id == shop_id, PaymentReminder.order_number.in_(numbers))))
    keys = {remind_key(shop_id, n) for n in numbers}
    pending = set(await s.scalars(select(Timer.key).where(Timer.kind == REMIND_TIMER, Timer.key.in_(keys),
                                                          Timer.done_at.is_(None))))
    for v in unpaid:
        if v.number not in done and remind_key(shop_id, v.number) not in pending:
            due = max(v.placed_at + timedelta(minutes=cfg["remind_delay_minutes"]), now())
            add(s, shop_id, REMIND_TIMER, due, key=remind_key(shop_id, v.number), payload={"number": v.number})
    await s.flush()


# --- the workspace: one chat's buyer, the identity rule, cards, 催付 ------------------------------------


@dataclass
class Chat:
    """What the workspace's calls read about a chat before asking the order system."""

    conv: Any
    customer: Customer
    cfg: dict
    verified: set[str]  # order numbers whose last-4 check passed in this chat ("" : the buyer's own phone)
    wrong: int  # wrong answers so far


async def chat_of(s: AsyncSession, shop_id: int, conversation_id: int) -> Chat:
    from kefu.conversations.service import get_conversation

    conv = await get_conversation(s, shop_id, conversation_id)
    rows = (await s.execute(select(BuyerVerification.order_number, BuyerVerification.ok)
                            .where(BuyerVerification.conversation_id == conv.id))).all()
    return Chat(conv, await s.get(Customer, conv.customer_id), await load_settings(s, shop_id),
                {n for n, ok in rows if ok}, sum(1 for _, ok in rows if not ok))


async def mentioned(s: AsyncSession, conversation_id: int, limit: int = 5) -> list[str]:
    """Order numbers the buyer typed in this chat (message understanding's entities), latest first."""
    from kefu.conversations.models import Message

    found: list[str] = []
    for analysis in await s.scalars(select(Message.analysis).where(
            Message.conversation_id == conversation_id, Message.sender == "buyer").order_by(Message.seq.desc())
            .limit(200)):
        for span in reversed(((analysis or {}).get("entities") or {}).get("order_numbers") or []):
            text = span.get("text") if isinstance(span, dict) else None
            if text and rules.NUMBER.fullmatch(text) and text not in found:
                found.append(text)
    return found[:limit]


def identified(v: OrderView, chat: Chat) -> bool:
    """The chat's buyer placed the order, or passed the last-4 check for it (or for the phone it was placed with)
    in this chat."""
    if belongs_to(v, chat.customer) or v.number in chat.verified:
        return True
    own = mask_phone(chat.customer.phone)  # the phone on file may itself be stored masked
    return "" in chat.verified and bool(rules.last4(own)) and mask_phone(v.buyer_phone) == own


def shown(v: OrderView, chat: Chat) -> dict:
    """The identity rule: details only for an identified buyer, else the number and status."""
    if not identified(v, chat):
        return rules.summary({"number": v.number, "status": v.status})
    return order_out(v) | {"needs_verification": False}


async def ask(db, shop_id: int, cfg: dict, call):
    """``call(connector, session)`` against the shop's source: the built-in store in a transaction of its own,
    the shop's system outside any."""
    conn = connector(cfg, shop_id)
    if conn.remote:
        return await call(conn, None)
    async with db.transaction() as s:
        return await call(conn, s)


async def one_order(db, shop_id: int, cfg: dict, number: str) -> OrderView:
    from kefu.core.errors import NotFound

    v = await ask(db, shop_id, cfg, lambda c, s: c.order(s, number)) if rules.NUMBER.fullmatch(number) else None
    if v is None:
        raise NotFound("找不到该订单", "No such order in this shop", code="order_not_found")
    return v


def too_many(wrong: int) -> None:
    if wrong >= rules.MAX_WRONG_TRIES:
        raise KefuError("本会话核验错误次数过多，已停止核验；请改用其他方式确认买家身份",
                        "Too many wrong answers in this chat: no more checks here; confirm the buyer another way",
                        code="too_many_tries", status=429)


async def record_check(s: AsyncSession, agent, chat: Chat, number: str, ok: bool) -> int:
    """Store one last-4 check (right or wrong) and return how many tries are left."""
    from kefu.core import events

    wrong = (await chat_of(s, agent.shop_id, chat.conv.id)).wrong  # a colleague may have tried meanwhile
    too_many(wrong)
    s.add(BuyerVerification(shop_id=agent.shop_id, conversation_id=chat.conv.id, customer_id=chat.customer.id,
                            agent_id=agent.id, order_number=number, method="phone_last4", ok=ok, at=now()))
    left = rules.MAX_WRONG_TRIES - wrong - (not ok)
    await audit.record(s, agent.shop_id, agent, "order.verified", f"order:{number}" if number else
                       f"customer:{chat.customer.id}", {"ok": ok, "conversation_id": chat.conv.id})
    await events.record(s, agent.shop_id, "orders.verified", {"order_number": number, "ok": ok, "agent_id": agent.id,
                                                              "tries_left": left},
                        conversation_id=chat.conv.id, customer_id=chat.customer.id, private=True)
    return left


async def send_card(s: AsyncSession, agent, conversation_id: int, v: OrderView) -> dict:
    from kefu.conversations.schemas import message_out
    from kefu.conversations.service import get_conversation, post_card
    from kefu.core.errors import Conflict, Forbidden

    chat = await chat_of(s, agent.shop_id, conversation_id)
    if not identified(v, chat):
        raise Forbidden("请先核验买家身份（手机号后四位），再发送订单卡片",
                        "Check the buyer's identity (phone's last 4 digits) before sending the order card",
                        code="needs_verification")
    conv = await get_conversation(s, agent.shop_id, conversation_id)
    if conv.status == "closed":
        raise Conflict("会话已结束，无法发送", "The conversation is closed", code="conversation_closed")
    card, text = rules.card(order_out(v))
    return message_out(await post_card(s, conv, card, text, agent), agent.display_name)


async def _buyer_of(s: AsyncSession, shop_id: int, v: OrderView) -> Customer | None:
    if v.customer_id is not None:
        c = await s.get(Customer, v.customer_id)
        if c is not None and c.shop_id == shop_id:
            return c
    if v.buyer_ref:
        return await s.scalar(select(Customer).where(Customer.shop_id == shop_id, Customer.visitor_id == v.buyer_ref))
    return None


async def remind(s: AsyncSession, agent, v: OrderView, conversation_id: int | None) -> dict:
    """One 催付 reminder for an unpaid order: into the chat given (its buyer identified for the order) or the
    buyer's open chat, else recorded as done by other means; a second one for the same order is a 409."""
    from sqlalchemy.exc import IntegrityError

    from kefu.conversations.service import open_conversation_for, post_agent_message
    from kefu.core import events
    from kefu.core.errors import Conflict, Forbidden

    if v.status != "unpaid":
        raise Conflict("该订单不是待付款状态，无需催付", "This order is not unpaid: no reminder needed",
                       code="order_not_unpaid")
    if await s.scalar(select(PaymentReminder.id).where(PaymentReminder.shop_id == agent.shop_id,
                                                       PaymentReminder.order_number == v.number)):
        raise Conflict("该订单已催付过一次，不再重复提醒", "This order was already reminded once",
                       code="already_reminded")
    conv = None
    if conversation_id is not None:
        chat = await chat_of(s, agent.shop_id, conversation_id)
        if not identified(v, chat):
            raise Forbidden("这不是该会话买家的订单", "This order is not this chat's buyer's",
                            code="needs_verification")
        conv = chat.conv if chat.conv.status != "closed" else None
    elif (buyer := await _buyer_of(s, agent.shop_id, v)) is not None:
        conv = await open_conversation_for(s, buyer)
    text = rules.remind_text(order_out(v))
    if conv is not None:
        await post_agent_message(s, agent, conv.id, text)
    row = PaymentReminder(shop_id=agent.shop_id, order_number=v.number, via="chat" if conv else "record",
                          agent_id=agent.id, conversation_id=conv.id if conv else None, text=text, at=now())
    s.add(row)
    try:
        async with s.begin_nested():
            await s.flush()
    except IntegrityError:
        raise Conflict("该订单已催付过一次，不再重复提醒", "This order was already reminded once",
                       code="already_reminded") from None
    await events.record(s, agent.shop_id, "orders.reminded", {"order_number": v.number, "via": row.via},
                        private=True)
    return reminder_out(row)


def reminder_out(r: PaymentReminder) -> dict:
    return {"order_number": r.order_number, "via": r.via, "agent_id": r.agent_id,
            "conversation_id": r.conversation_id, "at": iso(r.at)}


async def unpaid_rows(s: AsyncSession, shop_id: int, views: list[OrderView]) -> list[dict]:
    """The 催付 list: each unpaid order with its buyer, their open chat and the reminder already sent."""
    from kefu.conversations.service import open_conversation_for

    sent = {r.order_number: r for r in await s.scalars(select(PaymentReminder).where(
        PaymentReminder.shop_id == shop_id, PaymentReminder.order_number.in_([v.number for v in views])))}
    out = []
    for v in views:
        buyer = await _buyer_of(s, shop_id, v)
        conv = await open_conversation_for(s, buyer) if buyer is not None else None
        items = v.items or []
        out.append({"number": v.number, "placed_at": iso(v.placed_at), "total_fen": v.total_fen,
                    "item": items[0]["name"] if items else "", "count": sum(int(i.get("qty") or 1) for i in items),
                    "buyer_name": buyer.display_name if buyer else v.buyer_name, "customer_id": buyer.id if buyer
                    else None, "conversation_id": conv.id if conv else None,
                    "reminded": reminder_out(sent[v.number]) if v.number in sent else None})
    return out
