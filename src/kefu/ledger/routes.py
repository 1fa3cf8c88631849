"""The error ledger over REST: open an entry from a ticket, list, change, record an update, resolve; the
weekly root-cause report as JSON, CSV and a page (supervisors and admins)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from kefu.agents import rules as agent_rules
from kefu.agents.models import Agent
from kefu.audit import service as audit
from kefu.core.auth import any_agent, get_db, supervisor
from kefu.core.db import Database
from kefu.core.errors import KefuError
from kefu.ledger import service
from kefu.ledger.schemas import EntryIn, EntryPatch, UpdateIn, line_name, report_csv
from kefu.web.routes import render, staff_or_page

router = APIRouter(prefix="/api/ledger", tags=["ledger"])
page_router = APIRouter(include_in_schema=False)
ENTRY_ID = Path(ge=1, le=2**31 - 1)


async def _one(s, e) -> dict:
    return {"entry": (await service.outs(s, [e], history=True))[0]}


@router.post("", status_code=201)
async def open_entry(body: EntryIn, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _one(s, await service.open_entry(s, agent, body))


@router.get("")
async def list_entries(view: str = Query("open", max_length=16), ticket: str | None = Query(None, max_length=32),
                       agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """open (overdue first), overdue, or all; ``ticket`` (a number) narrows to one ticket's entries."""
    async with db.transaction() as s:
        entries = await service.list_for(s, agent, view, ticket)
        return {"entries": await service.outs(s, entries, history=ticket is not None)}


@router.get("/report")
async def report(week: str | None = Query(None, max_length=16), agent: Agent = Depends(supervisor),
                 db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.weekly_report(s, agent.shop_id, week)


@router.get("/report.csv")
async def report_download(week: str | None = Query(None, max_length=16),
                          lang: str = Query("zh", pattern="^(zh|en)$"), agent: Agent = Depends(supervisor),
                          db: Database = Depends(get_db)):
    """The same report for Excel (UTF-8 with a BOM), headings in ``lang``."""
    async with db.transaction() as s:
        r = await service.weekly_report(s, agent.shop_id, week)
        await audit.record(s, agent.shop_id, agent, "export.ledger", f"week:{r['week']}", {"lang": lang})
    return Response(report_csv(r["week"], r, lang), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="ledger-{r["week"]}.csv"'})


@router.get("/{entry_id}")
async def read_entry(entry_id: int = ENTRY_ID, agent: Agent = Depends(any_agent),
                     db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _one(s, await service.get(s, agent.shop_id, entry_id))


@router.patch("/{entry_id}")
async def change_entry(body: EntryPatch, entry_id: int = ENTRY_ID, agent: Agent = Depends(any_agent),
                       db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _one(s, await service.change(s, agent, await service.get(s, agent.shop_id, entry_id), body))


@router.post("/{entry_id}/updates", status_code=201)
async def add_update(body: UpdateIn, entry_id: int = ENTRY_ID, agent: Agent = Depends(any_agent),
                     db: Database = Depends(get_db)):
    """A progress update given by hand (a phone call, a text message …): counts like a reply on the ticket."""
    async with db.transaction() as s:
        e = await service.get(s, agent.shop_id, entry_id)
        return await _one(s, await service.manual_update(s, agent, e, body.via, body.text))


@router.post("/{entry_id}/resolve")
async def resolve_entry(entry_id: int = ENTRY_ID, agent: Agent = Depends(any_agent),
                        db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _one(s, await service.resolve(s, agent, await service.get(s, agent.shop_id, entry_id)))


@page_router.get("/ledger/report", response_class=HTMLResponse)
async def report_page(request: Request, week: str | None = Query(None, max_length=16),
                      db: Database = Depends(get_db)) -> Response:
    """The weekly root-cause report, rendered on the server (supervisors and admins)."""
    agent = await staff_or_page(request, agent_rules.SUPERVISE_ROLES)
    if isinstance(agent, Response):
        return agent
    try:
        async with db.transaction() as s:
            r = await service.weekly_report(s, agent.shop_id, week)
    except KefuError as exc:
        return render(request, "ledger_report.html", status=exc.status, agent=agent, nav="supervisor", error=exc,
                      report=None)
    return render(request, "ledger_report.html", agent=agent, nav="supervisor", error=None, report=r,
                  line_name=line_name)
