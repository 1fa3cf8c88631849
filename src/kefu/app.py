"""The FastAPI application: wiring only. Domain logic lives in the domain packages."""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from kefu.agents.service import arm_silence_checks, configure_silence
from kefu.audit.service import AuditContext
from kefu.core import logs, outage
from kefu.core.config import Settings, get_settings
from kefu.core.db import Database
from kefu.core.errors import KefuError
from kefu.core.events import EventBus, bus
from kefu.core.headers import SecurityHeaders
from kefu.core.limits import BodyGuard, buyer_messages
from kefu.core.pgstats import StatisticsKeeper
from kefu.core.scheduler import Scheduler
from kefu.core.security import VisitorTokens
from kefu.nlu import service as nlu
from kefu.routing.handlers import Router

log = logging.getLogger("kefu")
STATIC_DIR = Path(__file__).parent / "web" / "static"


def make_bus(settings: Settings) -> EventBus:
    if settings.redis_url:
        from kefu.core.redisbus import RedisBus, channel_for, namespace_for

        namespace = settings.namespace or namespace_for(settings.resolved_database_url())
        return RedisBus(settings.redis_url, channel_for(namespace))
    return EventBus()


def tune_gc() -> None:
    """Keep the garbage collector's full passes off the chat's tail latency. Everything loaded at start
    (models, indexes, mappers) is frozen out of collection, and full passes over the long-lived heap (every
    open socket's state) run after 1,000 young-generation passes instead of 10: with 2,000 sockets open a full
    pass took 150-250 ms every few seconds and set delivery p99 (see docs/performance.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(1000, 15, 1000)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db = Database(settings.resolved_database_url(), sqlite_synchronous=settings.sqlite_synchronous,
                      concurrency=settings.db_concurrency)
        if settings.auto_migrate:
            await db.migrate()
        await asyncio.to_thread(nlu.load)  # the first buyer message should not pay for model loading
        nlu.start_pool(settings.nlu_workers)  # buyer lines understood on another core
        event_bus = make_bus(settings)
        await event_bus.start(db)
        previous_bus = bus.target
        bus.install(event_bus)
        app.state.db = db
        from kefu.notifications import jobs as notify_jobs

        notify_jobs.start(db, settings)  # webhook and mail sends run after their timers' commits
        configure_silence(settings.agent_silent_seconds, settings.requeue_grace_seconds)
        scheduler = Scheduler(db, settings.scheduler_interval)
        if settings.scheduler_interval > 0:
            async with db.transaction() as s:
                await arm_silence_checks(s)
            await scheduler.start()
        router = Router(db, settings.routing_sweep_seconds)
        if settings.routing_auto:
            await router.start()
        app.state.router = router
        statistics = StatisticsKeeper(db.engine)
        await statistics.start()
        if settings.gc_tune:
            tune_gc()
        try:
            yield
        finally:
            await statistics.stop()
            nlu.stop_pool()
            await router.stop()
            await scheduler.stop()
            await notify_jobs.stop()
            await event_bus.stop()
            bus.install(previous_bus)  # a second app in one process (tests, tools) hands the bus back
            await db.dispose()

    app = FastAPI(title="kefu 客服", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.visitor_tokens = VisitorTokens(settings.resolved_secret_key(), settings.visitor_token_days)
    install_error_handlers(app)
    outage.install(app)
    logs.install()
    buyer_messages.configure(settings.buyer_message_burst, settings.buyer_messages_per_second)
    app.add_middleware(BodyGuard)  # bodies capped before anything parses them (kefu.core.limits)
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)  # CSP, framing, nosniff (kefu.core.headers)
    app.add_middleware(AuditContext)  # the caller's address for audit entries (kefu.audit.service)

    from kefu.aftersales import jobs as _case_timers  # noqa: F401  (registers timer handlers)
    from kefu.aftersales.routes import router as aftersales_router
    from kefu.agents import jobs as _agent_timers  # noqa: F401  (registers timer handlers)
    from kefu.agents.routes import router as agents_router
    from kefu.analytics.routes import page_router as review_page_router
    from kefu.analytics.routes import router as analytics_router
    from kefu.attachments import jobs as _attachment_timers  # noqa: F401  (registers timer handlers)
    from kefu.attachments.routes import router as attachments_router
    from kefu.attachments.service import configure as configure_attachments
    from kefu.audit.routes import router as audit_router
    from kefu.compensation.routes import router as compensation_router
    from kefu.complaints import jobs as _followup_timers  # noqa: F401  (registers timer handlers)
    from kefu.complaints.routes import router as complaints_router
    from kefu.conversations.handlers import router as ws_router
    from kefu.conversations.routes import router as conversations_router
    from kefu.customers.routes import router as widget_router
    from kefu.handoffs import jobs as _handoff_timers  # noqa: F401  (registers timer handlers)
    from kefu.handoffs.routes import router as handoffs_router
    from kefu.knowledge.routes import router as knowledge_router
    from kefu.ledger import handlers as _ledger_hooks  # noqa: F401  (follows ticket replies)
    from kefu.ledger import jobs as _ledger_timers  # noqa: F401  (registers timer handlers)
    from kefu.ledger.routes import page_router as ledger_page_router
    from kefu.ledger.routes import router as ledger_router
    from kefu.notifications import jobs as _notify_timers  # noqa: F401  (registers timer handlers)
    from kefu.notifications.handlers import router as bell_socket_router  # and the ticket hook
    from kefu.notifications.routes import admin_router as notify_admin_router
    from kefu.notifications.routes import router as notify_router
    from kefu.orders import jobs as _order_timers  # noqa: F401  (registers timer handlers)
    from kefu.orders.routes import router as orders_router
    from kefu.privacy import jobs as _privacy_timers  # noqa: F401  (registers timer handlers)
    from kefu.privacy.routes import router as privacy_router
    from kefu.quickreplies.routes import router as quick_replies_router
    from kefu.routing import jobs as _routing_timers  # noqa: F401
    from kefu.routing.routes import router as routing_router
    from kefu.selfservice.routes import public_router as public_tickets_router
    from kefu.selfservice.routes import widget_router as widget_tickets_router
    from kefu.sla import jobs as _sla_timers  # noqa: F401  (registers timer handlers)
    from kefu.sla.routes import router as sla_router
    from kefu.tickets.routes import router as tickets_router
    from kefu.web.routes import router as web_router

    configure_attachments(settings.data_dir)
    for router in (agents_router, conversations_router, widget_router, ws_router, routing_router, handoffs_router,
                   knowledge_router, quick_replies_router, attachments_router, tickets_router, sla_router,
                   widget_tickets_router, public_tickets_router, ledger_router, ledger_page_router,
                   analytics_router, review_page_router, notify_router, notify_admin_router, bell_socket_router,
                   orders_router, aftersales_router, compensation_router, complaints_router, audit_router,
                   privacy_router, web_router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz():
        return {"ok": True}

    return app


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KefuError)
    async def kefu_error(request: Request, exc: KefuError):
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        fields = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "problem": e.get("msg")}
                  for e in exc.errors()]
        names = "、".join(f["field"] for f in fields if f["field"]) or "请求体"
        err = KefuError(f"请求格式不正确：{names}", "Request is malformed: " + "; ".join(
            f"{f['field']}: {f['problem']}" for f in fields), code="invalid_request", status=422,
            extra={"fields": fields})
        return JSONResponse(err.to_dict(), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        zh = {404: "页面不存在", 405: "不支持该请求方法"}.get(exc.status_code, "请求失败")
        err = KefuError(zh, str(exc.detail), code=f"http_{exc.status_code}", status=exc.status_code)
        return JSONResponse(err.to_dict(), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):  # pragma: no cover - last resort
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        err = KefuError("服务器内部错误，已记录，请稍后重试", "Internal error; it has been logged", code="internal",
                        status=500)
        return JSONResponse(err.to_dict(), status_code=500)
