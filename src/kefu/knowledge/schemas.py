"""Request bodies and the JSON shapes of knowledge rows."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kefu.core.clock import iso
from kefu.core.validation import Id, When
from kefu.knowledge.models import Article, ArticleVersion, ReplyTemplate
from kefu.knowledge.rules import plain_text, template_variables


class ArticleIn(BaseModel):
    title: str = Field(max_length=400)
    answer: str = Field(max_length=40000, description="rich text (HTML); sanitized by an allow-list on save")
    variants: list[str] = Field(default_factory=list, max_length=30, description="similar questions")
    category: str = Field(default="", max_length=64)
    intent: str = Field(default="other", description="one of the 15 intent labels")
    tags: list[str] = Field(default_factory=list, max_length=20)
    products: list[str] = Field(default_factory=list, max_length=50)
    valid_from: When | None = None
    valid_to: When | None = None
    owner_id: Id | None = None
    note: str = Field(default="", max_length=200, description="what changed (kept with the version)")
    expected_version: Id | None = Field(default=None, description="edit only if the article is still at this version")


class TemplateIn(BaseModel):
    scene: str = Field(default="other")
    title: str = Field(max_length=120)
    shortcut: str = Field(max_length=32, description='typed after "/" in the reply box')
    body: str = Field(max_length=4000, description="plain text with {买家称呼} {订单号} {客服名} … variables")


class RenderIn(BaseModel):
    conversation_id: Id | None = None


class SynonymIn(BaseModel):
    words: list[str] = Field(min_length=2, max_length=20, description="the first word is the canonical one")


class RatingIn(BaseModel):
    helpful: bool


def article_out(a: Article, *, full: bool = True) -> dict:
    out = {"id": a.id, "title": a.title, "variants": list(a.variants or []), "category": a.category,
           "intent": a.intent, "tags": list(a.tags or []), "products": list(a.products or []),
           "valid_from": iso(a.valid_from), "valid_to": iso(a.valid_to), "owner_id": a.owner_id,
           "last_reviewed_at": iso(a.last_reviewed_at), "version": a.version, "active": a.active,
           "created_at": iso(a.created_at), "updated_at": iso(a.updated_at), "updated_by": a.updated_by,
           "has_embedding": bool(a.embedding)}
    if full:
        out["answer"] = a.answer
        out["answer_text"] = plain_text(a.answer)
    return out


def snapshot(a: Article) -> dict:
    """What a version keeps: every editable field as it was saved."""
    return {"title": a.title, "variants": list(a.variants or []), "answer": a.answer, "category": a.category,
            "intent": a.intent, "tags": list(a.tags or []), "products": list(a.products or []),
            "valid_from": iso(a.valid_from), "valid_to": iso(a.valid_to), "owner_id": a.owner_id,
            "active": a.active}


def version_out(v: ArticleVersion, *, full: bool = False) -> dict:
    out = {"version": v.version, "note": v.note, "saved_by": v.saved_by, "saved_at": iso(v.saved_at),
           "title": v.data.get("title")}
    if full:
        out["data"] = v.data
    return out


def template_out(t: ReplyTemplate) -> dict:
    return {"id": t.id, "scene": t.scene, "title": t.title, "shortcut": t.shortcut, "body": t.body,
            "variables": template_variables(t.body), "active": t.active, "updated_at": iso(t.updated_at)}
