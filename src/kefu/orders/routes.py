"""Orders over REST: the chat's buyer's orders (details only for an identified buyer), the last-4 check, the
order card, the 催付 list and reminders; the admin's built-in orders, CSV import and connector settings, and the
/admin/orders page. Calls that may reach the shop's own system read first, ask it outside any transaction, then
write (kefu.orders.service)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Path, Query, Request, UploadFile
from starlette.responses import HTMLResponse, Response

from kefu.agents import rules as agent_rules
from kefu.agents.models import Agent
from kefu.core.auth import admin, any_agent, get_db
from kefu.core.clock import now
from kefu.core.db import Database
from kefu.core.errors import BadInput, Forbidden
from kefu.orders import rules, service
from kefu.orders.schemas import CardIn, OrderIn, RemindIn, SettingsIn, VerifyIn
from kefu.privacy.service import record_order_reveal

router = APIRouter(tags=["orders"])
CONV = Query(ge=1, le=2**31 - 1)
NUMBER = Path(min_length=1, max_length=32)


async def _chat(db: Database, agent: Agent, conversation_id: int) -> service.Chat:
    async with db.transaction() as s:
        return await service.chat_of(s, agent.shop_id, conversation_id)


@router.get("/api/orders")
async def buyer_orders(conversation_id: int = CONV, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """The orders of the chat's buyer, newest first, and the orders the buyer typed the numbers of in this chat
    (``mentioned``; another buyer's only as number and status until identified)."""
    async with db.transaction() as s:
        chat = await service.chat_of(s, agent.shop_id, conversation_id)
        numbers = await service.mentioned(s, chat.conv.id)
    views = await service.ask(db, agent.shop_id, chat.cfg, lambda c, s: c.buyer_orders(s, chat.customer))
    own = {v.number for v in views}
    others = [v for n in numbers if n not in own
              for v in [await service.ask(db, agent.shop_id, chat.cfg, lambda c, s, n=n: c.order(s, n))] if v]
    async with db.transaction() as s:
        await service.arm_reminders(s, agent.shop_id, chat.cfg, views + others)
    return {"orders": [service.shown(v, chat) for v in views], "mentioned": numbers,
            "others": [service.shown(v, chat) for v in others], "tries_left": rules.MAX_WRONG_TRIES - chat.wrong}


@router.get("/api/orders/unpaid")
async def unpaid(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """催付: unpaid orders older than the shop's delay, newest first, with their buyer and any reminder sent."""
    async with db.transaction() as s:
        cfg = await service.load_settings(s, agent.shop_id)
    before = now() - timedelta(minutes=cfg["remind_delay_minutes"])
    views = await service.ask(db, agent.shop_id, cfg, lambda c, s: c.unpaid(s, before))
    async with db.transaction() as s:
        await service.arm_reminders(s, agent.shop_id, cfg, views or [])
        rows = await service.unpaid_rows(s, agent.shop_id, views or [])
    return {"orders": rows, "supported": views is not None, "delay_minutes": cfg["remind_delay_minutes"],
            "auto_remind": cfg["mode"] == "http" and cfg["auto_remind"]}


@router.get("/api/orders/{number}")
async def one_order(number: str = NUMBER, conversation_id: int = CONV, agent: Agent = Depends(any_agent),
                    db: Database = Depends(get_db)):
    chat = await _chat(db, agent, conversation_id)
    v = await service.one_order(db, agent.shop_id, chat.cfg, number)
    async with db.transaction() as s:
        await service.arm_reminders(s, agent.shop_id, chat.cfg, [v])
    return {"order": service.shown(v, chat), "tries_left": rules.MAX_WRONG_TRIES - chat.wrong}


@router.post("/api/orders/{number}/reveal")
async def reveal(number: str = NUMBER, conversation_id: int = CONV, agent: Agent = Depends(any_agent),
                 db: Database = Depends(get_db)):
    """The receiver's name, phone and address as the order holds them (agents see them masked), for a buyer
    identified in this chat only; recorded in the audit log."""
    chat = await _chat(db, agent, conversation_id)
    v = await service.one_order(db, agent.shop_id, chat.cfg, number)
    if not service.identified(v, chat):
        raise Forbidden("请先核验买家身份", "Check the buyer's identity first", code="order_not_verified")
    async with db.transaction() as s:
        await record_order_reveal(s, agent, v.number, conversation_id)
    return {"number": v.number, "buyer_name": v.buyer_name, "buyer_phone": v.buyer_phone, "address": v.address}


@router.post("/api/orders/verify")
async def verify(body: VerifyIn, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """The phone's last 4 digits as the buyer told them: of the order's phone, or (no order number) of the
    buyer's phone on file. Right or wrong, the check is recorded; after 5 wrong ones the chat gets no more."""
    chat = await _chat(db, agent, body.conversation_id)
    service.too_many(chat.wrong)
    number = (body.order_number or "").strip()
    if number:
        v = await service.one_order(db, agent.shop_id, chat.cfg, number)
        phone = v.buyer_phone
    else:
        v, phone = None, chat.customer.phone
        if not rules.last4(phone):
            raise BadInput("买家资料里没有手机号，请填写要核验的订单号",
                           "No phone on file for this buyer: give the order number to check",
                           code="no_phone_on_file", extra={"field": "order_number"})
    ok = bool(rules.last4(phone)) and rules.last4(phone) == body.last4
    async with db.transaction() as s:
        left = await service.record_check(s, agent, chat, number, ok)
    chat.verified |= {number} if ok else set()
    return {"ok": ok, "tries_left": left, "order": service.shown(v, chat) if v is not None else None}


@router.post("/api/orders/{number}/card", status_code=201)
async def send_card(body: CardIn, number: str = NUMBER, agent: Agent = Depends(any_agent),
                    db: Database = Depends(get_db)):
    """The order card into the chat: the buyer sees it in the widget."""
    async with db.transaction() as s:
        cfg = await service.load_settings(s, agent.shop_id)
    v = await service.one_order(db, agent.shop_id, cfg, number)
    async with db.transaction() as s:
        return {"message": await service.send_card(s, agent, body.conversation_id, v)}


@router.post("/api/orders/{number}/remind", status_code=201)
async def remind(body: RemindIn, number: str = NUMBER, agent: Agent = Depends(any_agent),
                 db: Database = Depends(get_db)):
    """一键催付: a polite reminder into the buyer's open chat (or recorded), at most once per order."""
    async with db.transaction() as s:
        cfg = await service.load_settings(s, agent.shop_id)
    v = await service.one_order(db, agent.shop_id, cfg, number)
    async with db.transaction() as s:
        return {"reminder": await service.remind(s, agent, v, body.conversation_id)}


# --- admin ----------------------------------------------------------------------------------------------


@router.post("/api/admin/orders")
async def put_order(body: OrderIn, response: Response, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    """Create or replace (by number) one order of the built-in store."""
    async with db.transaction() as s:
        out, created = await service.put_order(s, agent.shop_id, body.order, body.customer_id)
    response.status_code = 201 if created else 200
    return {"order": out, "created": created}


@router.post("/api/admin/orders/import")
async def import_orders(file: UploadFile, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    """A CSV of orders (docs/orders.md): all rows or none, every bad row named."""
    data = await file.read(rules.CSV_MAX_BYTES + 1)
    async with db.transaction() as s:
        return await service.import_csv(s, agent.shop_id, data)


@router.get("/api/admin/orders/settings")
async def read_settings(agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return rules.settings_out(await service.load_settings(s, agent.shop_id))


@router.put("/api/admin/orders/settings")
async def save_settings(body: SettingsIn, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.save_settings(s, agent, body.model_dump(exclude_unset=True))  # unsent: kept


@router.get("/admin/orders", response_class=HTMLResponse)
async def admin_page(request: Request) -> Response:
    """The admin's order connector: built-in store or the shop's system, 催付 delay, CSV import."""
    from kefu.web.routes import render, staff_or_page

    agent = await staff_or_page(request, agent_rules.ADMIN_ROLES)
    if isinstance(agent, Response):
        return agent
    return render(request, "admin_orders.html", agent=agent, nav="admin")

