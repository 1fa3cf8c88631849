"""Automatic 催付 through the shop's own system: an unpaid order kefu saw (service.arm_reminders) is due a reminder
once the shop's delay has passed. The timer only *claims* it — the payment_reminders row, unique per order, so
at most one reminder ever — and the shop's system is called after that transaction commits, by a task of this
process: it reads the order afresh and, if it is still unpaid, POSTs {base}/orders/{number}/remind. A failed
call is logged and not repeated (at most once per order, never twice)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.core.clock import now
from kefu.core.db import AFTER_COMMIT
from kefu.core.errors import KefuError
from kefu.core.scheduler import Timer, handles
from kefu.orders import rules, service
from kefu.orders.models import PaymentReminder

log = logging.getLogger(__name__)
CALLS = "kefu_order_reminder_calls"  # session.info key: reminders claimed in this transaction
_tasks: set[asyncio.Task] = set()


@handles(service.REMIND_TIMER)
async def remind_due(session: AsyncSession, timer: Timer) -> None:
    number = str(timer.payload["number"])
    cfg = await service.load_settings(session, timer.shop_id)
    if cfg["mode"] != "http" or not cfg["auto_remind"]:
        return  # switched off meanwhile
    if await session.scalar(select(PaymentReminder.id).where(PaymentReminder.shop_id == timer.shop_id,
                                                             PaymentReminder.order_number == number)):
        return  # an agent reminded the buyer already
    session.add(PaymentReminder(shop_id=timer.shop_id, order_number=number, via="callback", at=now(),
                                text=f"自动催付：已交店铺订单系统提醒买家为订单 {number} 付款（已付款的不再提醒）"))
    await session.flush()
    session.sync_session.info.setdefault(CALLS, []).append((timer.shop_id, cfg, number))


async def call(shop_id: int, cfg: dict, number: str) -> bool:
    """Ask the shop's system to remind the buyer, if the order is still unpaid. True when it was asked."""
    http = service.Http(shop_id, cfg)
    try:
        view = await http.order(None, number, fresh=True)
        if view is None or view.status != "unpaid":
            return False
        text = rules.remind_text(service.order_out(view))
        sent = await http.remind(number, text)
        log.info("order %s of shop %s: reminder callback %s", number, shop_id, "sent" if sent else "declined")
        return sent
    except KefuError:
        log.warning("order %s of shop %s: the reminder callback failed; not repeated", number, shop_id)
        return False


async def _spawn(session: AsyncSession) -> None:
    for item in session.sync_session.info.pop(CALLS, None) or ():
        task = asyncio.get_running_loop().create_task(call(*item))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)


async def settle() -> None:
    """Wait for the callbacks in flight (tests)."""
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)


AFTER_COMMIT.append(_spawn)
