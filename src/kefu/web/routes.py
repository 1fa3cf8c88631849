"""Server-rendered pages. Data comes from the JSON API; pages only bootstrap the JS modules."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from kefu.agents import rules as agent_rules
from kefu.agents import service as agents
from kefu.agents.models import GROUPS, ROLES, Agent
from kefu.agents.routes import set_session_cookie
from kefu.audit import service as audit
from kefu.core.auth import (
    SESSION_COOKIE,
    agent_from_request,
    check_csrf,
    client_ip,
    csrf_token_for,
    ensure_csrf_cookie,
    get_db,
)
from kefu.core.db import Database
from kefu.core.errors import KefuError
from kefu.core.events import last_event_id as events_last_id
from kefu.core.headers import widget_csp
from kefu.notifications.service import config as notify_config
from kefu.shops.models import Shop
from kefu.shops.rules import check_origins, page_template
from kefu.shops.service import get_shop_by_slug
from kefu.web.i18n import LANGS, pick_lang, strings

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def render(request: Request, name: str, status: int = 200, **ctx) -> HTMLResponse:
    lang = pick_lang(request)
    t = strings(lang)
    page_strings = json.dumps(t, ensure_ascii=False)
    base_url = request.app.state.settings.public_url or str(request.base_url)
    lang_urls = {code: "?" + urlencode({**request.query_params, "lang": code}) for code in LANGS}
    response = templates.TemplateResponse(request, name, {
        "t": t, "lang": lang, "langs": LANGS, "lang_urls": lang_urls, "csrf": csrf_token_for(request),
        "strings_json": page_strings, "base_url": base_url.rstrip("/"), **ctx}, status_code=status)
    ensure_csrf_cookie(request, response)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie("kefu_lang", request.query_params["lang"], samesite="lax", max_age=365 * 86400,
                            secure=request.app.state.settings.secure_cookies)
    return response


async def last_event_id(request: Request, shop_id: int) -> int:
    """Where a page's live socket starts: events after this id are replayed, older ones are not."""
    async with get_db(request).transaction() as s:
        return await events_last_id(s, shop_id)


def _int_or_zero(value: str) -> int:
    """A form number; anything unparsable becomes 0, which the agent rules reject with a clear message."""
    try:
        return int(value.strip())
    except ValueError:
        return 0


def to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/agent/login?next={request.url.path}", status_code=303)


async def staff_or_page(request: Request, roles: frozenset[str] | None = None) -> Agent | Response:
    """The agent a staff page is for — or the page to show instead: the login form for nobody, 403 for a role
    not in ``roles``."""
    agent = await agent_from_request(request)
    if agent is None:
        return to_login(request)
    if roles is not None and not agent_rules.may(agent.role, roles):
        return render(request, "forbidden.html", status=403, agent=agent)
    return agent


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, db: Database = Depends(get_db)):
    async with db.transaction() as s:
        shops = list(await s.scalars(select(Shop).order_by(Shop.id.desc()).limit(20)))
    return render(request, "index.html", shops=shops)


@router.get("/shop/{slug}", response_class=HTMLResponse)
async def shop_page(slug: str, request: Request, db: Database = Depends(get_db)):
    """The demo's made-up product page for the demo shop; any other shop gets its own neutral chat page."""
    async with db.transaction() as s:
        shop = await get_shop_by_slug(s, slug)
    return render(request, page_template(shop.slug), shop=shop)


@router.get("/widget/{slug}", response_class=HTMLResponse)
async def widget_frame(slug: str, request: Request, db: Database = Depends(get_db)):
    async with db.transaction() as s:
        shop = await get_shop_by_slug(s, slug)
    response = render(request, "widget.html", shop=shop, mail=notify_config.mail is not None)
    response.headers["Content-Security-Policy"] = widget_csp(list(shop.embed_origins or []))
    return response


@router.get("/agent/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/agent"):
    return render(request, "login.html", next=_safe_next(next), error=None)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/agent"


@router.post("/agent/login")
async def login_submit(request: Request, username: str = Form(""), password: str = Form(""),
                       csrf_token: str = Form(""), next: str = Form("/agent"), db: Database = Depends(get_db)):
    try:
        check_csrf(request, csrf_token)
        _agent, token = await agents.login(db, username, password, request.app.state.settings.session_hours,
                                           client_ip(request))
    except KefuError as exc:
        return render(request, "login.html", status=exc.status, next=_safe_next(next), error=exc,
                      username=username)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, response, token)
    return response


@router.post("/agent/logout")
async def logout_submit(request: Request, csrf_token: str = Form(""), db: Database = Depends(get_db)):
    check_csrf(request, csrf_token)
    agent = await agent_from_request(request)
    if agent is not None:
        async with db.transaction() as s:
            me_ = await agents.get_agent(s, agent.shop_id, agent.id)
            await agents.logout(s, me_, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/agent/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/agent", response_class=HTMLResponse)
async def workspace(request: Request) -> Response:
    agent = await agent_from_request(request)
    if agent is None:
        return to_login(request)
    return render(request, "workspace.html", agent=agent, last_event_id=await last_event_id(request, agent.shop_id))


@router.get("/supervisor", response_class=HTMLResponse)
async def supervisor_view(request: Request) -> Response:
    agent = await staff_or_page(request, agent_rules.SUPERVISE_ROLES)
    if isinstance(agent, Response):
        return agent
    return render(request, "supervisor.html", agent=agent,
                  last_event_id=await last_event_id(request, agent.shop_id))


@router.get("/admin/agents", response_class=HTMLResponse)
async def admin_agents(request: Request, db: Database = Depends(get_db)) -> Response:
    agent = await staff_or_page(request, agent_rules.ADMIN_ROLES)
    if isinstance(agent, Response):
        return agent
    async with db.transaction() as s:
        team = await agents.list_agents(s, agent.shop_id)
    return render(request, "admin_agents.html", agent=agent, team=team, roles=ROLES, groups=GROUPS,
                  error=None, created=request.query_params.get("created"))


@router.post("/admin/agents")
async def admin_agents_create(request: Request, username: str = Form(""), password: str = Form(""),
                              display_name: str = Form(""), role: str = Form("agent"), group: str = Form("售前"),
                              skills: str = Form(""), max_chats: str = Form("5"), csrf_token: str = Form(""),
                              db: Database = Depends(get_db)) -> Response:
    agent = await agent_from_request(request)
    if agent is None:
        return to_login(request)
    try:
        check_csrf(request, csrf_token)
        if not agent_rules.may(agent.role, agent_rules.ADMIN_ROLES):
            return render(request, "forbidden.html", status=403, agent=agent)
        async with db.transaction() as s:
            created = await agents.create_agent(s, agent.shop_id, username=username, password=password,
                                                display_name=display_name, role=role, group=group, skills=skills,
                                                max_chats=_int_or_zero(max_chats))
    except KefuError as exc:
        async with db.transaction() as s:
            team = await agents.list_agents(s, agent.shop_id)
        return render(request, "admin_agents.html", status=exc.status, agent=agent, team=team, roles=ROLES,
                      groups=GROUPS, error=exc, created=None,
                      form={"username": username, "display_name": display_name, "role": role, "group": group,
                            "skills": skills, "max_chats": max_chats})
    return RedirectResponse(f"/admin/agents?created={created.username}", status_code=303)


@router.post("/admin/agents/{agent_id}/unlock")
async def admin_agents_unlock(request: Request, agent_id: int = PathParam(ge=1, le=2**31 - 1),
                              csrf_token: str = Form(""),
                              db: Database = Depends(get_db)) -> Response:
    """A colleague locked out by failed logins may try again at once."""
    agent = await staff_or_page(request, agent_rules.ADMIN_ROLES)
    if isinstance(agent, Response):
        return agent
    check_csrf(request, csrf_token)
    async with db.transaction() as s:
        await agents.unlock(s, agent, agent_id)
    return RedirectResponse("/admin/agents", status_code=303)


@router.get("/admin/shop", response_class=HTMLResponse)
async def admin_shop(request: Request, db: Database = Depends(get_db)) -> Response:
    """The shop's own settings: the sites allowed to embed its buyer widget (and the snippet to paste)."""
    agent = await staff_or_page(request, agent_rules.ADMIN_ROLES)
    if isinstance(agent, Response):
        return agent
    async with db.transaction() as s:
        shop = await s.get(Shop, agent.shop_id)
    return render(request, "admin_shop.html", agent=agent, shop=shop, origins="\n".join(shop.embed_origins or []),
                  saved=request.query_params.get("saved") == "1", error=None)


@router.post("/admin/shop")
async def admin_shop_save(request: Request, origins: str = Form("", max_length=5000), csrf_token: str = Form(""),
                          db: Database = Depends(get_db)) -> Response:
    agent = await staff_or_page(request, agent_rules.ADMIN_ROLES)
    if isinstance(agent, Response):
        return agent
    check_csrf(request, csrf_token)
    try:
        allowed = check_origins(origins)
    except KefuError as exc:
        async with db.transaction() as s:
            shop = await s.get(Shop, agent.shop_id)
        return render(request, "admin_shop.html", status=exc.status, agent=agent, shop=shop, origins=origins,
                      saved=False, error=exc)
    async with db.transaction() as s:
        shop = await s.get(Shop, agent.shop_id, with_for_update=True)
        await audit.record(s, agent.shop_id, agent, "settings.embed_origins", "shop",
                           audit.changes({"origins": list(shop.embed_origins or [])}, {"origins": allowed}))
        shop.embed_origins = allowed
    return RedirectResponse("/admin/shop?saved=1", status_code=303)


@router.get("/admin/sla", response_class=HTMLResponse)
async def admin_sla(request: Request) -> Response:
    """The shop admin's SLA rules: business hours, holidays, targets, ticket types, quick-response team."""
    from kefu.sla.rules import PRIORITIES

    agent = await staff_or_page(request, agent_rules.ADMIN_ROLES)
    if isinstance(agent, Response):
        return agent
    return render(request, "admin_sla.html", agent=agent, nav="admin", priorities=PRIORITIES)


@router.get("/admin/notifications", response_class=HTMLResponse)
async def admin_notifications(request: Request) -> Response:
    """The shop admin's webhooks, breach alert addresses and delivery log (data from /api/admin/notifications)."""
    agent = await staff_or_page(request, agent_rules.ADMIN_ROLES)
    if isinstance(agent, Response):
        return agent
    return render(request, "admin_notifications.html", agent=agent, nav="admin")


@router.get("/tickets/status", response_class=HTMLResponse)
async def ticket_status_page(request: Request) -> Response:
    """Public: a buyer looks up a ticket by its number and the last four digits of their phone."""
    return render(request, "ticket_status.html")


@router.get("/tickets", response_class=HTMLResponse)
async def tickets_page(request: Request) -> Response:
    from kefu.tickets.rules import LABELS, PRIORITIES, TYPES

    agent = await agent_from_request(request)
    if agent is None:
        return to_login(request)
    lang = pick_lang(request)
    statuses = [(k, v[0] if lang == "zh" else v[1]) for k, v in LABELS.items()]
    return render(request, "tickets.html", agent=agent, nav="tickets", kinds=TYPES, priorities=PRIORITIES,
                  statuses=statuses)


# ---------------------------------------------------------------- knowledge base (all read, editors write)
KB_EDIT_ROLES = frozenset({"trainer", "admin"})


async def _kb_page(request: Request, name: str, nav: str, *, readers: bool = False, **ctx) -> Response:
    """A knowledge page for editors; with ``readers`` other agents get it too, without edit controls (the
    API refuses their writes anyway)."""
    agent = await agent_from_request(request)
    if agent is None:
        return to_login(request)
    can_edit = agent.role in KB_EDIT_ROLES
    if not (can_edit or readers):
        return render(request, "forbidden.html", status=403, agent=agent)
    return render(request, name, agent=agent, nav=nav, can_edit=can_edit, **ctx)


@router.get("/kb", response_class=HTMLResponse)
async def kb_articles(request: Request) -> Response:
    from kefu.knowledge.models import INTENTS

    return await _kb_page(request, "kb.html", "kb", readers=True, intents=INTENTS)


@router.get("/kb/templates", response_class=HTMLResponse)
async def kb_templates(request: Request) -> Response:
    from kefu.knowledge.models import SCENES
    from kefu.knowledge.rules import VARIABLES

    return await _kb_page(request, "kb_templates.html", "kb_templates", scenes=SCENES, variables=VARIABLES)
