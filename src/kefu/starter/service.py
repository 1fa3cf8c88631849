"""Installing the starter kit into a shop through the knowledge service's verbs (versions, search index and
embeddings are what an editor's save would produce). Idempotent: what the shop already has (same article
title, same template shortcut) is left as the shop edited it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.knowledge.prepared import add_missing
from kefu.starter.articles import ARTICLES
from kefu.starter.templates import TEMPLATES

NOTE = "入门知识包"


async def install_starter_kit(session: AsyncSession, shop_id: int, *, author_id: int | None = None) -> dict:
    """Add the starter articles and reply templates the shop does not have yet; returns how many of each."""
    return await add_missing(session, shop_id, author_id, ARTICLES, TEMPLATES, note=NOTE, tag=NOTE)
