"""Upload an image (buyer widget or agent workspace) and read it back, for those allowed only.

An upload is ``multipart/form-data`` with one field ``file``. Its body is capped before it is parsed: a
Content-Length over the limit is refused unread, and a body without one (chunked) is counted while it streams
and refused the moment it passes the limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from kefu.agents.models import Agent
from kefu.attachments import rules, service
from kefu.attachments.models import Attachment
from kefu.core.auth import agent_from_request, any_agent, current_visitor, get_db, get_tokens, visitor_token_of
from kefu.core.db import Database
from kefu.core.errors import BadInput, Forbidden, NotFound
from kefu.core.security import VisitorClaims
from kefu.customers.service import customer_for_claims

router = APIRouter(tags=["attachments"])


async def _capped(stream: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit:
            raise rules.TooLarge()
        yield chunk


async def read_upload(request: Request) -> bytes:
    """The uploaded file's bytes, from a body never read past the limit."""
    rules.check_content_length(request.headers.get("content-length"))
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadInput("请以 multipart/form-data 上传图片（字段名 file）",
                       "Upload the image as multipart/form-data in the field 'file'", code="upload_not_multipart",
                       status=415)
    parser = MultiPartParser(request.headers, _capped(request.stream(), rules.MAX_BODY_BYTES), max_files=1,
                             max_fields=4)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadInput("上传内容格式不正确", f"Malformed upload: {exc.message}", code="upload_malformed") from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadInput("请选择要发送的图片", "No image: send it in the multipart field 'file'",
                           code="image_missing")
        return await upload.read(rules.MAX_BYTES + 1)
    finally:
        await form.close()


def _root(request: Request):
    return service.files_root(request.app.state.settings.data_dir)


async def _out(att: Attachment) -> dict:
    return {"attachment": rules.public(service.meta(att))}


@router.post("/api/widget/attachments", status_code=201)
async def buyer_upload(request: Request, claims: VisitorClaims = Depends(current_visitor),
                       db: Database = Depends(get_db)):
    """A buyer's image; send it with a message's ``attachment_id`` (WebSocket or POST /api/widget/messages)."""
    async with db.transaction() as s:
        customer = await customer_for_claims(s, claims)
        await service.check_buyer_rate(s, customer)
    data = await read_upload(request)
    async with db.transaction() as s:
        att = await service.store_image(s, _root(request), claims.shop_id, data, customer=customer)
        return await _out(att)


@router.post("/api/attachments", status_code=201)
async def agent_upload(request: Request, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """An agent's image; send it with a message's ``attachment_id``."""
    data = await read_upload(request)
    async with db.transaction() as s:
        att = await service.store_image(s, _root(request), agent.shop_id, data, agent=agent)
        return await _out(att)


async def _readable(request: Request, key: str) -> Attachment:
    """The conversation's buyer (the widget sends its visitor token) or the shop's agents (session cookie).
    A token, when sent, decides: an agent of another shop trying their own widget still sees their photos."""
    token = visitor_token_of(request)
    agent = None if token else await agent_from_request(request)
    async with get_db(request).transaction() as s:
        if token:
            customer = await customer_for_claims(s, get_tokens(request).read(token))
            return await service.readable_by_buyer(s, customer, key)
        if agent is None:
            raise Forbidden("请先登录或打开客服窗口", "Log in (agents) or open the chat (buyers)",
                            code="attachment_forbidden")
        return await service.readable_by_agent(s, agent, key)


def _file(request: Request, att: Attachment, thumb: bool) -> FileResponse:
    path = service.path_of(_root(request), att, thumb=thumb)
    if not path.is_file():
        raise NotFound(*service.NOT_FOUND, code="attachment_not_found")
    return FileResponse(path, media_type=rules.THUMB_MIME if thumb else att.mime,
                        headers={"Cache-Control": "private, max-age=31536000, immutable",
                                 "X-Content-Type-Options": "nosniff",
                                 "Content-Security-Policy": "default-src 'none'; sandbox"})


@router.get("/api/attachments/{key}")
async def full_image(key: str, request: Request):
    return _file(request, await _readable(request, key), thumb=False)


@router.get("/api/attachments/{key}/thumb")
async def thumbnail(key: str, request: Request):
    return _file(request, await _readable(request, key), thumb=True)
