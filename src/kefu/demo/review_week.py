"""Last week's tickets in the demo shop, so the weekly review (/tickets/review) opens on a real week: chats that
became tickets, waits on couriers, warehouses, the platform and buyers, a complaint passed between colleagues
until its first-response clock ran out, a refund that missed its deadline, a fix that did not hold.

Played through the real services with the clock frozen at each moment of the last complete ISO week (Beijing
time), SLA timers run when they fall due, like everything else in the demo; called by seed._populate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.conversations import service as chat
from kefu.core.clock import as_utc, clock
from kefu.core.scheduler import Timer
from kefu.core.security import VisitorTokens
from kefu.customers.models import Customer
from kefu.customers.service import start_visitor
from kefu.selfservice.service import buyer_reply
from kefu.shops.models import Shop
from kefu.sla import service as clocks
from kefu.sla.rules import Calendar, last_complete_week
from kefu.tickets import service as tickets
from kefu.tickets.schemas import TicketIn

Step = tuple[int, str, str, str]  # (day: 0 is the week's Monday, "HH:MM", action, argument)


@dataclass(frozen=True)
class Story:
    buyer: str
    phone: str
    agent: str  # who opens the ticket from the chat
    opened: tuple[int, str]
    line: str  # what the buyer wrote
    reply: str  # the agent's answer in the chat
    kind: str
    priority: str
    tags: tuple[str, ...]
    steps: tuple[Step, ...]  # status <s> | reply <text> | assign <username> | buyer <text>


STORIES: tuple[Story, ...] = (
    Story("林小姐", "13852086612", "ajie", (-3, "15:00"),
          "包裹显示已签收，但我根本没收到", "我马上联系快递核实签收记录。", "售后", "normal", ("物流",),
          ((-3, "15:20", "reply", "已联系快递核实签收记录，有结果第一时间告诉您。"),
           (-3, "15:21", "status", "waiting_courier"), (1, "11:00", "status", "in_progress"),
           (1, "14:00", "reply", "快递确认送错了楼栋，已为您取回。"), (1, "14:05", "status", "resolved"))),
    Story("郑先生", "13952082075", "ajie", (0, "10:05"),
          "快递三天没动了，订单 202606010398 什么时候能到", "我帮您催一下快递。", "售后", "normal", ("物流", "催发货"),
          ((0, "10:30", "reply", "已向快递公司催件，他们答复两天内更新。"), (0, "10:31", "status", "waiting_courier"),
           (3, "10:00", "status", "in_progress"), (3, "11:00", "status", "resolved"),
           (5, "10:00", "status", "closed"))),
    Story("钱多多", "18652083390", "tingting", (0, "14:00"),
          "衣服颜色和图片差太多了，我要退货", "麻烦您拍几张照片给我们看看。", "售后", "normal", ("退货", "色差"),
          ((0, "14:20", "reply", "请在这里补充几张自然光下的照片。"), (0, "14:21", "status", "waiting_buyer"),
           (1, "20:10", "buyer", "照片已经拍好了，颜色明显偏黄"), (2, "10:00", "status", "waiting_warehouse"),
           (4, "15:00", "status", "in_progress"), (4, "16:00", "reply", "仓库已收到退货，退款已原路退回。"),
           (4, "16:05", "status", "resolved"))),
    Story("冯小姐", "15252088841", "xiaoli", (1, "09:30"),
          "发票抬头开错了，可以重新开吗", "可以的，我帮您重开。", "咨询", "normal", ("发票",),
          ((1, "09:40", "reply", "已按新的抬头重新开具，请查收邮箱。"), (1, "10:00", "status", "resolved"),
           (2, "10:00", "status", "closed"))),
    Story("老陈", "13552087702", "xiaozhou", (1, "11:00"),
          "你们客服态度太差了，我要投诉", "非常抱歉，我马上请主管处理。", "投诉", "high", ("差评风险",),
          ((1, "15:00", "assign", "chenjie"), (2, "10:00", "assign", "alin"),
           (2, "16:00", "reply", "非常抱歉给您带来不好的体验，我们已经核实情况，马上给您一个方案。"),
           (2, "16:01", "status", "in_progress"), (3, "11:00", "status", "waiting_platform"))),
    Story("孙阿姨", "13752085518", "ajie", (2, "09:10"),
          "收到的杯子碎了一个", "抱歉，我们给您补发一个新的。", "售后", "normal", ("破损", "补发"),
          ((2, "09:30", "reply", "已安排仓库补发，单号稍后同步给您。"), (2, "09:31", "status", "waiting_warehouse"),
           (3, "17:00", "status", "in_progress"), (3, "17:30", "status", "resolved"),
           (4, "11:00", "buyer", "补发的杯子还是碎的"), (4, "15:00", "status", "waiting_warehouse"))),
    Story("周先生", "15852080934", "tingting", (2, "16:00"),
          "退款怎么还没到账，我要退款", "我帮您查一下退款进度。", "售后", "urgent", ("退款",),
          ((2, "16:30", "reply", "已提交财务加急处理。"), (2, "16:31", "status", "in_progress"),
           (4, "14:00", "reply", "退款已到账，请查收。"), (4, "14:05", "status", "resolved"))),
    Story("吴同学", "15752084426", "xiaozhou", (3, "10:00"),
          "尺码小了，能换大一号吗", "可以换的，我帮您登记。", "售后", "normal", ("换货", "尺码"),
          ((3, "10:30", "assign", "tingting"), (3, "11:00", "reply", "请把衣服寄回，收到后马上发大一号。"),
           (3, "11:05", "status", "waiting_buyer"))),
    Story("何女士", "13352086287", "ajie", (3, "15:00"),
          "发错货了，我买的是蓝色的，收到的是黑色", "抱歉，我马上登记处理。", "售后", "normal", ("发错货",), ()),
    Story("小马", "17652082219", "xiaoli", (4, "10:00"),
          "这件外套还有现货吗", "有现货，今天下单明天发。", "咨询", "low", ("售前",),
          ((4, "10:05", "reply", "M 码和 L 码都有现货。"), (4, "10:30", "status", "resolved"),
           (5, "09:00", "status", "closed"))),
)


def _at(monday: date, day: int, hhmm: str, cal: Calendar) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))  # in UTC: SQLite compares the stored UTC text
    return datetime.combine(monday + timedelta(days=day), time(hour, minute), tzinfo=cal.zone).astimezone(UTC)


async def _run_timers(s: AsyncSession, shop_id: int, until: datetime) -> None:
    """The SLA warnings and breaches due by ``until``, each at its own moment (the scheduler's work)."""
    kinds = (clocks.WARN_TIMER, clocks.BREACH_TIMER)
    while True:
        timer = await s.scalar(select(Timer).where(Timer.shop_id == shop_id, Timer.kind.in_(kinds),
                                                   Timer.done_at.is_(None), Timer.due_at <= until)
                               .order_by(Timer.due_at, Timer.id).limit(1))
        if timer is None:
            return
        clock.freeze(as_utc(timer.due_at))
        timer.done_at, timer.outcome, timer.attempts = clock.now(), "done", 1
        p = timer.payload
        await clocks.timers_due(s, [(int(p["ticket_id"]), p["clock"], p["due_at"], timer.kind == clocks.BREACH_TIMER)])
        await s.flush()


async def last_week(s: AsyncSession, base: datetime, shop: Shop, team: dict[str, Agent]) -> None:
    cal = Calendar()
    monday = last_complete_week(base, cal).start.astimezone(cal.zone).date()
    tokens = VisitorTokens("kefu-demo-review-week")
    moments: list[tuple[datetime, int, str, str]] = []
    opened = {}
    for i, story in enumerate(STORIES):
        start = _at(monday, *story.opened, cal)
        clock.freeze(start - timedelta(days=60 + i))
        customer, _ = await start_visitor(s, tokens, shop, None, story.buyer)
        customer.phone, customer.tags = story.phone, []
        moments.append((start, i, "open", ""))
        moments += [(_at(monday, day, hhmm, cal), i, action, arg) for day, hhmm, action, arg in story.steps]
        opened[i] = customer
    moments.sort(key=lambda m: (m[0], m[1]))
    made = {}
    for when, i, action, arg in moments:
        await _run_timers(s, shop.id, when)
        story = STORIES[i]
        agent = team[story.agent] if action != "assign" else team["laowang"]
        if action == "open":
            made[i] = await _open(s, when, story, agent, opened[i])
            continue
        clock.freeze(when)
        t = made[i]
        if action == "status":
            await tickets.change_status(s, team[_owner(t, team)], t, arg)
        elif action == "reply":
            await tickets.add_note(s, team[_owner(t, team)], t, arg, internal=False)
        elif action == "assign":
            await tickets.assign(s, agent, t, team[arg].id)
        else:
            await buyer_reply(s, opened[i], t, arg)
    await _run_timers(s, shop.id, min(base, last_complete_week(base, cal).end))
    await s.flush()


def _owner(t, team: dict[str, Agent]) -> str:
    return next(name for name, a in team.items() if a.id == t.assignee_id)


async def _open(s: AsyncSession, at: datetime, story: Story, agent: Agent, customer: Customer):
    """The buyer writes, the agent answers and opens the ticket from the chat, then closes the chat."""
    clock.freeze(at - timedelta(minutes=8))
    _msg, conv, _ = await chat.post_buyer_message(s, customer, story.line)
    clock.freeze(at - timedelta(minutes=6))
    await chat.take(s, agent, conv.id)
    await chat.post_agent_message(s, agent, conv.id, story.reply)
    clock.freeze(at)
    draft = await tickets.draft(s, agent, conv.id)
    t = await tickets.create(s, agent, TicketIn(**{**draft, "kind": story.kind, "priority": story.priority,
                                                   "tags": list(story.tags)}))
    clock.freeze(at + timedelta(minutes=2))
    await chat.close(s, agent, conv.id)
    return t
