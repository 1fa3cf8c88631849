"""After-sale cases over the API: what comes in (validated at the edge) and how a case goes out — in full to the
shop's agents, trimmed to what the buyer may read in the widget (no internal notes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from kefu.aftersales import rules
from kefu.aftersales.models import AftersaleCase, CaseChange
from kefu.core.clock import as_utc, iso, now
from kefu.core.validation import Id, When
from kefu.orders.schemas import OrderView

Yuan = Annotated[float, Field(ge=0, le=10_000_000, description="yuan, at most 2 decimals")]
Key = Annotated[str, Field(min_length=1, max_length=64)]
MAX_PHOTOS = 20  # on one case
LABELS = {"open": ("待处理", "Open"), "confirmed": ("已确认", "Confirmed"),
          "awaiting_return": ("待买家寄回", "Awaiting the return"), "returned": ("已收到退货", "Return received"),
          "refunded": ("已退款", "Refunded"), "reshipped": ("已补发", "Reshipped"),
          "exchanged": ("已换货", "Exchanged"),
          "repaired": ("已维修", "Repaired"), "rejected": ("未通过", "Rejected"), "closed": ("已关闭", "Closed")}


class CaseIn(BaseModel):
    """A case to open (or preview): where from (a chat, a ticket, an order), what the buyer asks and why."""

    kind: str = Field(max_length=24, description="return / exchange / refund_only / reship / price_difference / "
                                                 "repair / complaint")
    reason: str = Field(default="", max_length=24, description="a code of the shop's reason list")
    description: str = Field(default="", max_length=2000)
    order_number: str | None = Field(default=None, max_length=32)
    conversation_id: Id | None = None
    ticket_id: Id | None = None
    ticket_number: str | None = Field(default=None, max_length=16)
    customer_id: Id | None = None
    return_shipping: Yuan = 0
    refund: Yuan | None = Field(default=None, description="what the buyer asks back; at most the order's paid + "
                                                          "shipping, and never more than the policy gives")
    confirm: bool = Field(default=False, description="open and confirm the computed outcome at once")


class OverrideIn(BaseModel):
    note: str = Field(min_length=1, max_length=1000, description="why the shop makes an exception (internal)")


class StatusIn(BaseModel):
    status: str = Field(max_length=24)
    note: str = Field(default="", max_length=1000)


class ResponsibilityIn(BaseModel):
    responsibility: str = Field(max_length=16, description="buyer / seller / courier / platform")
    note: str = Field(default="", max_length=1000)


class PlatformIn(BaseModel):
    platform_ref: str = Field(min_length=1, max_length=64, description="the platform's number for the dispute")
    due_at: When = Field(description="the platform's deadline, ISO 8601 with a time zone, in the future")


class PhotosIn(BaseModel):
    attachment_ids: list[Key] = Field(min_length=1, max_length=MAX_PHOTOS)


class PolicyIn(BaseModel):
    policy: dict = Field(description="the fields of kefu.aftersales.rules.Policy (any subset; the rest default)")
    reasons: list | None = Field(default=None, max_length=rules.MAX_REASONS)


class ExplainIn(BaseModel):
    """The admin's 试算: a sample case (as `kefu aftersales explain` reads it) against an edited policy."""

    case: dict
    policy: dict | None = None


def yuan(fen: int | None) -> float | None:
    return None if fen is None else round(fen / 100, 2)


def label(reasons: list[dict], code: str) -> str:
    return next((r["label"] for r in reasons if r["code"] == code), rules.REASON_ZH.get(code, code))


def order_facts(o: OrderView) -> dict:
    """The order as the case keeps it (fen), whatever its source said later."""
    return {"number": o.number, "status": o.status, "paid": o.total_fen, "shipping": o.shipping_fen,
            "delivered_at": iso(as_utc(o.delivered_at)), "category": o.category, "promo_price": o.promo_price_fen,
            "items": [{"name": str(i.get("name", ""))[:100], "qty": i.get("qty")} for i in (o.items or [])[:20]
                      if isinstance(i, dict)]}


def yuan_of(fen: int | None) -> Decimal | None:
    """Fen as the exact yuan the rules read."""
    return None if fen is None else Decimal(fen).scaleb(-2)


def rule_case(kind: str, reason: str, order: dict, rs_fen: int, at) -> dict:
    """A case as kefu.aftersales.rules.explain reads it, from the order's facts kept on the case."""
    return {"kind": kind, "reason": reason, "return_shipping": yuan_of(rs_fen), "at": as_utc(at),
            "order": {"paid": yuan_of(order["paid"]), "shipping_paid": yuan_of(order["shipping"]),
                      "delivered_at": order["delivered_at"], "category": order["category"][:100],
                      "promo_price": yuan_of(order["promo_price"])}}


def platform_state(case: AftersaleCase) -> str | None:
    """none / running / due_soon (within 2 h) / overdue, while the case is not done."""
    due = as_utc(case.platform_due_at)
    if due is None:
        return None
    if case.status in rules.FINAL:
        return "done"
    left = (due - now()).total_seconds()
    return "overdue" if left <= 0 else "due_soon" if left <= 2 * 3600 else "running"


def buyer_out(case: AftersaleCase) -> dict:
    """What the buyer reads of their case: never the internal notes, the override's reason or who decided."""
    reasons = rules.reasons_from((case.policy or {}).get("reasons"))
    out = case.outcome or {}
    return {"number": case.number, "kind": case.kind, "kind_label": rules.KIND_ZH.get(case.kind, "投诉"),
            "reason": case.reason, "reason_label": label(reasons, case.reason) if case.reason else "",
            "status": case.status, "status_label": LABELS.get(case.status, (case.status, case.status)),
            "order_number": case.order_number, "description": case.description,
            "outcome": {k: out[k] for k in ("allowed", "reason_text", "return_shipping_payer", "buyer_pays",
                                            "shop_pays", "reship_now") if k in out} or None,
            "refund": yuan(case.refund_fen) if case.outcome else None, "final": case.status in rules.FINAL,
            "created_at": iso(case.created_at), "updated_at": iso(case.updated_at)}


def case_out(case: AftersaleCase) -> dict:
    """The case as the shop's agents see it."""
    return {**buyer_out(case), "id": case.id, "customer_id": case.customer_id, "conversation_id": case.conversation_id,
            "ticket_id": case.ticket_id, "order": case.order, "policy_version": case.policy_version,
            "return_shipping": yuan(case.return_shipping_fen), "outcome": case.outcome,
            "responsibility": case.responsibility, "responsibility_note": case.responsibility_note,
            "override_by_id": case.override_by_id, "override_note": case.override_note,
            "platform_ref": case.platform_ref, "platform_due_at": iso(case.platform_due_at),
            "platform_state": platform_state(case), "stage": case.stage, "stage_data": case.stage_data,
            "assignee_id": case.assignee_id, "created_by_id": case.created_by_id,
            "confirmed_at": iso(case.confirmed_at), "closed_at": iso(case.closed_at),
            "next": list(rules.next_statuses(case.status, case.kind, case.outcome))}


def change_out(c: CaseChange) -> dict:
    return {"at": iso(c.at), "actor": c.actor, "agent_id": c.agent_id, "field": c.field, "before": c.before,
            "after": c.after}
