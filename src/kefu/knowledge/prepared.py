"""Prepared content (the demo shop's knowledge base, a new shop's starter kit) added to a shop through the
service's verbs, so versions, the search index and embeddings are what an editor's save would produce.
Idempotent: an article whose title, or a template whose shortcut, the shop already has is left as it is."""

from __future__ import annotations

import html
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.knowledge import service
from kefu.knowledge.models import Article, ReplyTemplate

# (intent, category, title, "variant|variant…", answer as plain text, "tag,tag…")
ArticleRow = tuple[str, str, str, str, str, str]
# (scene, shortcut, title, body)
TemplateRow = tuple[str, str, str, str]


def answer_html(text: str) -> str:
    return "<p>" + html.escape(text) + "</p>"


async def add_missing(session: AsyncSession, shop_id: int, author_id: int | None, articles: Iterable[ArticleRow],
                      templates: Iterable[TemplateRow], *, note: str, tag: str | None = None) -> dict:
    """Add the articles and templates the shop does not have yet (each article's version saved with `note`,
    and tagged `tag` when given); returns how many of each were added."""
    added = {"articles": 0, "templates": 0}
    titles = set(await session.scalars(select(Article.title).where(Article.shop_id == shop_id)))
    for intent, category, title, variants, answer, tags in articles:
        if title in titles:
            continue
        await service.create_article(session, shop_id, author_id, {
            "title": title, "variants": variants.split("|"), "answer": answer_html(answer), "category": category,
            "intent": intent, "tags": tags.split(",") + ([tag] if tag else [])}, note=note)
        titles.add(title)
        added["articles"] += 1
    shortcuts = set(await session.scalars(select(ReplyTemplate.shortcut).where(ReplyTemplate.shop_id == shop_id)))
    for scene, shortcut, title, body in templates:
        if shortcut not in shortcuts:
            await service.save_template(session, shop_id, author_id, scene=scene, title=title, shortcut=shortcut,
                                        body=body)
            shortcuts.add(shortcut)
            added["templates"] += 1
    return added
