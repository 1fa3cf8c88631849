"""`kefu bench sla`: the SLA timers of 100,000 open tickets through a simulated day.

A shop gets ``tickets`` open tickets and their warning and breach timer rows (bench/sla_world.py: written in
bulk, in the shape the tickets service writes them); then kefu's scheduler runs over ``hours`` of simulated
time on kefu's frozen clock as a server's background loop runs it — kefu.core.scheduler.Scheduler's own pass
(``sweep``) and its own pause before the next — with the real timer handlers and every ticket hook a server
registers. Between passes the simulated clock moves by the pass's wall time plus that pause, so a slow pass or a
backlog shows as lateness. A timer counts as run at the end of its pass: lateness = that instant − its due time.

Baseline, same run, same database: the same day with ``baseline`` (1,000) open tickets in a shop of its own,
run first (its timers cancelled before the big shop is built). A pass's cost must follow the timers due, not
the open tickets: compare the idle passes (nothing due) and the cost per timer run.

Database: SQLite in a temporary directory (removed afterwards unless ``keep``), or PostgreSQL from
KEFU_DATABASE_URL — a dedicated database: its rows stay, and pending timers of earlier bench shops
(``bench-sla-…``) are cancelled first so they do not fall due in this run.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import math
import os
import shutil
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from bench import sla_world
from bench.sla_world import SPAN_START
from kefu.sla.service import BREACH_TIMER, WARN_TIMER

RESULTS = Path(__file__).parent / "results"
KEYS = ("tickets", "sweep_ms_p50", "sweep_ms_p99", "warn_late_s_p99", "breach_late_s_p99", "due_per_sweep_max")
TARGET_WARN_LATE_S = 60.0


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def _r(value: float | None, scale: float = 1.0, digits: int = 3) -> float | None:
    return None if value is None else round(value * scale, digits)


def zone():
    from kefu.sla.rules import DEFAULT_POLICY

    return DEFAULT_POLICY.calendar.zone


async def _simulate(db, start: datetime, hours: float, interval: float, progress) -> list[tuple]:
    """The scheduler's loop on the frozen clock from ``start`` for ``hours``, then on until no backlog is left.
    Returns every pass as (simulated start, wall seconds, CPU seconds of this process, timers run)."""
    from kefu.core.clock import clock
    from kefu.core.scheduler import Scheduler

    scheduler = Scheduler(db, interval)
    end = start + timedelta(hours=hours)
    sweeps: list[tuple] = []
    at, next_report = clock.freeze(start), start + timedelta(hours=1)
    while True:
        t0, c0 = time.perf_counter(), time.process_time()
        ran = await scheduler.sweep()
        wall = time.perf_counter() - t0
        sweeps.append((at, wall, time.process_time() - c0, ran))
        if at >= next_report:
            progress(at, sweeps)
            next_report += timedelta(hours=1)
        if at >= end and not scheduler.backlog(ran):
            return sweeps
        at = clock.advance(seconds=max(wall, 1e-6) + scheduler.pause(ran))


async def _outcomes(db, shop_id: int, start: datetime) -> dict:
    """What the span did to the shop's timers — each run timer's (kind, key, due, pass), those still pending —
    and the warnings and breaches the tickets' history and the event log recorded."""
    from sqlalchemy import func, select

    from kefu.core.clock import as_utc
    from kefu.core.events import Event
    from kefu.core.scheduler import Timer
    from kefu.tickets.models import TicketChange

    async with db.transaction() as s:
        rows = (await s.execute(select(Timer.kind, Timer.key, Timer.due_at, Timer.done_at, Timer.outcome)
                                .where(Timer.shop_id == shop_id, Timer.due_at >= start))).all()
        audit = (await s.execute(select(TicketChange.ticket_id, TicketChange.field, TicketChange.after, func.count())
                                 .where(TicketChange.shop_id == shop_id,
                                        TicketChange.field.in_(("sla_warning", "sla_breached")))
                                 .group_by(TicketChange.ticket_id, TicketChange.field, TicketChange.after))).all()
        events = dict((await s.execute(select(Event.type, func.count()).where(
            Event.shop_id == shop_id, Event.type.in_(("ticket.sla_warning", "ticket.sla_breached")))
            .group_by(Event.type))).all())
    run = [(kind, key, as_utc(due), as_utc(done)) for kind, key, due, done, outcome in rows
           if done is not None and as_utc(done) >= start and outcome != "cancelled"]
    return {"run": run, "pending": [as_utc(due) for _k, _key, due, done, _o in rows if done is None],
            "failed": sum(1 for *_x, outcome in rows if outcome and outcome.startswith("failed")),
            "audit": {(t, f, a): c for t, f, a, c in audit}, "events": events}


def _measure(sweeps: list, out: dict, interval: float) -> dict:
    starts = [s[0] for s in sweeps]
    index = {at: i for i, at in enumerate(starts)}
    walls = [s[1] for s in sweeps]
    late: dict[str, list[float]] = {WARN_TIMER: [], BREACH_TIMER: []}
    due_diff = [0] * (len(sweeps) + 1)  # timers due and not yet run at each pass's start
    for kind, _key, due, done in out["run"]:
        i = index[done]
        late.setdefault(kind, []).append((done - due).total_seconds() + walls[i])
        due_diff[bisect.bisect_left(starts, due)] += 1
        due_diff[i + 1] -= 1
    due_per_sweep, running = [], 0
    for d in due_diff[:-1]:
        running += d
        due_per_sweep.append(running)
    busy = [s for s in sweeps if s[3]]
    ran = max(1, sum(s[3] for s in busy))
    idle = [s[1] for s, due in zip(sweeps, due_per_sweep, strict=True) if due == 0]
    return {"sweeps": len(sweeps), "sweep_ms_p50": _r(_pct(walls, 0.5), 1000),
            "sweep_ms_p99": _r(_pct(walls, 0.99), 1000), "sweep_ms_max": _r(max(walls), 1000),
            "idle_sweep_ms_p50": _r(_pct(idle, 0.5), 1000), "ms_per_timer": _r(sum(s[1] for s in busy) / ran, 1000),
            "cpu_ms_per_timer": _r(sum(s[2] for s in busy) / ran, 1000),
            "warn_late_s_p99": _r(_pct(late[WARN_TIMER], 0.99)),
            "warn_late_s_max": _r(max(late[WARN_TIMER], default=None)),
            "breach_late_s_p99": _r(_pct(late[BREACH_TIMER], 0.99)),
            "breach_late_s_max": _r(max(late[BREACH_TIMER], default=None)),
            "due_per_sweep_max": max(due_per_sweep, default=0), "ran_per_sweep_max": max(s[3] for s in sweeps),
            "warnings_run": len(late[WARN_TIMER]), "breaches_run": len(late[BREACH_TIMER]),
            "others_run": {k: len(v) for k, v in late.items() if k not in (WARN_TIMER, BREACH_TIMER)},
            "largest_clusters": [{"due_at": due.isoformat(), "timers": n}
                                 for due, n in Counter(r[2] for r in out["run"]).most_common(3)],
            "step_bound_s": _r(interval + 2 * max(walls))}


def _checks(out: dict, last: datetime) -> dict:
    """Every warning and breach due by the last pass ran exactly once: a timer, an audit row, an event."""
    field = {WARN_TIMER: "sla_warning", BREACH_TIMER: "sla_breached"}
    expected = Counter((int(key.split(":")[1]), field[kind], key.split(":")[2])
                       for kind, key, _due, _done in out["run"] if kind in field)
    audit, events = out["audit"], out["events"]
    warnings = sum(1 for k in expected if k[1] == "sla_warning")
    return {"missed": sum(1 for due in out["pending"] if due <= last) + out["failed"],
            "audit_mismatch": sum(1 for k in expected.keys() | audit.keys()
                                  if expected.get(k) != 1 or audit.get(k) != 1),
            "event_mismatch": abs(events.get("ticket.sla_warning", 0) - warnings)
            + abs(events.get("ticket.sla_breached", 0) - (len(expected) - warnings))}


async def _one(db, n: int, hours: float, interval: float, seed: int, say) -> dict:
    from kefu.core.clock import clock

    t0 = time.perf_counter()
    world = await sla_world.build(db, n, SPAN_START, seed)
    analyzed = await sla_world.analyze(db)
    load_s = time.perf_counter() - t0
    say(f"{n:,} tickets: {world['timer_rows']:,} timer rows ({world['pending']:,} pending) written in {load_s:.1f} s"
        + (f"; analyzed {', '.join(analyzed)}" if analyzed else ""))
    t1 = time.perf_counter()

    def progress(at: datetime, sweeps: list) -> None:
        say(f"  {at.astimezone(zone()):%a %H:%M} Beijing: {len(sweeps):,} passes, {sum(s[3] for s in sweeps):,} "
            f"timers run, {time.perf_counter() - t1:.0f} s")

    try:
        sweeps = await _simulate(db, SPAN_START, hours, interval, progress)
    finally:
        clock.unfreeze()
    simulate_s = time.perf_counter() - t1
    out = await _outcomes(db, world["shop_id"], SPAN_START)
    return {"tickets": n, **_measure(sweeps, out, interval), **_checks(out, sweeps[-1][0]),
            "timer_rows": world["timer_rows"], "pending_at_start": world["pending"],
            "answered_before": world["answered"], "load_s": round(load_s, 1), "simulate_s": round(simulate_s, 1),
            "shop_id": world["shop_id"], "slug": world["slug"]}


def _register_handlers(data_dir: str) -> None:
    """The timer handlers and ticket hooks a server registers, by building the app as `kefu serve` does (no
    lifespan: nothing starts)."""
    from kefu.app import create_app
    from kefu.core.config import Settings

    create_app(Settings(data_dir=Path(data_dir), secret_key="bench-sla-" + "x" * 40, scheduler_interval=0,
                        routing_auto=False))


async def _run(tickets: int, baseline: int, hours: float, interval: float, tmp: str, say) -> dict:
    from kefu.core.config import normalize_database_url
    from kefu.core.db import Database

    env_url = os.environ.get("KEFU_DATABASE_URL", "")
    url = normalize_database_url(env_url) if env_url else f"sqlite+aiosqlite:///{tmp}/bench.db"
    _register_handlers(tmp)
    db = Database(url)
    try:
        await db.migrate()
        if retired := await sla_world.retire(db):
            say(f"cancelled {retired:,} pending timers of earlier bench shops")
        base = await _one(db, baseline, hours, interval, 2, say) if baseline else None
        await sla_world.retire(db)
        main = await _one(db, tickets, hours, interval, 1, say)
    finally:
        await db.dispose()
    return {"database": "sqlite" if db.is_sqlite else "postgresql", "hours": hours, "interval_s": interval,
            "span_start": SPAN_START.isoformat(), **{k: main[k] for k in KEYS}, "main": main, "baseline": base,
            "loadavg_end": [round(x, 2) for x in os.getloadavg()]}


ROWS = (("open tickets", "tickets"), ("timer rows (pending at start)", "timer_rows"), ("passes", "sweeps"),
        ("pass ms p50", "sweep_ms_p50"), ("pass ms p99", "sweep_ms_p99"), ("pass ms max", "sweep_ms_max"),
        ("idle pass ms p50 (none due)", "idle_sweep_ms_p50"), ("ms per timer run", "ms_per_timer"),
        ("  CPU ms per timer run", "cpu_ms_per_timer"), ("due per pass max", "due_per_sweep_max"),
        ("run per pass max", "ran_per_sweep_max"), ("warnings run", "warnings_run"),
        ("warning late s p99", "warn_late_s_p99"), ("warning late s max", "warn_late_s_max"),
        ("breaches run", "breaches_run"), ("breach late s p99", "breach_late_s_p99"),
        ("breach late s max", "breach_late_s_max"), ("missed / audit / event errors", "missed"),
        ("simulated in s", "simulate_s"))


def table(result: dict) -> list[str]:
    main, base = result["main"], result["baseline"] or {}

    def cell(r: dict, key: str) -> str:
        if not r:
            return "-"
        if key == "timer_rows":
            return f"{r[key]:,} ({r['pending_at_start']:,})"
        if key == "missed":
            return f"{r['missed']} / {r['audit_mismatch']} / {r['event_mismatch']}"
        value = r.get(key)
        return "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)

    start = SPAN_START.astimezone(zone())
    lines = [f"kefu bench sla — {result['hours']} h simulated from Wednesday {start:%Y-%m-%d %H:%M} Beijing time, "
             f"a pass every {result['interval_s']} s, {result['database']}",
             f"{'':32}{'kefu':>22}{'baseline':>22}"]
    lines += [f"{label:32}{cell(main, key):>22}{cell(base, key):>22}" for label, key in ROWS]
    clusters = ", ".join(f"{c['timers']:,} at {datetime.fromisoformat(c['due_at']).astimezone(zone()):%H:%M}"
                         for c in main["largest_clusters"])
    lines.append(f"largest clusters (timers due at one instant, Beijing time): {clusters}")
    warn = main["warn_late_s_p99"]
    lines.append(f"target: warnings at most {TARGET_WARN_LATE_S:.0f} s late (p99): "
                 f"{'met' if warn is not None and warn <= TARGET_WARN_LATE_S else 'NOT met'} ({warn} s); "
                 f"machine load average at the end: {result['loadavg_end']}")
    return lines


def run(tickets: int = 100_000, baseline: int = 1000, hours: float = 24.0, interval: float = 1.0,
        as_json: bool = False, out: Path | str | None = None, keep: bool = False, echo=print) -> dict:
    say = (lambda *_a, **_k: None) if as_json else echo
    tmp = tempfile.mkdtemp(prefix="kefu-bench-sla-")
    try:
        result = asyncio.run(_run(tickets, baseline, hours, interval, tmp, say))
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if keep and result["database"] == "sqlite":
        result["sqlite_path"] = f"{tmp}/bench.db"
    path = Path(out) if out else RESULTS / f"sla-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if as_json:
        echo(json.dumps({k: result[k] for k in ("database", *KEYS)}, ensure_ascii=False))
    else:
        for line in table(result):
            echo(line)
        echo(f"results: {path}" + (f"; database kept: {result['sqlite_path']}" if "sqlite_path" in result else ""))
    return result
