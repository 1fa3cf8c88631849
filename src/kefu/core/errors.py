"""Domain errors carry an HTTP status, a stable code and a Chinese + English message."""

from __future__ import annotations

from typing import Any


class KefuError(Exception):
    status = 400
    code = "bad_request"
    zh = "请求无效"
    en = "Bad request"

    def __init__(self, zh: str | None = None, en: str | None = None, *, code: str | None = None,
                 status: int | None = None, extra: dict[str, Any] | None = None) -> None:
        self.zh = zh or self.zh
        self.en = en or self.en
        self.code = code or self.code
        self.status = status or self.status
        self.extra = extra or {}
        super().__init__(f"{self.code}: {self.en}")

    def to_dict(self) -> dict[str, Any]:
        body = {"code": self.code, "zh": self.zh, "en": self.en, **self.extra}
        return {"error": body, "detail": f"{self.zh} / {self.en}"}


class BadInput(KefuError):
    status = 422
    code = "invalid_input"
    zh = "输入内容无效"
    en = "Invalid input"


class Unauthorized(KefuError):
    status = 401
    code = "not_logged_in"
    zh = "请先登录"
    en = "Please log in"


class Forbidden(KefuError):
    status = 403
    code = "forbidden"
    zh = "没有权限执行此操作"
    en = "You are not allowed to do this"


class NotFound(KefuError):
    status = 404
    code = "not_found"
    zh = "找不到该记录"
    en = "Not found"


class Conflict(KefuError):
    status = 409
    code = "conflict"
    zh = "状态冲突，请刷新后重试"
    en = "Conflict: refresh and try again"
