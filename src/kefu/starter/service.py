"""Installing the starter kit into a shop through the knowledge service's verbs (versions, search index and
embeddings are what an editor's save would produce). Idempotent: what the shop already has (same article
title, same template shortcut) is left as the shop edited it."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.knowledge import service as kb
from kefu.knowledge.models import Article, ReplyTemplate
from kefu.starter.articles import ARTICLES
from kefu.starter.templates import TEMPLATES

NOTE = "入门知识包"
TO_FILL = "【请填写"  # marks a fact only the shop knows


def answer_html(text: str) -> str:
    return "<p>" + html.escape(text) + "</p>"


async def install_starter_kit(session: AsyncSession, shop_id: int, *, author_id: int | None = None) -> dict:
    """Add the starter articles and reply templates the shop does not have yet; returns how many of each."""
    added = {"articles": 0, "templates": 0}
    titles = set(await session.scalars(select(Article.title).where(Article.shop_id == shop_id)))
    for intent, category, title, variants, answer, tags in ARTICLES:
        if title in titles:
            continue
        await kb.create_article(session, shop_id, author_id, {
            "title": title, "variants": variants.split("|"), "answer": answer_html(answer), "category": category,
            "intent": intent, "tags": [*tags.split(","), NOTE]}, note=NOTE)
        titles.add(title)
        added["articles"] += 1
    shortcuts = set(await session.scalars(select(ReplyTemplate.shortcut).where(ReplyTemplate.shop_id == shop_id)))
    for scene, shortcut, title, body in TEMPLATES:
        if shortcut not in shortcuts:
            await kb.save_template(session, shop_id, author_id, scene=scene, title=title, shortcut=shortcut,
                                   body=body)
            shortcuts.add(shortcut)
            added["templates"] += 1
    return added
