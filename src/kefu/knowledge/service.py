"""Knowledge verbs: articles with versions, the review list, search and suggestions, reply templates,
synonyms, and the FAQ bot's turn. Every query is scoped by shop_id; callers own the transaction."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.conversations import service as chat
from kefu.conversations.models import Message
from kefu.core.clock import as_utc, iso, now
from kefu.core.errors import BadInput, Conflict, NotFound
from kefu.customers.models import Customer
from kefu.knowledge import bot_rules, rules
from kefu.knowledge import index as ix
from kefu.knowledge.models import Article, ArticleVersion, KbState, ReplyTemplate, SynonymGroup
from kefu.knowledge.schemas import article_out, snapshot, version_out
from kefu.nlu import rules as nlu
from kefu.shops.models import Shop

BEIJING = timezone(timedelta(hours=8))
FIELDS = ("title", "answer", "variants", "category", "intent", "tags", "products", "valid_from", "valid_to")


# ---------------------------------------------------------------- revision and index
async def bump(session: AsyncSession, shop_id: int) -> int:
    rev = await session.scalar(update(KbState).where(KbState.shop_id == shop_id)
                               .values(revision=KbState.revision + 1).returning(KbState.revision))
    if rev is None:
        await session.execute(insert(KbState).values(shop_id=shop_id, revision=1))
        rev = 1
    return rev


def doc_of(a: Article) -> ix.Doc:
    questions = [a.title, *(a.variants or [])]
    doc = ix.Doc(a.id, a.title, questions, rules.plain_text(a.answer), a.intent, a.category, a.active,
                 as_utc(a.valid_from), as_utc(a.valid_to))
    doc.set_vectors(ix.unpack(a.embedding, len(questions) + 1))
    return doc


async def _embed(texts: list[str]):
    if not ix.embedder.enabled:
        return None
    return await asyncio.to_thread(ix.embedder.embed, texts)


async def _store_vectors(a: Article) -> None:
    """Embed the article's questions and answer opening into a.embedding (None without a model)."""
    vectors = await _embed(doc_of(a).embed_texts())
    a.embedding = ix.pack(vectors) if vectors is not None else None
    a.embedding_model = ix.EMBED_MODEL if vectors is not None else ""


_build_locks: dict[int, asyncio.Lock] = {}


async def get_index(session: AsyncSession, shop_id: int) -> ix.KnowledgeIndex:
    """This process's index of the shop, rebuilt from the database when another writer moved it on."""
    revision = await session.scalar(select(KbState.revision).where(KbState.shop_id == shop_id)) or 0
    idx = ix.registry.get(shop_id)
    if idx is not None and idx.revision == revision:
        return idx
    async with _build_locks.setdefault(shop_id, asyncio.Lock()):
        idx = ix.registry.get(shop_id)
        if idx is not None and idx.revision == revision:
            return idx
        groups = [g.words for g in await session.scalars(select(SynonymGroup).where(SynonymGroup.shop_id == shop_id))]
        idx = ix.KnowledgeIndex(shop_id, groups, revision)
        for a in await session.scalars(select(Article).where(Article.shop_id == shop_id, Article.active.is_(True))):
            doc = doc_of(a)
            if doc.vectors is None:
                doc.set_vectors(await _embed(doc.embed_texts()))
            idx.add(doc)
        ix.registry.put(idx)
        return idx


# ---------------------------------------------------------------- articles
async def get_article(session: AsyncSession, shop_id: int, article_id: int, *, for_update: bool = False) -> Article:
    stmt = select(Article).where(Article.id == article_id, Article.shop_id == shop_id)
    a = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if a is None:
        raise NotFound("知识条目不存在", "Article not found", code="article_not_found")
    return a


async def _check_owner(session: AsyncSession, shop_id: int, owner_id: int | None) -> None:
    if owner_id is not None and await session.scalar(
            select(Agent.id).where(Agent.id == owner_id, Agent.shop_id == shop_id)) is None:
        raise BadInput("负责人不是本店客服", "Owner is not an agent of this shop", code="bad_owner")


async def _save_version(session: AsyncSession, a: Article, by: int | None, note: str) -> None:
    session.add(ArticleVersion(shop_id=a.shop_id, article_id=a.id, version=a.version, data=snapshot(a),
                               note=rules.plain_text(note)[:200], saved_by=by, saved_at=now()))
    await session.flush()
    ix.queue(session, a.shop_id, await bump(session, a.shop_id), "upsert" if a.active else "delete",
             doc_of(a) if a.active else None, a.id)


async def create_article(session: AsyncSession, shop_id: int, by: int | None, fields: dict, *,
                         owner_id: int | None = None, note: str = "") -> Article:
    data = rules.check_article(**{k: fields.get(k) for k in FIELDS if k in fields})
    await _check_owner(session, shop_id, owner_id)
    at = now()
    a = Article(shop_id=shop_id, title=data.title, variants=data.variants, answer=data.answer,
                category=data.category, intent=data.intent, tags=data.tags, products=data.products,
                valid_from=data.valid_from, valid_to=data.valid_to, owner_id=owner_id if owner_id else by,
                last_reviewed_at=at, version=1, active=True, created_at=at, updated_at=at, updated_by=by)
    await _store_vectors(a)
    session.add(a)
    await session.flush()
    await _save_version(session, a, by, note or "创建")
    return a


async def update_article(session: AsyncSession, shop_id: int, by: int | None, article_id: int, fields: dict, *,
                         owner_id: int | None = None, note: str = "", expected_version: int | None = None
                         ) -> Article:
    a = await get_article(session, shop_id, article_id, for_update=True)
    if expected_version is not None and expected_version != a.version:
        raise Conflict("该条目已被他人修改，请刷新后再编辑", "The article changed meanwhile: reload it",
                       code="article_version_conflict", extra={"version": a.version})
    merged = {k: fields.get(k, getattr(a, k)) for k in FIELDS}
    data = rules.check_article(**merged)
    await _check_owner(session, shop_id, owner_id)
    before = doc_of(a).embed_texts()
    for k in FIELDS:
        setattr(a, k, getattr(data, k))
    if doc_of(a).embed_texts() != before or not a.embedding or a.embedding_model != ix.EMBED_MODEL:
        await _store_vectors(a)
    if owner_id is not None:
        a.owner_id = owner_id
    a.active = True
    a.version += 1
    a.updated_at = a.last_reviewed_at = now()
    a.updated_by = by
    await _save_version(session, a, by, note or "修改")
    return a


async def archive_article(session: AsyncSession, shop_id: int, by: int | None, article_id: int) -> Article:
    a = await get_article(session, shop_id, article_id, for_update=True)
    if a.active:
        a.active = False
        a.version += 1
        a.updated_at, a.updated_by = now(), by
        await _save_version(session, a, by, "下架")
    return a


async def restore_version(session: AsyncSession, shop_id: int, by: int | None, article_id: int, version: int
                          ) -> Article:
    old = await get_version(session, shop_id, article_id, version)
    data = {k: old.data.get(k) for k in FIELDS}
    for k in ("valid_from", "valid_to"):
        data[k] = _parse_dt(data[k])
    return await update_article(session, shop_id, by, article_id, data, note=f"恢复到第 {version} 版")


def _parse_dt(value):
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


async def mark_reviewed(session: AsyncSession, shop_id: int, article_id: int) -> Article:
    a = await get_article(session, shop_id, article_id, for_update=True)
    a.last_reviewed_at = now()
    return a


async def list_articles(session: AsyncSession, shop_id: int, *, intent: str | None = None,
                        category: str | None = None, include_archived: bool = False,
                        limit: int = 100, offset: int = 0) -> dict:
    stmt = select(Article).where(Article.shop_id == shop_id)
    if not include_archived:
        stmt = stmt.where(Article.active.is_(True))
    if intent:
        stmt = stmt.where(Article.intent == intent)
    if category:
        stmt = stmt.where(Article.category == category)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = await session.scalars(stmt.order_by(Article.updated_at.desc(), Article.id.desc()).limit(limit)
                                 .offset(offset))
    return {"total": total, "articles": [article_out(a, full=False) for a in rows]}


async def list_versions(session: AsyncSession, shop_id: int, article_id: int) -> list[dict]:
    await get_article(session, shop_id, article_id)
    rows = await session.scalars(select(ArticleVersion).where(ArticleVersion.shop_id == shop_id,
                                                              ArticleVersion.article_id == article_id)
                                 .order_by(ArticleVersion.version.desc()))
    return [version_out(v) for v in rows]


async def get_version(session: AsyncSession, shop_id: int, article_id: int, version: int) -> ArticleVersion:
    v = await session.scalar(select(ArticleVersion).where(ArticleVersion.shop_id == shop_id,
                                                          ArticleVersion.article_id == article_id,
                                                          ArticleVersion.version == version))
    if v is None:
        raise NotFound("该版本不存在", "Version not found", code="version_not_found")
    return v


async def review_list(session: AsyncSession, shop_id: int) -> list[dict]:
    """Live articles unreviewed for 7 days or past their valid_to, oldest review first."""
    at = now()
    stmt = select(Article).where(Article.shop_id == shop_id, Article.active.is_(True)).where(
        (Article.last_reviewed_at.is_(None)) | (Article.last_reviewed_at <= at - rules.REVIEW_EVERY)
        | (Article.valid_to < at)).order_by(Article.last_reviewed_at.asc().nulls_first(), Article.id)
    out = []
    for a in await session.scalars(stmt):
        out.append({**article_out(a, full=False), "reasons": rules.review_reasons(
            as_utc(a.last_reviewed_at), as_utc(a.valid_to), at)})
    return out


# ---------------------------------------------------------------- search
def hit_out(idx: ix.KnowledgeIndex, hit: ix.Hit, query: str) -> dict:
    marks = idx.marks(query)
    return {"article_id": hit.article_id, "title": hit.title, "title_html": rules.highlight(hit.title, marks, 200),
            "snippet_html": rules.highlight(hit.doc.answer_text, marks), "matched_question": hit.question,
            "score": round(hit.score, 5), "confidence": round(hit.confidence, 4), "lexical": round(hit.lexical, 3),
            "semantic": None if hit.semantic is None else round(hit.semantic, 4), "intent": hit.doc.intent,
            "category": hit.doc.category}


async def search(session: AsyncSession, shop_id: int, query: str, *, limit: int = 10) -> list[dict]:
    query = nlu.clean(query or "")[:200]
    if not query:
        return []
    idx = await get_index(session, shop_id)
    hits = await asyncio.to_thread(idx.search, query, limit=limit, now=now())
    return [hit_out(idx, h, query) for h in hits]


def _bot_query(text: str | None) -> str:
    return nlu.clean(text or "")[:200]


async def has_articles(session: AsyncSession, shop_id: int) -> bool:
    """Whether the shop has a knowledge base at all (shops without one have no bot)."""
    return await session.scalar(select(Article.id).where(Article.shop_id == shop_id).limit(1)) is not None


async def prepare_match(session: AsyncSession, shop_id: int, text: str) -> bool:
    """Warm the embedding cache with a buyer message the bot may match; returns has_articles()."""
    if not await has_articles(session, shop_id):
        return False
    query = _bot_query(text)
    if query and ix.embedder.enabled:
        await asyncio.to_thread(ix.embedder.embed, [query], ix.QUERY_CHARS)
    return True


async def candidates(session: AsyncSession, shop_id: int, text: str, limit: int = 5) -> list[bot_rules.Candidate]:
    """The bot's candidates for a message in search order, each with the matcher's calibrated confidence."""
    text = _bot_query(text)
    if not text:
        return []
    idx = await get_index(session, shop_id)
    hits = await asyncio.to_thread(idx.search, text, limit=max(limit, 2), now=now())
    out = [bot_rules.Candidate(h.article_id, h.title, h.confidence, h.doc.answer_text) for h in hits[:limit]]
    if out:
        out[0].margin = ix.margin(hits)
    return out


async def option_scores(session: AsyncSession, shop_id: int, text: str, article_ids: list[int]
                        ) -> dict[int, tuple[float, float]]:
    """(matcher confidence, term overlap) of a follow-up for each article a clarifying question offered."""
    text = _bot_query(text)
    if not text or not article_ids:
        return {}
    idx = await get_index(session, shop_id)
    return await asyncio.to_thread(idx.option_scores, text, article_ids)


async def suggest(session: AsyncSession, shop_id: int, conversation_id: int, limit: int = 5) -> dict:
    """推荐知识 for the workspace: what the buyer's recent substantive lines ask (greetings, thanks and "好的"
    skipped), articles of the conversation's intent first. Nothing while the buyer has only made small talk."""
    conv = await chat.get_conversation(session, shop_id, conversation_id)
    recent = list(await session.scalars(select(Message.text).where(
        Message.conversation_id == conv.id, Message.sender == "buyer", Message.private.is_(False))
        .order_by(Message.seq.desc()).limit(rules.SUGGEST_LOOKBACK)))[::-1]
    query = rules.suggestion_query(nlu.substantive(recent))
    intent = conv.intent if conv.intent and conv.intent != "other" else None
    hits = await search(session, shop_id, query, limit=limit * 2) if query else []
    return {"conversation_id": conv.id, "query": query, "intent": intent, "small_talk": bool(recent) and not query,
            "hits": rules.rank_suggestions(hits, intent, limit)}


# ---------------------------------------------------------------- synonyms
async def list_synonyms(session: AsyncSession, shop_id: int) -> dict:
    rows = await session.scalars(select(SynonymGroup).where(SynonymGroup.shop_id == shop_id).order_by(SynonymGroup.id))
    return {"groups": [{"id": g.id, "words": g.words} for g in rows],
            "defaults": [list(g) for g in rules.DEFAULT_SYNONYMS]}


async def add_synonyms(session: AsyncSession, shop_id: int, words: list[str]) -> SynonymGroup:
    words = list(dict.fromkeys(w for w in (rules.plain_text(x).strip()[:32] for x in words) if w))
    if len(words) < 2:
        raise BadInput("同义词组至少要两个词", "A synonym group needs at least two words", code="bad_synonyms")
    g = SynonymGroup(shop_id=shop_id, words=words, created_at=now())
    session.add(g)
    await session.flush()
    ix.queue(session, shop_id, await bump(session, shop_id), "reset")
    return g


async def delete_synonyms(session: AsyncSession, shop_id: int, group_id: int) -> None:
    g = await session.scalar(select(SynonymGroup).where(SynonymGroup.id == group_id, SynonymGroup.shop_id == shop_id))
    if g is None:
        raise NotFound("同义词组不存在", "Synonym group not found", code="synonyms_not_found")
    await session.delete(g)
    ix.queue(session, shop_id, await bump(session, shop_id), "reset")


# ---------------------------------------------------------------- reply templates
async def get_template(session: AsyncSession, shop_id: int, template_id: int) -> ReplyTemplate:
    t = await session.scalar(select(ReplyTemplate).where(ReplyTemplate.id == template_id,
                                                         ReplyTemplate.shop_id == shop_id))
    if t is None:
        raise NotFound("话术不存在", "Template not found", code="template_not_found")
    return t


async def _shortcut_free(session: AsyncSession, shop_id: int, shortcut: str, except_id: int | None = None) -> None:
    other = await session.scalar(select(ReplyTemplate.id).where(ReplyTemplate.shop_id == shop_id,
                                                                ReplyTemplate.shortcut == shortcut))
    if other is not None and other != except_id:
        raise Conflict(f"快捷词 /{shortcut} 已被使用", f"Shortcut /{shortcut} is taken", code="shortcut_taken")


async def save_template(session: AsyncSession, shop_id: int, by: int | None, *, scene: str, title: str,
                        shortcut: str, body: str, template_id: int | None = None) -> ReplyTemplate:
    scene, title, shortcut, body = rules.check_template(scene, title, shortcut, body)
    await _shortcut_free(session, shop_id, shortcut, template_id)
    if template_id is None:
        t = ReplyTemplate(shop_id=shop_id, created_at=now())
        session.add(t)
    else:
        t = await get_template(session, shop_id, template_id)
    t.scene, t.title, t.shortcut, t.body, t.active = scene, title, shortcut, body, True
    t.updated_at, t.updated_by = now(), by
    await session.flush()
    return t


async def delete_template(session: AsyncSession, shop_id: int, template_id: int) -> None:
    await session.delete(await get_template(session, shop_id, template_id))


async def list_templates(session: AsyncSession, shop_id: int, *, scene: str | None = None,
                         prefix: str | None = None) -> list[ReplyTemplate]:
    """Templates of the shop; `prefix` is what the agent typed after "/" (matches shortcut or title)."""
    stmt = select(ReplyTemplate).where(ReplyTemplate.shop_id == shop_id, ReplyTemplate.active.is_(True))
    if scene:
        stmt = stmt.where(ReplyTemplate.scene == scene)
    rows = list(await session.scalars(stmt.order_by(ReplyTemplate.scene, ReplyTemplate.shortcut)))
    if prefix:
        p = prefix.strip().lstrip("/").lower()
        rows = sorted((t for t in rows if t.shortcut.lower().startswith(p) or p in t.title.lower()),
                      key=lambda t: (not t.shortcut.lower().startswith(p), t.shortcut))
    return rows


async def conversation_values(session: AsyncSession, shop_id: int, agent: Agent | None,
                              conversation_id: int | None) -> dict[str, str | None]:
    """Template variable values: the buyer's salutation, the latest order and tracking numbers the buyer
    mentioned, the agent's and shop's names, today's date (Beijing)."""
    shop = await session.get(Shop, shop_id)
    values: dict[str, str | None] = {"客服名": agent.display_name if agent else None,
                                     "店铺名": shop.name if shop else None,
                                     "日期": now().astimezone(BEIJING).strftime("%Y-%m-%d")}
    if conversation_id is None:
        return values
    conv = await chat.get_conversation(session, shop_id, conversation_id)
    customer = await session.get(Customer, conv.customer_id)
    values["买家昵称"] = customer.display_name if customer else None
    values["买家称呼"] = rules.buyer_salutation(customer.display_name if customer else None)
    rows = (await session.execute(select(Message.text, Message.analysis).where(
        Message.conversation_id == conv.id, Message.sender == "buyer").order_by(Message.seq.desc()).limit(50))).all()
    values.update(rules.numbers_from_messages([(text, analysis) for text, analysis in rows]))
    return rules.with_aliases(values)


async def render_template(session: AsyncSession, agent: Agent, template_id: int,
                          conversation_id: int | None) -> dict:
    t = await get_template(session, agent.shop_id, template_id)
    values = await conversation_values(session, agent.shop_id, agent, conversation_id)
    text, missing = rules.fill_variables(t.body, values)
    return {"template_id": t.id, "text": text, "missing": missing,
            "values": {k: v for k, v in values.items() if v}, "rendered_at": iso(now())}
