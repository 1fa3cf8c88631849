"""Verbs of the complaint workflow: save a stage's fields, move on when nothing is missing, a supervisor's reopen,
the agreement card sent to the buyer and the buyer's confirmation, the follow-up visit (回访) with its reminder,
and the buyer-type flags. Every change leaves an audit row on the case (kefu.aftersales.events) and a private
live event for the workspace."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.aftersales import events as case_events
from kefu.aftersales.models import AftersaleCase
from kefu.aftersales.service import change_status, get_case
from kefu.agents.models import Agent
from kefu.agents.rules import SUPERVISE_ROLES
from kefu.compensation.models import Compensation
from kefu.complaints import rules
from kefu.complaints.models import BuyerFlag, FollowUp
from kefu.complaints.schemas import flag_out, followup_out
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, Message
from kefu.core import events, scheduler
from kefu.core.clock import as_utc, iso, now
from kefu.core.errors import BadInput, Conflict, Forbidden, NotFound
from kefu.customers.models import Customer
from kefu.customers.service import get_customer

FOLLOWUP_TIMER = "complaints.followup_due"
FOLLOWUP_EVENT = "complaint.followup_due"
CASE_EVENT = "case.updated"
LIST_LIMIT = 200


def _rule(fn, *args, code: str = "bad_complaint_field"):
    """Call a pure rule; its ValueError((zh, en)) becomes a clear 422."""
    try:
        return fn(*args)
    except ValueError as exc:
        zh, en = exc.args[0]
        raise BadInput(zh, en, code=code) from None


async def _agents(s: AsyncSession, ids) -> dict[int, Agent]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {a.id: a for a in await s.scalars(select(Agent).where(Agent.id.in_(ids)))}


# ---------------------------------------------------------------- reading

async def get_complaint(s: AsyncSession, shop_id: int, number: str, *, lock: bool = False) -> AftersaleCase:
    case = await get_case(s, shop_id, number[:32], lock=lock)
    if case.kind != "complaint":
        raise NotFound("这不是投诉单", "This case is not a complaint", code="complaint_not_found")
    return case


def stage_of(case: AftersaleCase) -> str:
    return case.stage if case.stage in rules.STAGES else "soothe"


def _data(case: AftersaleCase) -> dict:
    """The stages' data; responsibility as the case has it (it may also be set from the case's own panel)."""
    data = dict(case.stage_data or {})
    resp = {k: v for k, v in (("party", case.responsibility), ("note", case.responsibility_note)) if v}
    if resp:
        data["responsibility"] = {**(data.get("responsibility") or {}), **resp}
    return data


async def _comp_statuses(s: AsyncSession, case: AftersaleCase) -> list[str]:
    return list(await s.scalars(select(Compensation.status).where(Compensation.case_id == case.id)))


async def _followup(s: AsyncSession, case: AftersaleCase) -> FollowUp | None:
    return await s.scalar(select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.id.desc()).limit(1))


async def _missing(s: AsyncSession, case: AftersaleCase, fu: FollowUp | None) -> list[dict]:
    stage = stage_of(case)
    comps = await _comp_statuses(s, case) if stage == "remedy" else []
    return rules.missing(stage, _data(case), now(), comps, bool(fu and fu.done_at))


async def view(s: AsyncSession, case: AftersaleCase) -> dict:
    """The complaint as the workspace panel shows it: stage, what each stage recorded, what is missing to move
    on, the HEAT reminders while the buyer is angry, the follow-up visit."""
    stage = stage_of(case)
    conv = await s.get(Conversation, case.conversation_id) if case.conversation_id else None
    angry = bool(conv and rules.is_angry(conv.anger, conv.emotion))
    fu = await _followup(s, case)
    agents = await _agents(s, [fu.owner_id] if fu else [])
    return {"number": case.number, "kind": case.kind, "stage": stage, "stage_label": rules.label(rules.STAGE_LABELS,
            stage), "stages": [{"key": k, **rules.label(rules.STAGE_LABELS, k)} for k in rules.STAGES],
            "data": _data(case), "missing": await _missing(s, case, fu), "angry": angry,
            "heat": rules.heat(stage, angry), "responsibility": case.responsibility,
            "responsibility_note": case.responsibility_note, "conversation_id": case.conversation_id,
            "customer_id": case.customer_id, "followup": followup_out(fu, agents, case.number, now()),
            "updated_at": iso(case.updated_at)}


# ---------------------------------------------------------------- stages

async def _live(s: AsyncSession, case: AftersaleCase, action: str, by: Agent | None = None, **extra) -> None:
    """``case.updated`` for the shop's agents (never the buyer); ``by``: the agent who did it (their own page
    has redrawn already)."""
    await events.record(s, case.shop_id, CASE_EVENT, {"case": {"number": case.number, "kind": case.kind,
                        "stage": stage_of(case), "status": case.status}, "action": action,
                        "by": by.id if by else None, **extra},
                        conversation_id=case.conversation_id, customer_id=case.customer_id, private=True)


def _put(case: AftersaleCase, stage: str, values: dict) -> None:
    data = dict(case.stage_data or {})
    data[stage] = {**(data.get(stage) or {}), **values}
    case.stage_data = data  # a new object: the JSON column sees the change
    case.updated_at = now()


async def _move(s: AsyncSession, agent: Agent | None, case: AftersaleCase, to: str, action: str,
                note: str = "") -> None:
    before = case.stage
    case_events.set_field(s, case, agent, "stage", to)
    await case_events.emit(s, "stage", case, {"before": before, "after": to, "note": note})
    await _live(s, case, action, agent, before=before, after=to)


async def save_stage(s: AsyncSession, agent: Agent, case: AftersaleCase, raw: dict) -> None:
    """Save fields of the current stage (a partial update); each real change is audited. Responsibility also
    sets the case's responsibility and note. Changing a sent agreement withdraws it: it must be sent again."""
    stage = stage_of(case)
    if stage == "done":
        raise Conflict("投诉已处理完毕，不能再修改", "The complaint is done and can no longer change",
                       code="complaint_done")
    clean = _rule(rules.clean_stage, stage, raw, now())
    mine = _data(case).get(stage) or {}
    changed = {k: v for k, v in clean.items() if mine.get(k, "" if not isinstance(v, bool) else False) != v}
    if case.stage is None:
        case_events.set_field(s, case, agent, "stage", stage)
    if not changed:
        return
    if stage == "agreement" and mine.get("sent_at"):
        changed |= {"sent_at": None, "confirmed_at": None, "message_id": None}
        case_events.audit(s, case, agent, "agreement.sent", mine.get("sent_at"), None)
    _put(case, stage, changed)
    for key, value in changed.items():
        if stage == "responsibility":
            field = "responsibility" if key == "party" else "responsibility_note"
            case_events.set_field(s, case, agent, field, value or (None if key == "party" else ""))
        elif key in rules.FIELDS[stage]:
            case_events.audit(s, case, agent, f"{stage}.{key}", mine.get(key), value)
    if stage == "responsibility":
        await case_events.emit(s, "responsibility", case, {"party": case.responsibility})
    await _live(s, case, "stage_saved", agent, stage=stage)


async def advance(s: AsyncSession, agent: Agent, case: AftersaleCase) -> None:
    """Move to the next stage, only when the current one lacks nothing (else 409 with the list)."""
    stage = stage_of(case)
    missing = await _missing(s, case, await _followup(s, case))
    if missing:
        raise Conflict("还不能进入下一步：" + "；".join(m["zh"] for m in missing),
                       "Cannot move on yet: " + "; ".join(m["en"] for m in missing), code="stage_incomplete",
                       extra={"missing": missing, "stage": stage})
    to = rules.next_stage(stage)
    assert to is not None  # done always misses something
    if to == "agreement" and not ((case.stage_data or {}).get("agreement") or {}).get("remedy"):
        _put(case, "agreement", {"remedy": ((case.stage_data or {}).get("remedy") or {}).get("text", "")})
    await _move(s, agent, case, to, "stage_advanced")
    if to == "followup":
        await _open_followup(s, agent, case)


async def reopen(s: AsyncSession, agent: Agent, case: AftersaleCase, target: str, note: str) -> None:
    """A supervisor sends the complaint back to an earlier stage (audited with the note); the stages' data
    stays, an open follow-up visit is cancelled."""
    if agent.role not in SUPERVISE_ROLES:
        raise Forbidden("只有主管可以退回投诉阶段", "Only a supervisor may reopen a stage", code="role_forbidden")
    stage = stage_of(case)
    if not rules.may_reopen(stage, target):
        raise BadInput("只能退回到更早的阶段", "A complaint can only go back to an earlier stage",
                       code="bad_reopen_stage")
    note = _rule(rules.clean_text, note, "退回原因", "Reason", rules.NOTE_CHARS)
    fu = await _followup(s, case)
    if fu is not None and fu.done_at is None:
        fu.done_at, fu.outcome, fu.note = now(), "cancelled", note or fu.note
        await scheduler.drop(s, FOLLOWUP_TIMER, _key(fu.id))
    if note:
        case_events.audit(s, case, agent, "stage.reopen_note", None, note)
    await _move(s, agent, case, target, "stage_reopened", note)


# ---------------------------------------------------------------- the agreement card

def _deadline_text(value: str, lang: str) -> str:
    at = datetime.fromisoformat(value)
    return at.strftime("%Y-%m-%d %H:%M") + ("" if lang == "en" else "前")


async def send_agreement(s: AsyncSession, agent: Agent, case: AftersaleCase) -> Message:
    """The agreement (remedy, next steps, deadline) as a card in the case's chat for the buyer to confirm."""
    if stage_of(case) != "agreement":
        raise Conflict("投诉还没有到达成协议这一步", "The complaint is not at the agreement stage",
                       code="not_agreement_stage")
    mine = (case.stage_data or {}).get("agreement") or {}
    missing = [m for m in rules.missing("agreement", case.stage_data or {}, now())
               if m["key"] not in ("sent", "confirmed")]
    if missing:
        raise Conflict("协议还不完整：" + "；".join(m["zh"] for m in missing),
                       "The agreement is not complete: " + "; ".join(m["en"] for m in missing),
                       code="agreement_incomplete", extra={"missing": missing})
    conv = await s.get(Conversation, case.conversation_id) if case.conversation_id else None
    if conv is None or conv.shop_id != case.shop_id:
        raise Conflict("这张投诉单没有关联会话，无法发给买家", "This complaint has no chat to send the agreement to",
                       code="no_conversation")
    sent = iso(now())
    card = {"kind": "agreement", "number": case.number, "remedy": mine["remedy"], "next_steps": mine["next_steps"],
            "deadline": mine["deadline"], "sent_at": sent, "confirmed_at": None}
    dl = _deadline_text(mine["deadline"], conv.lang)
    text = (f"Agreement for {case.number}: {mine['remedy']} Next: {mine['next_steps']} By {dl}. Please confirm."
            if conv.lang == "en" else
            f"处理协议（{case.number}）：{mine['remedy']}；后续：{mine['next_steps']}；{dl}完成。请您确认。")
    msg = await conversations.post_card(s, conv, card, text, agent=agent)
    _put(case, "agreement", {"sent_at": sent, "message_id": msg.id, "confirmed_at": None})
    case_events.audit(s, case, agent, "agreement.sent", mine.get("sent_at"), sent)
    await _live(s, case, "agreement_sent", agent)
    return msg


async def buyer_confirm(s: AsyncSession, customer: Customer, number: str, message_id: int | None) -> dict:
    """The buyer confirms the agreement card: only their own complaint's, only the latest card sent."""
    case = await s.scalar(select(AftersaleCase).where(AftersaleCase.shop_id == customer.shop_id,
                                                      AftersaleCase.number == number[:32]).with_for_update())
    if case is None or case.kind != "complaint" or case.customer_id != customer.id:
        raise NotFound("找不到这份协议", "Agreement not found", code="agreement_not_found")
    mine = (case.stage_data or {}).get("agreement") or {}
    if stage_of(case) != "agreement" or not mine.get("sent_at"):
        raise Conflict("这份协议已不再等待确认", "This agreement is no longer waiting for confirmation",
                       code="agreement_not_open")
    if message_id is not None and message_id != mine.get("message_id"):
        raise Conflict("协议已更新，请确认最新的一份", "The agreement was updated: confirm the latest one",
                       code="agreement_outdated")
    if mine.get("confirmed_at"):
        return {"number": case.number, "confirmed_at": mine["confirmed_at"]}
    at = iso(now())
    _put(case, "agreement", {"confirmed_at": at})
    case_events.audit(s, case, None, "agreement.confirmed", None, at, actor="buyer")
    msg = await s.get(Message, mine.get("message_id")) if mine.get("message_id") else None
    if msg is not None and msg.conversation_id == case.conversation_id and (msg.analysis or {}).get("card"):
        msg.analysis = {**msg.analysis, "card": {**msg.analysis["card"], "confirmed_at": at}}  # reloads show it
    conv = await s.get(Conversation, case.conversation_id) if case.conversation_id else None
    if conv is not None:
        await conversations.post_system_message(s, conv, f"Buyer confirmed the agreement for {case.number}."
                                                if conv.lang == "en" else f"买家已确认处理协议（{case.number}）")
    await _live(s, case, "agreement_confirmed", confirmed_at=at, message_id=mine.get("message_id"))
    return {"number": case.number, "confirmed_at": at}


# ---------------------------------------------------------------- follow-up visits

def _key(followup_id: int) -> str:
    return f"followup:{followup_id}"


async def _open_followup(s: AsyncSession, agent: Agent, case: AftersaleCase) -> FollowUp:
    owner = case.assignee_id or case.created_by_id or agent.id
    fu = FollowUp(shop_id=case.shop_id, case_id=case.id, owner_id=owner, due_at=rules.followup_due(now()),
                  outcome="", note="", created_at=now())
    s.add(fu)
    await s.flush()
    await scheduler.schedule(s, case.shop_id, FOLLOWUP_TIMER, fu.due_at, key=_key(fu.id),
                             payload={"followup_id": fu.id})
    return fu


async def get_followup(s: AsyncSession, shop_id: int, followup_id: int) -> tuple[FollowUp, AftersaleCase]:
    fu = await s.get(FollowUp, followup_id, with_for_update=True)
    if fu is None or fu.shop_id != shop_id:
        raise NotFound("回访任务不存在", "Follow-up not found", code="followup_not_found")
    case = await s.get(AftersaleCase, fu.case_id)
    assert case is not None
    return fu, case


def _open(fu: FollowUp) -> None:
    if fu.done_at is not None:
        raise Conflict("这次回访已经结束", "This follow-up is already closed", code="followup_closed")


async def edit_followup(s: AsyncSession, agent: Agent, followup_id: int, owner_id: int | None,
                        due_at: str | None) -> tuple[FollowUp, AftersaleCase]:
    """Another owner (an active agent of the shop) or another due time (in the future); the reminder moves."""
    fu, case = await get_followup(s, agent.shop_id, followup_id)
    _open(fu)
    if owner_id is not None and owner_id != fu.owner_id:
        owner = await s.get(Agent, owner_id)
        if owner is None or owner.shop_id != agent.shop_id or not owner.active:
            raise NotFound("负责人不存在或已停用", "No such agent to own this follow-up",
                           code="followup_owner_not_found")
        case_events.audit(s, case, agent, "followup.owner", fu.owner_id, owner_id)
        fu.owner_id = owner_id
    if due_at is not None:
        clean = _rule(rules.clean_stage, "agreement", {"deadline": due_at}, now())["deadline"]
        due = datetime.fromisoformat(clean)
        if as_utc(due) != as_utc(fu.due_at):
            case_events.audit(s, case, agent, "followup.due_at", fu.due_at, due)
            fu.due_at = as_utc(due)
            await scheduler.schedule(s, fu.shop_id, FOLLOWUP_TIMER, fu.due_at, key=_key(fu.id),
                                     payload={"followup_id": fu.id})
    await _live(s, case, "followup_edited", agent)
    return fu, case


async def complete_followup(s: AsyncSession, agent: Agent, followup_id: int, outcome: str,
                            note: str) -> tuple[FollowUp, AftersaleCase]:
    """The visit was made (or the buyer could not be reached): the outcome is recorded and the case is done."""
    fu, case = await get_followup(s, agent.shop_id, followup_id)
    _open(fu)
    if outcome not in rules.OUTCOMES:
        raise BadInput("回访结果应为满意、不满意或联系不上", "Outcome must be satisfied, unsatisfied or unreachable",
                       code="bad_followup_outcome")
    note = _rule(rules.clean_text, note, "回访记录", "Note", rules.NOTE_CHARS)
    fu.done_at, fu.outcome, fu.note = now(), outcome, note
    await scheduler.drop(s, FOLLOWUP_TIMER, _key(fu.id))
    case_events.audit(s, case, agent, "followup.outcome", None, outcome)
    if stage_of(case) == "followup":
        await _move(s, agent, case, "done", "followup_done")
        if case.status != "closed":  # the complaint is over: so is its case (and its ticket follows)
            await change_status(s, agent, case, "closed", note="回访完成，投诉结案")
    else:
        await _live(s, case, "followup_done", agent)
    return fu, case


async def followup_due(s: AsyncSession, followup_id: int) -> None:
    """The reminder timer: if the visit is still open and due, its owner hears it (bell line and live event)."""
    fu = await s.get(FollowUp, followup_id, with_for_update=True, populate_existing=True)
    if fu is None or fu.done_at is not None or as_utc(fu.due_at) > now() or fu.owner_id is None:
        return
    case = await s.get(AftersaleCase, fu.case_id)
    if case is None:
        return
    agents = await _agents(s, [fu.owner_id])
    out = followup_out(fu, agents, case.number, now())
    await events.record(s, fu.shop_id, FOLLOWUP_EVENT, {"followup": out, "assignee_id": fu.owner_id,
                        "case": {"number": case.number, "kind": case.kind}}, conversation_id=case.conversation_id,
                        private=True)
    from kefu.notifications.rules import Outgoing
    from kefu.notifications.service import InApp

    body = json.dumps({"zh": f"投诉 {case.number} 的回访到期了，请联系买家", "en": f"Follow-up visit for "
                       f"{case.number} is due: contact the buyer", "link": "/agent"}, ensure_ascii=False)
    bell = InApp(s)
    await bell.send(Outgoing("in_app", str(fu.owner_id), "followup_due", body), fu.shop_id)
    await bell.flush()


async def my_followups(s: AsyncSession, agent: Agent, mine: bool) -> list[dict]:
    """Open follow-up visits of the shop (or only the agent's), due soonest first."""
    q = select(FollowUp, AftersaleCase.number, AftersaleCase.conversation_id).join(
        AftersaleCase, AftersaleCase.id == FollowUp.case_id).where(FollowUp.shop_id == agent.shop_id,
                                                                   FollowUp.done_at.is_(None))
    if mine:
        q = q.where(FollowUp.owner_id == agent.id)
    rows = (await s.execute(q.order_by(FollowUp.due_at, FollowUp.id).limit(LIST_LIMIT))).all()
    agents = await _agents(s, [fu.owner_id for fu, _, _ in rows])
    return [{**followup_out(fu, agents, number, now()), "conversation_id": conv} for fu, number, conv in rows]


# ---------------------------------------------------------------- buyer-type flags

async def _flag_customer(s: AsyncSession, agent: Agent, customer_id: int) -> Customer:
    return await get_customer(s, agent.shop_id, customer_id)


async def flags_of(s: AsyncSession, agent: Agent, customer_id: int, include_cleared: bool = False) -> list[dict]:
    await _flag_customer(s, agent, customer_id)
    q = select(BuyerFlag).where(BuyerFlag.shop_id == agent.shop_id, BuyerFlag.customer_id == customer_id)
    if not include_cleared:
        q = q.where(BuyerFlag.active.is_(True))
    rows = list(await s.scalars(q.order_by(BuyerFlag.id.desc()).limit(LIST_LIMIT)))
    agents = await _agents(s, [i for f in rows for i in (f.agent_id, f.cleared_by_id)])
    return [flag_out(f, agents) for f in rows]


async def add_flag(s: AsyncSession, agent: Agent, customer_id: int, flag: str, note: str,
                   conversation_id: int | None) -> dict:
    customer = await _flag_customer(s, agent, customer_id)
    flag, note = _rule(rules.check_flag, flag, note, code="bad_buyer_flag")
    if conversation_id is not None:
        conv = await s.get(Conversation, conversation_id)
        if conv is None or conv.shop_id != agent.shop_id or conv.customer_id != customer.id:
            raise NotFound("会话不存在", "Conversation not found", code="conversation_not_found")
    f = BuyerFlag(shop_id=agent.shop_id, customer_id=customer.id, flag=flag, note=note, agent_id=agent.id,
                  conversation_id=conversation_id, active=True, created_at=now())
    s.add(f)
    await s.flush()
    out = flag_out(f, {agent.id: agent})
    await events.record(s, agent.shop_id, "customer.flagged", {"flag": out, "customer_id": customer.id},
                        customer_id=customer.id, private=True)
    return out


async def clear_flag(s: AsyncSession, agent: Agent, customer_id: int, flag_id: int) -> dict:
    await _flag_customer(s, agent, customer_id)
    f = await s.get(BuyerFlag, flag_id, with_for_update=True)
    if f is None or f.shop_id != agent.shop_id or f.customer_id != customer_id:
        raise NotFound("标记不存在", "Flag not found", code="flag_not_found")
    if f.active:
        f.active, f.cleared_by_id, f.cleared_at = False, agent.id, now()
    agents = await _agents(s, [f.agent_id, f.cleared_by_id])
    out = flag_out(f, agents)
    await events.record(s, agent.shop_id, "customer.flagged", {"flag": out, "customer_id": customer_id},
                        customer_id=customer_id, private=True)
    return out
