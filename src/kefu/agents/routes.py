from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from kefu.agents import service
from kefu.agents.models import Agent
from kefu.agents.schemas import AgentIn, AgentPatch, LoginIn, PresenceIn
from kefu.core.auth import SESSION_COOKIE, admin, any_agent, client_ip, current_agent, get_db, supervisor
from kefu.core.db import Database

router = APIRouter(prefix="/api", tags=["agents"])


def set_session_cookie(request: Request, response, token: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        max_age=settings.session_hours * 3600, path="/")


@router.post("/auth/login")
async def login(body: LoginIn, request: Request, db: Database = Depends(get_db)):
    agent, token = await service.login(db, body.username, body.password, request.app.state.settings.session_hours,
                                       client_ip(request))
    async with db.transaction() as s:
        out = await service.agent_out(s, agent)
    response = JSONResponse({"agent": out})
    set_session_cookie(request, response, token)
    return response


@router.post("/auth/logout")
async def logout(request: Request, agent: Agent = Depends(current_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        me_ = await service.get_agent(s, agent.shop_id, agent.id)
        await service.logout(s, me_, request.cookies.get(SESSION_COOKIE))
    response = JSONResponse({"ok": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me")
async def me(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"agent": await service.agent_out(s, agent)}


@router.put("/me/presence")
async def set_presence(body: PresenceIn, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """online / away / offline; "break" starts the protected 10-minute break that ends by itself."""
    from kefu.routing.service import start_break

    async with db.transaction() as s:
        me_ = await service.get_agent(s, agent.shop_id, agent.id)
        if body.presence == "break" and me_.presence != "break":
            me_ = await start_break(s, me_)
        else:
            me_ = await service.set_presence(s, me_, body.presence)
        return {"agent": await service.agent_out(s, me_)}


@router.get("/team")
async def team(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """Colleagues with presence and load, for any agent (transfer targets)."""
    async with db.transaction() as s:
        return {"agents": await service.team(s, agent.shop_id)}


@router.get("/agents")
async def list_agents(agent: Agent = Depends(supervisor), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"agents": await service.list_agents(s, agent.shop_id)}


@router.post("/agents", status_code=201)
async def create_agent(body: AgentIn, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        created = await service.create_agent(s, agent.shop_id, **body.model_dump())
        return {"agent": await service.agent_out(s, created, 0)}


@router.post("/agents/{agent_id}/unlock")
async def unlock_agent(agent_id: int = Path(ge=1, le=2**31 - 1), agent: Agent = Depends(admin),
                       db: Database = Depends(get_db)):
    """The admin lets a colleague locked out by failed logins try again at once."""
    async with db.transaction() as s:
        return {"agent": await service.agent_out(s, await service.unlock(s, agent, agent_id))}


@router.patch("/agents/{agent_id}")
async def update_agent(body: AgentPatch, agent_id: int = Path(ge=1, le=2**31 - 1), agent: Agent = Depends(admin),
                       db: Database = Depends(get_db)):
    """Change a colleague's role, or disable / re-enable the account: their open sockets close at once."""
    async with db.transaction() as s:
        changed = await service.update_agent(s, agent, agent_id, role=body.role, active=body.active)
        return {"agent": await service.agent_out(s, changed)}
