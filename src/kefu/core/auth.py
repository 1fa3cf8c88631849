"""Request authentication: agent session cookies with CSRF, buyer visitor tokens, role checks."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from starlette.responses import Response

from kefu.agents import rules as agent_rules
from kefu.agents.models import Agent
from kefu.core.db import Database
from kefu.core.errors import Forbidden, Unauthorized
from kefu.core.security import VisitorClaims, VisitorTokens, new_token, tokens_match

SESSION_COOKIE = "kefu_session"
CSRF_COOKIE = "kefu_csrf"
CSRF_HEADER = "x-csrf-token"
VISITOR_HEADER = "x-visitor-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_ip(request: Request) -> str | None:
    """The caller's address as the server sees it (behind a proxy: the proxy's, unless uvicorn is told to
    trust its X-Forwarded-For with --forwarded-allow-ips)."""
    return request.client.host if request.client else None


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_tokens(request: Request) -> VisitorTokens:
    return request.app.state.visitor_tokens


def csrf_token_for(request: Request) -> str:
    """The double-submit token: reuse the browser's cookie or mint one (set by ensure_csrf_cookie)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) >= 32:
        return existing
    token = getattr(request.state, "new_csrf", None) or new_token()
    request.state.new_csrf = token
    return token


def ensure_csrf_cookie(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_csrf", None)
    if token:
        response.set_cookie(CSRF_COOKIE, token, httponly=False, samesite="strict",
                            secure=request.app.state.settings.secure_cookies, path="/")


def check_csrf(request: Request, form_value: str | None = None) -> None:
    sent = form_value if form_value is not None else request.headers.get(CSRF_HEADER)
    if not tokens_match(request.cookies.get(CSRF_COOKIE), sent):
        raise Forbidden("页面已过期或请求来源不可信，请刷新页面后重试",
                        "CSRF check failed: reload the page and try again", code="csrf_failed")


async def agent_from_request(request: Request) -> Agent | None:
    from kefu.agents.service import agent_for_token, seen

    cached = getattr(request.state, "agent", None)
    if cached is not None:
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with get_db(request).transaction() as session:
        agent = await agent_for_token(session, token)
        if agent is not None:
            await seen(session, agent)  # an API call or page is a sign of life (a write at most once a minute)
    request.state.agent = agent
    return agent


async def current_agent(request: Request) -> Agent:
    agent = await agent_from_request(request)
    if agent is None:
        raise Unauthorized()
    if request.method not in SAFE_METHODS:
        check_csrf(request)
    return agent


def require(allowed: frozenset[str]) -> Callable:
    async def dependency(agent: Agent = Depends(current_agent)) -> Agent:
        if not agent_rules.may(agent.role, allowed):
            raise Forbidden("您的角色无权执行此操作", "Your role may not do this", code="role_forbidden")
        return agent

    return dependency


any_agent = require(agent_rules.CHAT_ROLES)
supervisor = require(agent_rules.SUPERVISE_ROLES)
admin = require(agent_rules.ADMIN_ROLES)


def visitor_token_of(request: Request) -> str | None:
    token = request.headers.get(VISITOR_HEADER)
    auth = request.headers.get("authorization", "")
    if not token and auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    return token


async def current_visitor(request: Request) -> VisitorClaims:
    return get_tokens(request).read(visitor_token_of(request))
