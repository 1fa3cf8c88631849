"""The knowledge API under /api/kb: every agent reads and searches; trainers and admins edit."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import StreamingResponse

from kefu.agents.models import Agent
from kefu.audit import service as audit
from kefu.core.auth import any_agent, current_visitor, get_db, require
from kefu.core.db import Database
from kefu.core.security import VisitorClaims
from kefu.core.validation import MAX_ID, PathId, QueryId, QueryUtc
from kefu.knowledge import bot, porting, service
from kefu.knowledge.schemas import (
    ArticleIn,
    RatingIn,
    RenderIn,
    SynonymIn,
    TemplateIn,
    article_out,
    template_out,
    version_out,
)

router = APIRouter(prefix="/api/kb", tags=["knowledge"])
EDIT_ROLES = frozenset({"trainer", "admin"})
STATS_ROLES = frozenset({"supervisor", "trainer", "admin"})
editor = require(EDIT_ROLES)
stats_viewer = require(STATS_ROLES)


def _fields(body: ArticleIn) -> dict:
    return body.model_dump(exclude={"owner_id", "note", "expected_version"}, exclude_unset=True)


# ---------------------------------------------------------------- articles
@router.get("/articles")
async def list_articles(intent: str | None = None, category: str | None = None, archived: bool = False,
                        limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_ID),
                        agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.list_articles(s, agent.shop_id, intent=intent, category=category,
                                           include_archived=archived, limit=limit, offset=offset)


@router.post("/articles", status_code=201)
async def create_article(body: ArticleIn, agent: Agent = Depends(editor), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        a = await service.create_article(s, agent.shop_id, agent.id, body.model_dump(), owner_id=body.owner_id,
                                         note=body.note)
        return {"article": article_out(a)}


@router.get("/articles/{article_id}")
async def get_article(article_id: PathId, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"article": article_out(await service.get_article(s, agent.shop_id, article_id))}


@router.put("/articles/{article_id}")
async def update_article(article_id: PathId, body: ArticleIn, agent: Agent = Depends(editor),
                         db: Database = Depends(get_db)):
    async with db.transaction() as s:
        a = await service.update_article(s, agent.shop_id, agent.id, article_id, _fields(body),
                                         owner_id=body.owner_id, note=body.note,
                                         expected_version=body.expected_version)
        return {"article": article_out(a)}


@router.delete("/articles/{article_id}")
async def archive_article(article_id: PathId, agent: Agent = Depends(editor), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"article": article_out(await service.archive_article(s, agent.shop_id, agent.id, article_id))}


@router.get("/articles/{article_id}/versions")
async def versions(article_id: PathId, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"versions": await service.list_versions(s, agent.shop_id, article_id)}


@router.get("/articles/{article_id}/versions/{version}")
async def version(article_id: PathId, version: PathId, agent: Agent = Depends(any_agent),
                  db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"version": version_out(await service.get_version(s, agent.shop_id, article_id, version), full=True)}


@router.post("/articles/{article_id}/versions/{version}/restore")
async def restore(article_id: PathId, version: PathId, agent: Agent = Depends(editor), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"article": article_out(await service.restore_version(s, agent.shop_id, agent.id, article_id,
                                                                     version))}


@router.post("/articles/{article_id}/review")
async def reviewed(article_id: PathId, agent: Agent = Depends(editor), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"article": article_out(await service.mark_reviewed(s, agent.shop_id, article_id))}


@router.get("/review")
async def review_list(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"articles": await service.review_list(s, agent.shop_id)}


# ---------------------------------------------------------------- search
@router.get("/search")
async def search(q: str = Query("", max_length=200), limit: int = Query(10, ge=1, le=50),
                 agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"query": q, "hits": await service.search(s, agent.shop_id, q, limit=limit)}


@router.get("/suggest")
async def suggest(conversation_id: QueryId, limit: int = Query(5, ge=1, le=20), agent: Agent = Depends(any_agent),
                  db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.suggest(s, agent.shop_id, conversation_id, limit=limit)


# ---------------------------------------------------------------- templates
@router.get("/templates")
async def list_templates(scene: str | None = None, q: str | None = Query(None, max_length=32),
                         agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"templates": [template_out(t) for t in await service.list_templates(s, agent.shop_id, scene=scene,
                                                                                      prefix=q)]}


@router.post("/templates", status_code=201)
async def create_template(body: TemplateIn, agent: Agent = Depends(editor), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"template": template_out(await service.save_template(s, agent.shop_id, agent.id,
                                                                     **body.model_dump()))}


@router.put("/templates/{template_id}")
async def update_template(template_id: PathId, body: TemplateIn, agent: Agent = Depends(editor),
                          db: Database = Depends(get_db)):
    async with db.transaction() as s:
        t = await service.save_template(s, agent.shop_id, agent.id, template_id=template_id, **body.model_dump())
        return {"template": template_out(t)}


@router.delete("/templates/{template_id}")
async def delete_template(template_id: PathId, agent: Agent = Depends(editor), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        await service.delete_template(s, agent.shop_id, template_id)
    return {"ok": True}


@router.post("/templates/{template_id}/render")
async def render_template(template_id: PathId, body: RenderIn, agent: Agent = Depends(any_agent),
                          db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.render_template(s, agent, template_id, body.conversation_id)


# ---------------------------------------------------------------- synonyms
@router.get("/synonyms")
async def synonyms(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.list_synonyms(s, agent.shop_id)


@router.post("/synonyms", status_code=201)
async def add_synonyms(body: SynonymIn, agent: Agent = Depends(editor), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        g = await service.add_synonyms(s, agent.shop_id, body.words)
        return {"group": {"id": g.id, "words": g.words}}


@router.delete("/synonyms/{group_id}")
async def delete_synonyms(group_id: PathId, agent: Agent = Depends(editor), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        await service.delete_synonyms(s, agent.shop_id, group_id)
    return {"ok": True}


# ---------------------------------------------------------------- import / export
@router.post("/import")
async def import_file(file: UploadFile = File(...), format: str | None = Form(None), agent: Agent = Depends(editor),
                      db: Database = Depends(get_db)):
    """Multipart upload of a CSV / JSONL / Markdown file; one transaction per 100 rows (see porting.py)."""
    fmt = porting.format_of(file.filename or "", format)
    rows = porting.PARSERS[fmt](porting.text_lines(file.file))
    return {"format": fmt, **await porting.import_rows(db, agent.shop_id, agent.id, rows)}


@router.get("/export")
async def export(format: str = Query("csv"), agent: Agent = Depends(editor), db: Database = Depends(get_db)):
    fmt = porting.format_of("", format)
    media = {"csv": "text/csv", "jsonl": "application/x-ndjson", "md": "text/markdown"}[fmt]
    chunks = await porting.export_articles(db, agent.shop_id, fmt)
    await audit.record_apart(db, agent.shop_id, agent, "export.kb", "kb", {"format": fmt})
    return StreamingResponse(chunks, media_type=f"{media}; charset=utf-8",
                             headers={"content-disposition": f'attachment; filename="kb-export.{fmt}"'})


# ---------------------------------------------------------------- bot
@router.get("/bot/stats")
async def bot_stats(since: QueryUtc | None = None, agent: Agent = Depends(stats_viewer),
                    db: Database = Depends(get_db)):
    """The bot's numbers over everything, or from `since` (ISO 8601, e.g. the supervisor's local midnight)."""
    async with db.transaction() as s:
        return await bot.stats(s, agent.shop_id, since)


@router.post("/bot/answers/{log_id}/rating")
async def rate_answer(log_id: PathId, body: RatingIn, claims: VisitorClaims = Depends(current_visitor),
                      db: Database = Depends(get_db)):
    """A buyer (visitor token) rates one bot answer helpful or not."""
    async with db.transaction() as s:
        log = await bot.rate(s, claims.shop_id, claims.customer_id, log_id, body.helpful)
        return {"log_id": log.id, "helpful": log.helpful}


@router.post("/bot/messages/{message_id}/rating")
async def rate_message(message_id: PathId, body: RatingIn, claims: VisitorClaims = Depends(current_visitor),
                       db: Database = Depends(get_db)):
    """The widget's 有帮助 / 没帮助 on a bot answer, addressed by the message's id."""
    async with db.transaction() as s:
        log = await bot.rate(s, claims.shop_id, claims.customer_id, None, body.helpful, message_id=message_id)
        return {"log_id": log.id, "message_id": log.message_id, "helpful": log.helpful}
