"""Bodies are capped at the transport, before anything parses them, and text comes in as valid UTF-8.

``BodyGuard`` is an ASGI middleware: a request whose Content-Length is over its route's cap is answered 413 at
once, unread; a body that turns out longer than announced (or is chunked) is cut off the moment it passes the
cap. Most routes take small JSON (``DEFAULT_LIMIT``); uploads and imports have their own caps (``LIMITS``).

JSON may carry a lone UTF-16 surrogate (``"\\ud800"``): Python decodes it into a string that no database can
store (SQLite answered 500). JSON bodies with such an escape are decoded, every lone surrogate replaced by
U+FFFD (�), and re-encoded before the route sees them; socket frames get the same (``valid_text`` /
``clean_json``). Text a buyer typed is never dropped for it."""

from __future__ import annotations

import json
import re
from typing import Any

from kefu.core.errors import KefuError

KIB, MIB = 1024, 1024 * 1024
DEFAULT_LIMIT = 256 * KIB  # JSON and forms: a knowledge article's 40,000 characters fit with room
LIMITS: tuple[tuple[str, int | None], ...] = (  # path prefix -> cap (the first that matches)
    # image uploads cap themselves the same way, with their own words (kefu.attachments: "at most 10 MB")
    ("/api/attachments", None),
    ("/api/widget/attachments", None),
    ("/api/kb/import", 20 * MIB),
    ("/api/admin/orders/import", 2 * MIB + 64 * KIB),
)
_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)")
_LONE = re.compile("[\ud800-\udfff\x00]")


class BodyTooLarge(KefuError):
    status = 413
    code = "body_too_large"

    def __init__(self, limit: int) -> None:
        size = f"{limit // MIB} MB" if limit >= MIB else f"{limit // KIB} KB"
        super().__init__(f"请求内容过大（上限 {size}）", f"Request body too large (at most {size})",
                         extra={"limit": limit})


def limit_for(path: str) -> int | None:
    return next((cap for prefix, cap in LIMITS if path.startswith(prefix)), DEFAULT_LIMIT)


def valid_text(text: str) -> str:
    """``text`` as valid, storable Unicode: a lone surrogate becomes U+FFFD, a NUL (which PostgreSQL cannot
    store in text) is dropped."""
    if not _LONE.search(text):
        return text
    return _LONE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, dict):
        return {valid_text(k): clean_json(v) for k, v in value.items()}
    return value


def _clean_body(body: bytes) -> bytes:
    if not _ESCAPE.search(body):
        return body
    try:
        data = json.loads(body)
    except ValueError:
        return body  # not JSON after all: the route answers its own 422
    cleaned = clean_json(data)
    return body if cleaned == data else json.dumps(cleaned, ensure_ascii=False).encode()


async def _reply(send, err: KefuError) -> None:
    payload = json.dumps(err.to_dict(), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": err.status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})


class BodyGuard:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope.get("query_string", b"").lower()):
            await _reply(send, KefuError("请求地址中含有空字符", "The address contains a NUL character",
                                         code="nul_in_url", status=422))  # PostgreSQL stores no NUL in text
            return
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        if limit is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _reply(send, BodyTooLarge(limit) if length.isdigit() else
                         KefuError("请求头 Content-Length 无效", "Bad Content-Length header", code="bad_length"))
            return
        kind = headers.get(b"content-type", b"").split(b";")[0].strip()
        if kind in (b"application/json", b"application/x-www-form-urlencoded"):
            body, more = b"", True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    await self.app(scope, _replay([message]), send)  # the client left: let the app see it
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > limit:
                    await _reply(send, BodyTooLarge(limit))
                    return
            if kind != b"application/json":
                if b"%00" in body.lower():  # a form field with a NUL, which PostgreSQL cannot store
                    await _reply(send, KefuError("表单中含有空字符", "The form contains a NUL character",
                                                 code="nul_in_form", status=422))
                    return
            else:
                body = _clean_body(body)
            await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive),
                           send)
            return
        seen, over = 0, False

        async def counted():
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge(limit)
            return message

        async def answer(message):
            # The form parser turns any error while reading into its own 400: say what really happened.
            if not over:
                await send(message)
            elif message["type"] == "http.response.start":
                await _reply(send, BodyTooLarge(limit))

        await self.app(scope, counted, answer)


def _replay(messages: list[dict], then=None):
    queue = list(messages)

    async def receive():
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()  # after the body: a disconnect, when the client leaves
        return {"type": "http.disconnect"}

    return receive


class TooFast(KefuError):
    status = 429
    code = "too_fast"

    def __init__(self, wait: float) -> None:
        seconds = max(1, int(wait + 0.999))
        super().__init__(f"发送太快了，请 {seconds} 秒后再发", f"Sending too fast: try again in {seconds} s",
                         extra={"retry_after": seconds})


class Throttle:
    """A token bucket per key (a buyer, an agent): ``burst`` messages at once, then ``per_second`` more each
    second. It lives in this process — two processes each allow the rate — and is asked before any transaction,
    so a refused message costs nothing and a batch that runs a message twice does not count it twice. Time from
    kefu.core.clock, so tests advance it."""

    def __init__(self, burst: int, per_second: float, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._buckets: dict[object, tuple[float, float]] = {}  # key -> (tokens, at)
        self.configure(burst, per_second)

    def configure(self, burst: int, per_second: float) -> None:
        """``per_second`` 0: no limit."""
        self.burst, self.rate = float(burst), per_second
        self._buckets.clear()

    def take(self, key: object) -> None:
        from kefu.core.clock import now

        if self.rate <= 0:
            return
        at = now().timestamp()
        tokens, last = self._buckets.pop(key, (self.burst, at))
        tokens = min(self.burst, tokens + max(0.0, at - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, at)
            raise TooFast((1 - tokens) / self.rate)
        if len(self._buckets) >= self.max_keys:  # the oldest key goes (dicts keep insertion order)
            self._buckets.pop(next(iter(self._buckets)))
        self._buckets[key] = (tokens - 1, at)


# Messages (and 转人工 presses) a buyer may send, socket and HTTP together: far above anyone typing, far below a
# script (one buyer socket stored 1,000 in 9 s). KEFU_BUYER_MESSAGE_BURST / KEFU_BUYER_MESSAGES_PER_SECOND.
buyer_messages = Throttle(burst=20, per_second=2.0)
