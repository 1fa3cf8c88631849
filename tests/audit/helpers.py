"""Shared pieces of the audit tests: a shop's audit rows straight from the table, and a clean login address."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from kefu.agents.models import LoginThrottle
from kefu.audit.models import AuditEntry


def entries(world, shop_id: int | None, action: str | None = None, after: int = 0) -> list[AuditEntry]:
    async def go():
        async with world.db.transaction() as s:
            q = select(AuditEntry).where(AuditEntry.id > after)
            q = q.where(AuditEntry.shop_id.is_(None) if shop_id is None else AuditEntry.shop_id == shop_id)
            if action is not None:
                q = q.where(AuditEntry.action == action)
            return list(await s.scalars(q.order_by(AuditEntry.id)))

    return world.run(go)


def last_id(world) -> int:
    async def go():
        async with world.db.transaction() as s:
            return await s.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))

    return world.run(go)


def one(world, shop_id: int | None, action: str, after: int = 0) -> AuditEntry:
    rows = entries(world, shop_id, action, after)
    assert len(rows) == 1, [(r.action, r.target, r.detail) for r in rows]
    return rows[0]


def clear_addresses(world) -> None:
    """Failed logins here come from the shared test client's address: keep it unlocked for other files."""
    async def go():
        async with world.db.transaction() as s:
            await s.execute(delete(LoginThrottle).where(LoginThrottle.key.like("ip:%")))

    world.run(go)


def error(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["zh"] and err["en"], err
    return err
