"""Buyers: anonymous widget visitors become Customer rows identified by a signed visitor token."""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.core.clock import iso
from kefu.core.errors import Forbidden, KefuError, NotFound
from kefu.core.security import VisitorClaims, VisitorTokens
from kefu.customers.models import Customer
from kefu.privacy.rules import mask_email, mask_phone
from kefu.shops.models import Shop


async def start_visitor(session: AsyncSession, tokens: VisitorTokens, shop: Shop, token: str | None,
                        display_name: str | None = None) -> tuple[Customer, str]:
    """Return the visitor's customer row, creating one for a new browser. A bad token starts afresh."""
    if token:
        try:
            claims = tokens.read(token)
            customer = await session.get(Customer, claims.customer_id)
            if customer is not None and customer.shop_id == shop.id and claims.shop_id == shop.id \
                    and customer.visitor_id == claims.visitor_id:  # an erased buyer's token names nobody
                return customer, token
        except KefuError:
            pass
    visitor_id = secrets.token_hex(8)
    name = (display_name or "").strip()[:64] or f"访客{visitor_id[:4].upper()}"
    customer = Customer(shop_id=shop.id, visitor_id=visitor_id, display_name=name, tags=[])
    session.add(customer)
    await session.flush()
    return customer, tokens.issue(VisitorClaims(shop.id, customer.id, visitor_id))


async def customer_for_claims(session: AsyncSession, claims: VisitorClaims) -> Customer:
    customer = await session.get(Customer, claims.customer_id)
    if customer is None or customer.shop_id != claims.shop_id or customer.visitor_id != claims.visitor_id:
        raise Forbidden("访客凭证无效", "Invalid visitor token", code="visitor_token_invalid")
    return customer


async def get_customer(session: AsyncSession, shop_id: int, customer_id: int) -> Customer:
    customer = await session.get(Customer, customer_id)
    if customer is None or customer.shop_id != shop_id:
        raise NotFound("顾客不存在", "Customer not found", code="customer_not_found")
    return customer


def customer_out(c: Customer) -> dict:
    """The buyer as staff see them: phone and e-mail masked (POST /api/customers/{id}/reveal shows them)."""
    return {"id": c.id, "display_name": c.display_name, "phone": mask_phone(c.phone), "vip_level": c.vip_level,
            "tags": list(c.tags or []), "since": iso(c.created_at), "email": mask_email(c.email),
            "erased": c.erased_at is not None}
