"""The demo shop's after-sale work in progress, made through the same services agents use, so the 售后 tab,
the supervisor's 补偿审批 and the buyer's 我的售后 look alive:
  * 叶子's cooling mat still smells (quality defect): a return the shop pays the parcel for, awaiting the parcel;
  * 吴小姐's cardigan came in the wrong colour: the shop reshipped at once, nothing to send back first;
  * 老郑's third broken storage box: a complaint at the responsibility stage, the buyer flagged as venting, and
    a 50-yuan coupon 阿琳 offered beyond her authority, waiting for 王主管's approval."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.aftersales import service as cases
from kefu.aftersales.schemas import CaseIn
from kefu.agents.models import Agent
from kefu.compensation import service as compensation
from kefu.complaints import service as complaints
from kefu.conversations.models import Conversation
from kefu.core.clock import clock
from kefu.customers.models import Customer


async def _open_chat(s: AsyncSession, customer: Customer) -> int:
    return await s.scalar(select(Conversation.id).where(Conversation.customer_id == customer.id,
                                                        Conversation.status != "closed")
                          .order_by(Conversation.id.desc()).limit(1))


async def load_cases(s: AsyncSession, base: datetime, agents: dict[str, Agent], buyers: dict[str, Customer]) -> None:
    minute = timedelta(minutes=1)

    clock.freeze(base - 5 * minute)
    mat = await cases.open_case(s, agents["chenjie"], CaseIn(
        kind="return", reason="defect", order_number="3862105907711342", return_shipping=12,
        conversation_id=await _open_chat(s, buyers["叶子"]), description="凉席晾了三天仍有明显气味，按质量问题退货",
        confirm=True))
    await cases.change_status(s, agents["chenjie"], mat, "awaiting_return", note="已预约上门取件")

    clock.freeze(base - 50 * minute)
    cardigan = await cases.open_case(s, agents["tingting"], CaseIn(
        kind="reship", reason="wrong_item", order_number="3862111263004428", customer_id=buyers["吴小姐"].id,
        description="下单米白 M，收到的是浅灰 M；买家已拍照", confirm=True))
    await cases.change_status(s, agents["tingting"], cardigan, "reshipped", note="米白 M 已用顺丰补发")

    clock.freeze(base - 12 * minute)
    alin = agents["alin"]
    box = await cases.open_case(s, alin, CaseIn(
        kind="complaint", conversation_id=await _open_chat(s, buyers["老郑"]),
        description="第三次收到有问题的收纳箱（轮子脱落），情绪激动，扬言投诉到平台"))
    await complaints.add_flag(s, alin, buyers["老郑"].id, "venting", "三次收货都有问题，今天情绪激动、有辱骂；"
                              "讲清楚方案后能平静沟通", conversation_id=box.conversation_id)
    await complaints.save_stage(s, alin, box, {"note": "先道歉，不争辩，告诉他不用再复述"})
    await complaints.advance(s, alin, box)
    clock.freeze(base - 10 * minute)
    await complaints.save_stage(s, alin, box, {
        "what": "新补发的带轮收纳箱到货后一个轮子脱落；此前两次都是运输破损",
        "when": (base - timedelta(days=1)).isoformat(), "demand": "全额退款，箱子不退回"})
    await complaints.advance(s, alin, box)
    clock.freeze(base - 8 * minute)
    await compensation.offer(s, alin, box.number, "coupon", 5000, "第三次出问题，申请 50 元无门槛券安抚")
    clock.freeze(base)
