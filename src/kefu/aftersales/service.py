"""After-sale cases: open one from a chat, a ticket or an order (with its 售后 ticket, so the SLA clocks run),
decide it by the policy in force when it opened, confirm or (a supervisor) override, move it through its
statuses, record responsibility, photos and a platform's deadline (小二介入). Every change leaves an audit row,
calls the case hooks (kefu.aftersales.events) and a live ``case.updated`` for the workspace and the widget."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.aftersales import rules
from kefu.aftersales.events import audit, emit, set_field
from kefu.aftersales.models import AftersaleCase, AftersalePolicy, CaseChange
from kefu.aftersales.schemas import (
    LABELS,
    MAX_PHOTOS,
    CaseIn,
    buyer_out,
    case_out,
    change_out,
    label,
    order_facts,
    rule_case,
    yuan_of,
)
from kefu.agents.models import Agent
from kefu.agents.rules import SUPERVISE_ROLES
from kefu.attachments import rules as photos_rules
from kefu.attachments.models import Attachment
from kefu.attachments.service import UNSENT_TIMER
from kefu.audit import service as audit_log
from kefu.conversations.models import Conversation, Message
from kefu.conversations.service import post_card
from kefu.core import events, scheduler
from kefu.core.clock import as_utc, iso, now
from kefu.core.errors import BadInput, Conflict, Forbidden, NotFound
from kefu.customers.models import Customer
from kefu.orders.service import belongs_to, chat_of, find_order, identified
from kefu.tickets import rules as ticket_rules
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.schemas import TicketIn

PREFIX = "SH-"
EVENT = "case.updated"
WARN_TIMER, DUE_TIMER = "aftersales.platform_warn", "aftersales.platform_due"
WARN_BEFORE = timedelta(hours=2)
TICKET_STATUS = {"awaiting_return": "waiting_buyer", "returned": "in_progress", **{
    s: "resolved" for s in rules.FINAL}}  # what the case's ticket does when the case moves


def _bad(exc: ValueError, code: str) -> BadInput:
    zh, en = exc.args[0]
    return BadInput(zh, en, code=code)


def _fen(value, path: str) -> int:
    try:
        return int(rules._yuan(value, path) * 100)
    except ValueError as exc:
        raise _bad(exc, "bad_amount") from None


async def get_case(s: AsyncSession, shop_id: int, number: str, *, lock: bool = False) -> AftersaleCase:
    """The shop's case by its number (售后单号); 404 for another shop's or an unknown one."""
    q = select(AftersaleCase).where(AftersaleCase.shop_id == shop_id, AftersaleCase.number == number.strip().upper())
    case = await s.scalar(q.with_for_update() if lock else q)
    if case is None:
        raise NotFound("售后单不存在", "After-sale case not found", code="case_not_found")
    return case


async def _number(s: AsyncSession) -> str:
    for _ in range(5):
        number = PREFIX + "".join(secrets.choice(ticket_rules.ALPHABET) for _ in range(ticket_rules.NUMBER_LEN))
        if await s.scalar(select(AftersaleCase.id).where(AftersaleCase.number == number)) is None:
            return number
    raise Conflict("售后单号生成冲突，请重试", "Could not pick a case number; try again", code="case_number")


# ---------------------------------------------------------------- the policy

async def policy_of(s: AsyncSession, shop_id: int) -> tuple[dict, int]:
    """The shop's policy in force (every field, with its reason list) and its version (0: the defaults)."""
    row = await s.get(AftersalePolicy, shop_id)
    data = dict(row.policy) if row else {}
    reasons = data.pop("reasons", None)
    return {**rules.policy_to_dict(rules.policy_from(data)), "reasons": rules.reasons_from(reasons)}, \
        row.version if row else 0


def _policy(data: dict) -> rules.Policy:
    return rules.policy_from({k: v for k, v in data.items() if k != "reasons"})


async def save_policy(s: AsyncSession, agent: Agent, policy: dict, reasons: list | None) -> tuple[dict, int]:
    """The admin's new policy (checked field by field; nothing saved if one is bad): the next version, for new
    cases only — an open case keeps the one it was opened under."""
    try:
        full = {**rules.policy_to_dict(rules.policy_from(policy)), "reasons": rules.reasons_from(reasons)}
    except ValueError as exc:
        raise _bad(exc, "bad_policy") from None
    row = await s.get(AftersalePolicy, agent.shop_id, with_for_update=True)
    before = dict(row.policy or {}) if row is not None else None
    if row is None:
        row = AftersalePolicy(shop_id=agent.shop_id, policy=full, version=1, updated_at=now(),
                              updated_by_id=agent.id)
        s.add(row)
    else:
        row.policy, row.version, row.updated_at, row.updated_by_id = full, row.version + 1, now(), agent.id
    await s.flush()
    await audit_log.record(s, agent.shop_id, agent, "settings.aftersale_policy", "shop",
                           {"version": row.version, **audit_log.changes(before, full)})
    return full, row.version


def try_policy(case: dict, policy: dict | None) -> dict:
    try:
        return rules.explain(case, rules.policy_from(policy or {}))
    except ValueError as exc:
        raise _bad(exc, "bad_case") from None


# ---------------------------------------------------------------- opening, previewing

def _decide(kind: str, reason: str, order: dict | None, rs_fen: int, at, policy: dict) -> dict | None:
    """What the policy says (None: a complaint, or no order to decide on)."""
    if kind not in rules.KINDS or order is None:
        return None
    try:
        return rules.explain(rule_case(kind, reason, order, rs_fen, at), _policy(policy))
    except ValueError as exc:
        raise _bad(exc, "bad_case") from None


def _refund(outcome: dict | None, asked: int | None) -> int:
    given = round(outcome["refund"] * 100) if outcome and outcome["allowed"] else 0
    return given if asked is None else min(given, asked)


async def _where(s: AsyncSession, agent: Agent, body: CaseIn):
    """The chat, ticket, buyer and order the case is about, each checked to be this shop's and to agree."""
    conv = ticket = customer = None
    if body.ticket_id is not None or body.ticket_number:
        ticket = await s.get(Ticket, body.ticket_id) if body.ticket_id else \
            await tickets.get(s, agent.shop_id, body.ticket_number)
        if ticket is None or ticket.shop_id != agent.shop_id:
            raise NotFound("工单不存在", "Ticket not found", code="ticket_not_found")
    conv_id = body.conversation_id or (ticket.conversation_id if ticket else None)
    if conv_id is not None:
        conv = await s.get(Conversation, conv_id)
        if conv is None or conv.shop_id != agent.shop_id:
            raise NotFound("会话不存在", "Conversation not found", code="conversation_not_found")
    ids = {x for x in (body.customer_id, conv.customer_id if conv else None, ticket.customer_id if ticket else None)
           if x is not None}
    if len(ids) > 1:
        raise BadInput("会话、工单与买家不是同一人", "The chat, the ticket and the buyer do not match",
                       code="case_buyer_mismatch")
    number = (body.order_number or "").strip() or (ticket.order_numbers[0] if ticket and ticket.order_numbers
                                                   else None)
    order = await find_order(s, agent.shop_id, number) if number else None
    if number and order is None:
        raise NotFound("订单不存在（或不是本店的订单）", "No such order in this shop", code="order_not_found")
    if not ids and order is not None:  # opened from the order alone: its buyer, if kefu knows them
        found = order.customer_id
        if found is None and order.buyer_ref:
            found = await s.scalar(select(Customer.id).where(Customer.shop_id == agent.shop_id,
                                                             Customer.visitor_id == order.buyer_ref))
        ids = {found} if found else set()
    if ids:
        customer = await s.get(Customer, next(iter(ids)))
        if customer is None or customer.shop_id != agent.shop_id:
            raise NotFound("买家不存在", "Buyer not found", code="customer_not_found")
    if order is not None and customer is not None and not belongs_to(order, customer) and not (
            conv is not None and identified(order, await chat_of(s, agent.shop_id, conv.id))):  # last-4 checked
        raise BadInput("该订单不是这位买家的，不能为其办理售后", "That order is not this buyer's",
                       code="order_not_buyers")
    if body.kind in rules.KINDS and order is None:
        raise BadInput("请填写订单号：售后要按订单计算", "An order number is needed to decide the case",
                       code="case_needs_order")
    return conv, ticket, customer, order


async def _checked(s: AsyncSession, agent: Agent, body: CaseIn):
    if body.kind not in (*rules.KINDS, "complaint"):
        raise BadInput(f"售后类型无效：{body.kind[:24]}", f"Unknown case kind {body.kind[:24]!r}", code="bad_case_kind")
    conv, ticket, customer, order = await _where(s, agent, body)
    policy, version = await policy_of(s, agent.shop_id)
    codes = [r["code"] for r in policy["reasons"]]
    if (body.reason or body.kind != "complaint") and body.reason not in codes:
        raise BadInput(f"原因无效（可选：{'、'.join(codes)}）", f"Unknown reason (one of: {', '.join(codes)})",
                       code="bad_case_reason")
    facts = order_facts(order) if order else None
    rs = _fen(body.return_shipping, "return_shipping")
    asked = None if body.refund is None else _fen(body.refund, "refund")
    cap = facts["paid"] + facts["shipping"] if facts else None
    if asked is not None and cap is not None and asked > cap:
        raise BadInput(f"退款金额超过订单实付（含运费共 {yuan_of(cap)} 元）",
                       f"The refund is more than the order's paid amount ({yuan_of(cap)} yuan with shipping)",
                       code="refund_too_high")
    return conv, ticket, customer, facts, policy, version, rs, asked


async def preview(s: AsyncSession, agent: Agent, body: CaseIn) -> dict:
    """What confirming this case would decide, and why — nothing is written."""
    _conv, _t, _c, facts, policy, version, rs, asked = await _checked(s, agent, body)
    outcome = _decide(body.kind, body.reason, facts, rs, now(), policy)
    return {"outcome": outcome, "refund": _refund(outcome, asked) / 100 if outcome else None, "order": facts,
            "policy_version": version, "reason_label": label(policy["reasons"], body.reason) if body.reason else ""}


async def open_case(s: AsyncSession, agent: Agent, body: CaseIn) -> AftersaleCase:
    conv, ticket, customer, facts, policy, version, rs, asked = await _checked(s, agent, body)
    at, number = now(), await _number(s)
    description = tickets.field_text(body.description, "问题描述", "Description", max_chars=2000)
    if ticket is None:  # its own 售后 (or 投诉) ticket, so the SLA clocks run on it
        why = f"（{label(policy['reasons'], body.reason)}）" if body.reason else ""
        ticket = await tickets.create(s, agent, TicketIn(
            kind="投诉" if body.kind == "complaint" else "售后", problem=description,
            title=f"售后单 {number} · {rules.KIND_ZH.get(body.kind, '投诉')}{why}",
            demand=rules.KIND_ZH.get(body.kind, ""), conversation_id=conv.id if conv else None,
            customer_id=customer.id if customer and not conv else None,
            order_numbers=[facts["number"]] if facts else []))
    case = AftersaleCase(shop_id=agent.shop_id, number=number, kind=body.kind, status="open", reason=body.reason,
                         description=description, customer_id=customer.id if customer else None,
                         conversation_id=conv.id if conv else None, ticket_id=ticket.id,
                         order_number=facts["number"] if facts else None, order=facts, policy=policy,
                         policy_version=version, return_shipping_fen=rs, refund_fen=asked or 0, stage=None,
                         stage_data={}, assignee_id=agent.id, created_by_id=agent.id, created_at=at, updated_at=at)
    s.add(case)
    await s.flush()
    audit(s, case, agent, "opened", None, number)
    if conv is not None:
        await _chat_photos(s, case, conv)
    await _changed(s, case, "opened", {"agent_id": agent.id})
    if body.confirm:
        await confirm(s, agent, case)
    return case


def proposed(case: AftersaleCase) -> dict | None:
    """The outcome the case's own policy gives, at the time the buyer asked."""
    return _decide(case.kind, case.reason, case.order, case.return_shipping_fen, case.created_at, case.policy)


# ---------------------------------------------------------------- deciding

async def confirm(s: AsyncSession, agent: Agent, case: AftersaleCase) -> AftersaleCase:
    """Store what the policy decides: confirmed when allowed, rejected (with the refusing rule) when not."""
    if case.status != "open":
        raise Conflict("只有待处理的售后单可以确认", "Only an open case can be confirmed", code="case_not_open")
    outcome = proposed(case)
    if outcome is None:
        raise Conflict("投诉单没有按政策计算的结果", "A complaint has no policy outcome to confirm",
                       code="case_no_outcome")
    asked = case.refund_fen or None
    await _decided(s, agent, case, outcome, _refund(outcome, asked), "confirmed" if outcome["allowed"] else "rejected")
    return case


async def override(s: AsyncSession, agent: Agent, case: AftersaleCase, note: str) -> AftersaleCase:
    """A supervisor's exception to the policy (e.g. a return a few days late): allowed, audited with the note."""
    if agent.role not in SUPERVISE_ROLES:
        raise Forbidden("只有主管可以特批", "Only a supervisor can override the policy", code="override_forbidden")
    if case.status not in ("open", "rejected") or case.kind not in rules.KINDS:
        raise Conflict("只能特批待处理或未通过的售后单", "Only an open or rejected case can be overridden",
                       code="case_not_overridable")
    try:
        outcome = rules.overridden(rule_case(case.kind, case.reason, case.order, case.return_shipping_fen,
                                              case.created_at), _policy(case.policy))
    except ValueError as exc:
        raise _bad(exc, "bad_case") from None
    set_field(s, case, agent, "override_by_id", agent.id)
    set_field(s, case, agent, "override_note", note.strip()[:1000])
    await _decided(s, agent, case, outcome, _refund(outcome, case.refund_fen or None), "confirmed", "overridden")
    return case


async def _decided(s: AsyncSession, agent: Agent, case: AftersaleCase, outcome: dict, refund: int, status: str,
                   kind: str = "confirmed") -> None:
    before = case.status
    set_field(s, case, agent, "outcome", outcome)
    set_field(s, case, agent, "refund_fen", refund)
    set_field(s, case, agent, "confirmed_at", now())
    set_field(s, case, agent, "status", status)
    if case.responsibility is None and (who := rules.responsible_for(case.reason)):  # the agent may change it
        set_field(s, case, agent, "responsibility", who)
        why = rules.REASON_ZH.get(case.reason, case.reason)
        set_field(s, case, agent, "responsibility_note", f"按售后原因判定（{why}）")
    await _changed(s, case, kind, {"outcome": outcome, "agent_id": agent.id, "before": before, "after": status})
    await _ticket_follows(s, agent, case)
    await _card(s, case, agent)


async def change_status(s: AsyncSession, agent: Agent, case: AftersaleCase, status: str,
                        note: str = "") -> AftersaleCase:
    allowed = rules.next_statuses(case.status, case.kind, case.outcome)
    if status not in allowed:
        zh, en = LABELS[case.status]
        raise Conflict(f"售后单当前为「{zh}」，只能改为：{'、'.join(LABELS[x][0] for x in allowed) or '无'}",
                       f"A case that is {en.lower()} can only become: {', '.join(allowed) or 'nothing'}",
                       code="case_status_forbidden")
    before = case.status
    set_field(s, case, agent, "status", status)
    if note.strip():
        audit(s, case, agent, "note", None, note.strip()[:1000])
    if status == "closed":
        set_field(s, case, agent, "closed_at", now())
    await _changed(s, case, "status", {"before": before, "after": status, "agent_id": agent.id})
    if status == "closed":
        await emit(s, "closed", case, {"agent_id": agent.id})
    await _ticket_follows(s, agent, case)
    if status in rules.FINAL and not (status == "closed" and before in rules.FINAL):
        await _card(s, case, agent)
    return case


async def set_responsibility(s: AsyncSession, agent: Agent, case: AftersaleCase, who: str, note: str) -> AftersaleCase:
    if who not in rules.RESPONSIBLE:
        raise BadInput(f"责任方无效（可选：{'、'.join(rules.RESPONSIBLE)}）",
                       f"Unknown responsible party (one of: {', '.join(rules.RESPONSIBLE)})", code="bad_responsibility")
    before = case.responsibility
    set_field(s, case, agent, "responsibility", who)
    set_field(s, case, agent, "responsibility_note", note.strip()[:1000])
    await _changed(s, case, "responsibility", {"before": before, "after": who, "agent_id": agent.id})
    return case


async def _ticket_follows(s: AsyncSession, agent: Agent, case: AftersaleCase) -> None:
    """The case's ticket follows it: waiting on the buyer's parcel, working again, resolved when done."""
    want = TICKET_STATUS.get(case.status)
    t = await s.get(Ticket, case.ticket_id) if case.ticket_id and want else None
    if t is not None and t.status != want and ticket_rules.can_move(t.status, want):
        await tickets.change_status(s, agent, t, want)


async def _changed(s: AsyncSession, case: AftersaleCase, kind: str, data: dict) -> None:
    case.updated_at = now()
    await s.flush()
    await emit(s, kind, case, data)
    await events.record(s, case.shop_id, EVENT, {"case": buyer_out(case), "change": kind},
                        conversation_id=case.conversation_id, customer_id=case.customer_id)


async def _card(s: AsyncSession, case: AftersaleCase, agent: Agent | None) -> None:
    """The outcome card in the buyer's chat (when confirmed, rejected or done)."""
    conv = await s.get(Conversation, case.conversation_id) if case.conversation_id else None
    if conv is None:
        return
    view = buyer_out(case)
    out = view["outcome"] or {}
    keep = ("number", "kind_label", "reason", "reason_label", "status", "status_label", "refund", "final")
    card = {"kind": "case", "case_kind": case.kind, **{k: view[k] for k in keep}, **out}
    text = f"售后单 {case.number}（{view['kind_label']}）：{view['status_label'][0]}。{out.get('reason_text', '')}"
    await post_card(s, conv, card, text.strip(), agent)


# ---------------------------------------------------------------- 小二介入

async def set_platform(s: AsyncSession, agent: Agent, case: AftersaleCase, ref: str, due_at) -> AftersaleCase:
    """The platform stepped in (小二介入): its reference and deadline, watched like an SLA — the assignee is warned
    2 h before, and the case is marked overdue at the deadline."""
    due = as_utc(due_at) if due_at.tzinfo else None
    if due is None or due <= now():
        raise BadInput("平台处理期限应为将来的时间，并带时区", "The platform deadline must be a future time (zoned)",
                       code="bad_platform_due")
    if case.status == "closed":
        raise Conflict("售后单已关闭", "The case is closed", code="case_closed")
    set_field(s, case, agent, "platform_ref", ref.strip()[:64])
    set_field(s, case, agent, "platform_due_at", due)
    payload, key = {"case_id": case.id, "due_at": iso(due)}, f"case:{case.id}"
    await scheduler.schedule(s, case.shop_id, WARN_TIMER, max(now(), due - WARN_BEFORE), key=key, payload=payload)
    await scheduler.schedule(s, case.shop_id, DUE_TIMER, due, key=key, payload=payload)
    await _changed(s, case, "platform", {"platform_ref": case.platform_ref, "due_at": iso(due), "agent_id": agent.id})
    return case


# ---------------------------------------------------------------- photos

async def _chat_photos(s: AsyncSession, case: AftersaleCase, conv: Conversation) -> None:
    """The images the buyer sent in the chat become the case's evidence."""
    rows = await s.scalars(select(Attachment).join(Message, Message.id == Attachment.message_id).where(
        Message.conversation_id == conv.id, Message.sender == "buyer", Attachment.case_id.is_(None))
        .order_by(Attachment.id.desc()).limit(6))
    for att in rows:
        att.case_id = case.id
        audit(s, case, None, "photo", None, att.key, actor="system")


async def add_photos(s: AsyncSession, case: AftersaleCase, keys: list[str], *, customer: Customer | None = None,
                     agent: Agent | None = None) -> AftersaleCase:
    """Link uploads (POST /api/widget/attachments or /api/attachments) to the case: the buyer's own, or any the
    shop's agents uploaded or the case's buyer sent; none may be another case's. One bad key links none."""
    if case.status == "closed":
        raise Conflict("售后单已关闭", "The case is closed", code="case_closed")
    keys = list(dict.fromkeys(keys))
    have = await s.scalar(select(func.count()).select_from(Attachment).where(Attachment.case_id == case.id))
    if (have or 0) + len(keys) > MAX_PHOTOS:
        raise BadInput(f"每个售后单最多 {MAX_PHOTOS} 张凭证", f"At most {MAX_PHOTOS} photos per case",
                       code="too_many_photos")
    for key in keys:
        att = await s.scalar(select(Attachment).where(Attachment.shop_id == case.shop_id,
                                                      Attachment.key == photos_rules.clean_key(key)))
        theirs = att is not None and att.uploader == "buyer" and att.customer_id == case.customer_id
        if att is None or not (theirs or (agent is not None and att.uploader == "agent")):
            raise NotFound("图片不存在或无权使用", "Image not found", code="attachment_not_found")
        if att.case_id not in (None, case.id):
            raise Conflict("这张图片已属于另一个售后单", "This image belongs to another case", code="photo_taken")
        if att.case_id is None:
            att.case_id = case.id
            await scheduler.cancel(s, UNSENT_TIMER, f"attachment:{att.id}")  # kept: the case carries it
            audit(s, case, agent, "photo", None, att.key, actor="agent" if agent else "buyer")
    await _changed(s, case, "photos", {"agent_id": agent.id if agent else None})
    return case


async def photos_of(s: AsyncSession, case_ids: list[int]) -> dict[int, list[dict]]:
    from kefu.attachments.service import meta

    rows = (await s.scalars(select(Attachment).where(Attachment.case_id.in_(case_ids)).order_by(Attachment.id))) \
        .all() if case_ids else []
    out: dict[int, list[dict]] = {}
    for att in rows:
        out.setdefault(att.case_id, []).append({**photos_rules.public(meta(att)), "uploader": att.uploader})
    return out


# ---------------------------------------------------------------- reading

async def list_cases(s: AsyncSession, shop_id: int, *, conversation_id: int | None = None,
                     customer_id: int | None = None, status: str | None = None) -> list[AftersaleCase]:
    stmt = select(AftersaleCase).where(AftersaleCase.shop_id == shop_id)
    if conversation_id is not None or customer_id is not None:
        stmt = stmt.where(or_(AftersaleCase.conversation_id == conversation_id,
                              AftersaleCase.customer_id == customer_id))
    if status == "active":
        stmt = stmt.where(AftersaleCase.status.not_in(sorted(rules.FINAL)))
    elif status is not None:
        if status not in rules.STATUSES:
            raise BadInput("状态无效", f"Unknown status (one of: active, {', '.join(rules.STATUSES)})",
                           code="bad_case_status")
        stmt = stmt.where(AftersaleCase.status == status)
    return list((await s.scalars(stmt.order_by(AftersaleCase.id.desc()).limit(200))).all())


async def detail(s: AsyncSession, case: AftersaleCase) -> dict:
    """The case with its audit trail, photos, ticket and (until confirmed) the outcome its policy proposes."""
    changes = (await s.scalars(select(CaseChange).where(CaseChange.case_id == case.id)
                               .order_by(CaseChange.id))).all()
    t = await s.get(Ticket, case.ticket_id) if case.ticket_id else None
    names = dict((await s.execute(select(Agent.id, Agent.display_name).where(
        Agent.id.in_({c.agent_id for c in changes if c.agent_id} | {case.assignee_id or 0})))).all())
    return {"case": case_out(case), "changes": [{**change_out(c), "agent_name": names.get(c.agent_id)}
                                                for c in changes],
            "photos": (await photos_of(s, [case.id])).get(case.id, []), "assignee_name": names.get(case.assignee_id),
            "ticket": {"number": t.number, "status": t.status} if t else None,
            "proposed": proposed(case) if case.status == "open" else None}


async def for_buyer(s: AsyncSession, customer: Customer) -> list[dict]:
    rows = (await s.scalars(select(AftersaleCase).where(AftersaleCase.shop_id == customer.shop_id,
                                                        AftersaleCase.customer_id == customer.id)
                            .order_by(AftersaleCase.id.desc()).limit(50))).all()
    photos = await photos_of(s, [c.id for c in rows])
    return [{**buyer_out(c), "photos": [p for p in photos.get(c.id, []) if p["uploader"] == "buyer"]} for c in rows]


async def buyer_case(s: AsyncSession, customer: Customer, number: str) -> AftersaleCase:
    case = await get_case(s, customer.shop_id, number, lock=True)
    if case.customer_id != customer.id:
        raise NotFound("售后单不存在", "After-sale case not found", code="case_not_found")
    return case
