"""Compensation on an after-sale case: granted at once within the agent's authority, else a request a supervisor
approves or rejects; the admin's limits. The case row is locked before any sum is read, so two grants at the
same time cannot both pass a limit. Every grant, request and decision leaves an audit row on the case, calls the
case hooks and sends ``compensation.updated`` to the shop's staff (never to the buyer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.aftersales import events as case_events
from kefu.aftersales.models import AftersaleCase
from kefu.aftersales.service import get_case
from kefu.agents.models import Agent
from kefu.audit import service as audit
from kefu.compensation import rules
from kefu.compensation.models import AuthorityLimits, Compensation
from kefu.core.clock import iso, now
from kefu.core.errors import BadInput, Conflict, Forbidden, NotFound
from kefu.core.events import record
from kefu.customers.models import Customer
from kefu.sla.service import calendar

EVENT = "compensation.updated"
MAX_LISTED = 200


async def today(s: AsyncSession, shop_id: int) -> str:
    """The shop-local date (its SLA calendar's time zone) the limits count against."""
    return now().astimezone((await calendar(s, shop_id)).zone).date().isoformat()


async def limits(s: AsyncSession, shop_id: int) -> dict:
    row = await s.get(AuthorityLimits, shop_id)
    return rules.limits_from(row.limits if row is not None else None)


async def case_sum(s: AsyncSession, case_id: int, kind: str | None = None) -> int:
    q = select(func.coalesce(func.sum(Compensation.amount_fen), 0)).where(
        Compensation.case_id == case_id, Compensation.status.in_(rules.COUNTED))
    if kind is not None:
        q = q.where(Compensation.kind == kind)
    return int(await s.scalar(q) or 0)


async def day_sum(s: AsyncSession, agent: Agent, day: str) -> int:
    """What this person gave on ``day``: their own grants and the requests they approved."""
    return int(await s.scalar(select(func.coalesce(func.sum(Compensation.amount_fen), 0)).where(
        Compensation.shop_id == agent.shop_id, Compensation.day == day,
        or_(and_(Compensation.status == "granted", Compensation.agent_id == agent.id),
            and_(Compensation.status == "approved", Compensation.decided_by_id == agent.id)))) or 0)


def paid_of(case: AftersaleCase) -> int | None:
    """What the buyer paid for the case's order (goods + shipping, fen), from the order snapshot on the case;
    None when the case has no order."""
    order = case.order or {}

    def first(*keys) -> int:
        for k in keys:
            v = order.get(k)
            if isinstance(v, int) and not isinstance(v, bool):
                return v
        return 0

    if not order:
        return None
    return first("paid", "paid_fen", "total_fen") + first("shipping", "shipping_fen", "shipping_paid")


async def _check_refund(s: AsyncSession, case: AftersaleCase, kind: str, amount: int) -> None:
    if kind != "partial_refund":
        return
    paid = paid_of(case)
    if paid is None:
        raise BadInput("该售后单没有关联订单，不能部分退款", "The case has no order: no partial refund",
                       code="refund_without_order")
    room = rules.refund_room(paid, (case.refund_fen or 0) + await case_sum(s, case.id, "partial_refund"))
    if amount > room:
        raise BadInput(f"退款金额超过订单实付：本单最多还可退 ¥{rules.yuan(room)}",
                       f"Refund is more than the order's paid amount: at most ¥{rules.yuan(room)} left",
                       code="refund_too_high", extra={"room_fen": room})


async def _check(s: AsyncSession, agent: Agent, case: AftersaleCase, kind: str, amount: int) -> rules.Decision:
    return rules.decide(agent.role, kind, amount, await case_sum(s, case.id),
                        await day_sum(s, agent, await today(s, agent.shop_id)), await limits(s, agent.shop_id))


async def _names(s: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict((await s.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(ids)))).all())


def comp_out(c: Compensation, names: dict[int, str], case_number: str) -> dict:
    return {"id": c.id, "case_number": case_number, "kind": c.kind,
            "kind_label": {"zh": rules.KIND_ZH.get(c.kind, c.kind), "en": rules.KIND_EN.get(c.kind, c.kind)},
            "amount_fen": c.amount_fen, "amount": rules.yuan(c.amount_fen), "note": c.note, "status": c.status,
            "agent_id": c.agent_id, "agent_name": names.get(c.agent_id or 0, ""), "agent_role": c.agent_role,
            "day": c.day, "decided_by_id": c.decided_by_id, "decided_by_name": names.get(c.decided_by_id or 0, ""),
            "decided_at": iso(c.decided_at), "decision_note": c.decision_note, "created_at": iso(c.created_at)}


async def _announce(s: AsyncSession, agent: Agent, case: AftersaleCase, c: Compensation, what: str) -> dict:
    names = await _names(s, {c.agent_id, c.decided_by_id, agent.id})
    out = comp_out(c, names, case.number)
    case_events.audit(s, case, agent, "compensation", None,
                      f"{what} #{c.id} {c.kind} ¥{rules.yuan(c.amount_fen)} {c.status}"
                      + (f": {c.decision_note or c.note}"[:300] if (c.decision_note or c.note) else ""))
    await case_events.emit(s, "compensation", case, {"compensation": out, "action": what})
    # Staff only: no customer_id, private — every agent of the shop (the requester among them) and supervisors.
    await record(s, case.shop_id, EVENT, {"action": what, "compensation": out,
                                          "case": {"number": case.number, "conversation_id": case.conversation_id}},
                 conversation_id=case.conversation_id, private=True)
    return out


async def offer(s: AsyncSession, agent: Agent, number: str, kind: str, amount: int, note: str) -> dict:
    """Give a compensation on the case: granted at once within authority, else a pending request (a note is
    required then)."""
    if kind not in rules.KINDS:
        raise BadInput(f"未知的补偿方式（可用：{'、'.join(rules.KINDS)}）",
                       f"Unknown kind (known: {', '.join(rules.KINDS)})", code="bad_kind")
    case = await get_case(s, agent.shop_id, number, lock=True)
    if case.status == "closed":
        raise Conflict("售后单已关闭，不能再补偿", "The case is closed: no more compensation", code="case_closed")
    await _check_refund(s, case, kind, amount)
    decision = await _check(s, agent, case, kind, amount)
    note = note.strip()
    if not decision.ok and not note:
        raise BadInput(f"{decision.zh}；提交审批请写明理由", f"{decision.en}. Say why in the note to ask for approval",
                       code="note_required", extra={"decision": decision.out()})
    c = Compensation(shop_id=case.shop_id, case_id=case.id, customer_id=case.customer_id, kind=kind,
                     amount_fen=amount, note=note, status="granted" if decision.ok else "pending",
                     agent_id=agent.id, agent_role=agent.role, day=await today(s, agent.shop_id))
    s.add(c)
    await s.flush()
    out = await _announce(s, agent, case, c, "granted" if decision.ok else "requested")
    return {"compensation": out, "decision": decision.out()}


async def decide_request(s: AsyncSession, agent: Agent, comp_id: int, approve: bool, note: str) -> dict:
    """A supervisor's decision on a pending request. Approving counts against the approver's own limits: a
    request beyond them is left for an admin (403). Decided already → 409; one's own request → 403."""
    c = await s.scalar(select(Compensation).where(Compensation.id == comp_id, Compensation.shop_id == agent.shop_id))
    if c is None:
        raise NotFound("补偿申请不存在", "Compensation request not found", code="request_not_found")
    case = await s.scalar(select(AftersaleCase).where(AftersaleCase.id == c.case_id).with_for_update())
    await s.refresh(c)
    if c.status != "pending":
        raise Conflict("该申请已处理，不能重复审批", "This request was already decided", code="already_decided",
                       extra={"status": c.status})
    if c.agent_id == agent.id:
        raise Forbidden("不能审批自己的申请", "You may not decide your own request", code="own_request")
    note = note.strip()
    if approve:
        await _check_refund(s, case, c.kind, c.amount_fen)
        decision = await _check(s, agent, case, c.kind, c.amount_fen)
        if not decision.ok:
            raise Forbidden(f"超出您的审批权限：{decision.zh}", f"Beyond your own authority: {decision.en}",
                            code="beyond_approver_authority", extra={"decision": decision.out()})
        c.day = await today(s, agent.shop_id)  # counts on the approver's day
    elif not note:
        raise BadInput("驳回时请写明理由，客服会看到", "Say why you reject it; the agent will see it",
                       code="note_required")
    c.status = "approved" if approve else "rejected"
    c.decided_by_id, c.decided_at, c.decision_note = agent.id, now(), note
    await s.flush()
    return {"compensation": await _announce(s, agent, case, c, c.status)}


async def of_case(s: AsyncSession, agent: Agent, number: str) -> dict:
    case = await get_case(s, agent.shop_id, number)
    rows = list(await s.scalars(select(Compensation).where(Compensation.case_id == case.id)
                                .order_by(Compensation.id)))
    names = await _names(s, {r.agent_id for r in rows} | {r.decided_by_id for r in rows})
    return {"compensations": [comp_out(r, names, case.number) for r in rows],
            "granted_fen": sum(r.amount_fen for r in rows if r.status in rules.COUNTED),
            "order_paid_fen": paid_of(case), "authority": await authority(s, agent, case)}


async def authority(s: AsyncSession, agent: Agent, case: AftersaleCase | None = None) -> dict:
    """My limits, what I gave today and what is left, and (with a case) what is left on it."""
    table = await limits(s, agent.shop_id)
    mine = table["roles"].get(agent.role) or {"per_case_fen": 0, "per_day_fen": 0, "kinds": []}
    day = await today(s, agent.shop_id)
    used = await day_sum(s, agent, day)
    out = {"role": agent.role, "day": day, **mine, "given_today_fen": used,
           "day_left_fen": rules.left(mine["per_day_fen"], used), "kinds_all": list(rules.KINDS)}
    if case is not None:
        on_case = await case_sum(s, case.id)
        out |= {"case_number": case.number, "granted_on_case_fen": on_case,
                "case_left_fen": rules.left(mine["per_case_fen"], on_case)}
    return out


async def requests(s: AsyncSession, agent: Agent, status: str) -> list[dict]:
    """Requests with their case's context, oldest first for pending (the longest waiting on top)."""
    q = select(Compensation, AftersaleCase).join(AftersaleCase, AftersaleCase.id == Compensation.case_id).where(
        Compensation.shop_id == agent.shop_id)
    if status != "all":
        q = q.where(Compensation.status == status)
    order = Compensation.id if status == "pending" else Compensation.id.desc()
    rows = (await s.execute(q.order_by(order).limit(MAX_LISTED))).all()
    names = await _names(s, {c.agent_id for c, _ in rows} | {c.decided_by_id for c, _ in rows})
    buyers = {i: n for i, n in (await s.execute(select(Customer.id, Customer.display_name).where(
        Customer.id.in_({case.customer_id for _, case in rows if case.customer_id})))).all()} if rows else {}
    table = await limits(s, agent.shop_id)
    my_day = await day_sum(s, agent, await today(s, agent.shop_id))
    given: dict[int, list[dict]] = {}
    for g in await s.scalars(select(Compensation).where(
            Compensation.case_id.in_({case.id for _, case in rows}), Compensation.status.in_(rules.COUNTED))
            .order_by(Compensation.id)) if rows else []:
        given.setdefault(g.case_id, []).append({"kind": g.kind, "amount_fen": g.amount_fen, "status": g.status})
    out, sums = [], {}
    for c, case in rows:
        sums.setdefault(case.id, sum(g["amount_fen"] for g in given.get(case.id, [])))
        item = comp_out(c, names, case.number)
        item["case"] = {"number": case.number, "kind": case.kind, "reason": case.reason, "status": case.status,
                        "description": case.description[:200], "order_number": case.order_number,
                        "order_paid_fen": paid_of(case), "conversation_id": case.conversation_id,
                        "customer_id": case.customer_id, "buyer_name": buyers.get(case.customer_id or 0, ""),
                        "granted_fen": sums[case.id], "granted": given.get(case.id, [])[:20]}
        if c.status == "pending":
            mine = rules.decide(agent.role, c.kind, c.amount_fen, sums[case.id], my_day, table)
            item["my_decision"] = mine.out() | {"own": c.agent_id == agent.id}
        out.append(item)
    return out


def limits_out(table: dict, row: AuthorityLimits | None, names: dict[int, str]) -> dict:
    return {"limits": table, "defaults": rules.check_limits(rules.DEFAULT_LIMITS), "kinds": list(rules.KINDS),
            "updated_at": iso(row.updated_at) if row else None,
            "updated_by": names.get(row.updated_by_id or 0, "") if row else ""}


async def get_limits(s: AsyncSession, shop_id: int) -> dict:
    row = await s.get(AuthorityLimits, shop_id)
    return limits_out(await limits(s, shop_id), row, await _names(s, {row.updated_by_id} if row else set()))


async def save_limits(s: AsyncSession, admin: Agent, body: dict) -> dict:
    try:
        clean = rules.check_limits(body)
    except ValueError as exc:
        zh, en = exc.args[0]
        raise BadInput(zh, en, code="bad_limits") from None
    row = await s.get(AuthorityLimits, admin.shop_id, with_for_update=True)
    await audit.record(s, admin.shop_id, admin, "settings.compensation_limits", "shop",
                       audit.changes((await limits(s, admin.shop_id))["roles"], clean["roles"]))
    at: datetime = now()
    if row is None:
        row = AuthorityLimits(shop_id=admin.shop_id, limits=clean, updated_at=at, updated_by_id=admin.id)
        s.add(row)
    else:
        row.limits, row.updated_at, row.updated_by_id = clean, at, admin.id
    await s.flush()
    return limits_out(clean, row, {admin.id: admin.display_name})
