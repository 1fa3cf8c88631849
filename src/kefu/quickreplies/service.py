"""Verbs on quick-reply lists. Agents edit only their own list; shop defaults need rules.DEFAULTS_ROLES."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.core.clock import now
from kefu.core.errors import Forbidden, NotFound
from kefu.knowledge.models import ReplyTemplate
from kefu.quickreplies import rules
from kefu.quickreplies.models import QuickReplySet


async def _row(session: AsyncSession, shop_id: int, agent_id: int | None) -> QuickReplySet | None:
    # The unique (shop_id, agent_id) does not cover the defaults' NULL: two first saves at once could make two
    # rows, and the oldest one counts.
    who = QuickReplySet.agent_id.is_(None) if agent_id is None else QuickReplySet.agent_id == agent_id
    return await session.scalar(select(QuickReplySet).where(QuickReplySet.shop_id == shop_id, who)
                                .order_by(QuickReplySet.id).limit(1))


async def _templates(session: AsyncSession, shop_id: int, ids: set[int]) -> dict[int, dict]:
    if not ids:
        return {}
    rows = await session.scalars(select(ReplyTemplate).where(ReplyTemplate.shop_id == shop_id,
                                                             ReplyTemplate.id.in_(ids), ReplyTemplate.active))
    return {t.id: {"id": t.id, "title": t.title, "body": t.body, "shortcut": t.shortcut} for t in rows}


async def _resolve(session: AsyncSession, shop_id: int, items: list[dict]) -> list[dict]:
    ids = {i["template_id"] for i in items if "template_id" in i}
    return rules.resolve(items, await _templates(session, shop_id, ids))


async def shop_defaults(session: AsyncSession, shop_id: int, lang: str = "zh") -> tuple[list[dict], str]:
    row = await _row(session, shop_id, None)
    if row is None:
        return rules.builtin(lang), "builtin"
    return await _resolve(session, shop_id, row.items or []), "shop"


async def for_agent(session: AsyncSession, agent: Agent, lang: str = "zh") -> dict:
    """The agent's buttons (their pins, else the shop's defaults) and the defaults themselves."""
    defaults, source = await shop_defaults(session, agent.shop_id, lang)
    mine = await _row(session, agent.shop_id, agent.id)
    items = defaults if mine is None else await _resolve(session, agent.shop_id, mine.items or [])
    return {"items": items, "source": source if mine is None else "mine", "defaults": defaults,
            "defaults_source": source, "may_edit_defaults": rules.may_edit_defaults(agent.role)}


async def _save(session: AsyncSession, actor: Agent, agent_id: int | None, raw: list) -> None:
    items = rules.clean_items(raw)
    ids = {i["template_id"] for i in items if "template_id" in i}
    found = await _templates(session, actor.shop_id, ids)
    if ids - found.keys():
        raise NotFound("话术模板不存在或已停用", "Reply template not found or switched off",
                       code="template_not_found")
    row = await _row(session, actor.shop_id, agent_id)
    if row is None:
        row = QuickReplySet(shop_id=actor.shop_id, agent_id=agent_id)
        session.add(row)
    row.items, row.updated_at, row.updated_by = items, now(), actor.id
    await session.flush()


async def pin_mine(session: AsyncSession, agent: Agent, raw: list, lang: str = "zh") -> dict:
    """Replace the agent's own quick replies (in order)."""
    await _save(session, agent, agent.id, raw)
    return await for_agent(session, agent, lang)


async def reset_mine(session: AsyncSession, agent: Agent, lang: str = "zh") -> dict:
    """Drop the agent's own list: they see the shop's defaults again."""
    row = await _row(session, agent.shop_id, agent.id)
    if row is not None:
        await session.delete(row)
        await session.flush()
    return await for_agent(session, agent, lang)


async def set_defaults(session: AsyncSession, actor: Agent, raw: list, lang: str = "zh") -> dict:
    if not rules.may_edit_defaults(actor.role):
        raise Forbidden("只有管理员或培训师可以设置店铺默认快捷回复",
                        "Only an admin or trainer can set the shop's default quick replies",
                        code="not_allowed_quick_reply_defaults")
    await _save(session, actor, None, raw)
    return await for_agent(session, actor, lang)
