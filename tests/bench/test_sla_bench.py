"""`kefu bench sla` on SQLite, small: the command an operator runs, its JSON, and what it did to the database —
every warning and breach that fell due in the simulated span ran exactly once (one audit row and one event each),
none later than a pass allows; and the rows it writes in bulk are the rows the tickets service writes."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"tickets", "sweep_ms_p50", "sweep_ms_p99", "warn_late_s_p99", "breach_late_s_p99", "due_per_sweep_max"}
SH = ZoneInfo("Asia/Shanghai")


def _bench(tmp_path: Path, *args: str) -> tuple[dict, dict]:
    """The command in its own process (it freezes the clock and builds an app: nothing leaks into this one)."""
    env = {k: v for k, v in os.environ.items() if k not in ("KEFU_DATABASE_URL", "KEFU_REDIS_URL")}
    out = tmp_path / "sla.json"
    proc = subprocess.run([sys.executable, "-m", "kefu", "bench", "sla", *args, "--json", "--keep", "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    printed = json.loads([line for line in proc.stdout.splitlines() if line.startswith("{")][-1])
    return printed, json.loads(out.read_text())


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_warning_and_breach_due_in_the_span_runs_once_within_a_pass(tmp_path):
    printed, saved = _bench(tmp_path, "--tickets", "300", "--baseline", "30", "--hours", "7.5", "--interval", "15")
    assert printed.keys() >= KEYS and printed["tickets"] == 300 and printed["database"] == "sqlite"
    main = saved["main"]
    start = datetime.fromisoformat(saved["span_start"])
    end = start + timedelta(hours=7.5)  # Wednesday 08:00–15:30 Beijing: the 13:00 and 15:00 clusters fall in it
    db = sqlite3.connect(saved["sqlite_path"])
    try:
        timers = [(kind, key, _utc(due), done and _utc(done), outcome) for kind, key, due, done, outcome in db.execute(
            "SELECT kind, key, due_at, done_at, outcome FROM timers WHERE shop_id = ? AND kind IN ('sla.warn', "
            "'sla.breach') AND due_at >= ?", (main["shop_id"], start.strftime("%Y-%m-%d %H:%M:%S")))]
        audit = Counter(db.execute("SELECT ticket_id, field, after FROM ticket_changes WHERE shop_id = ? AND field IN "
                                   "('sla_warning', 'sla_breached')", (main["shop_id"],)).fetchall())
        events = Counter(t for (t,) in db.execute("SELECT type FROM events WHERE shop_id = ?", (main["shop_id"],)))
    finally:
        db.close()
        shutil.rmtree(Path(saved["sqlite_path"]).parent)  # the bench's temporary directory, kept for this test
    timers = [t for t in timers if t[3] is None or t[3] >= start]  # not those cancelled before (re-armed)
    assert any(when <= end for _k, _key, when, _d, _o in timers)
    assert all(outcome == "done" for _k, _key, when, _d, outcome in timers if when <= end)  # none left or failed
    assert all(done is None for _k, _key, when, done, _o in timers if when > end + timedelta(minutes=1))
    ran = [t for t in timers if t[4] == "done"]  # the span's, and any due in the seconds its last pass ran after it
    lines = Counter((int(key.split(":")[1]), "sla_warning" if kind == "sla.warn" else "sla_breached",
                     key.split(":")[2]) for kind, key, *_x in ran)
    assert audit == lines and set(audit.values()) == {1}  # one history line per warning and per breach, no more
    warnings = sum(1 for kind, *_x in ran if kind == "sla.warn")
    assert events["ticket.sla_warning"] == warnings == main["warnings_run"]
    assert events["ticket.sla_breached"] == len(ran) - warnings == main["breaches_run"]
    assert main["missed"] == main["audit_mismatch"] == main["event_mismatch"] == 0

    # On time: each ran in the first pass after it fell due (a pass starts at most one interval plus the previous
    # pass's length after the one before it).
    bound = main["step_bound_s"]
    assert all(timedelta(0) <= done - when <= timedelta(seconds=bound) for _k, _key, when, done, _o in ran)
    assert 0 < main["warn_late_s_max"] <= bound and 0 < main["breach_late_s_max"] <= bound
    # Tickets opened while the shop was closed share their deadlines: the weekend's all warn at 13:00.
    cluster = main["largest_clusters"][0]
    assert cluster["timers"] >= 10 and main["due_per_sweep_max"] >= cluster["timers"]
    assert datetime.fromisoformat(cluster["due_at"]).astimezone(SH).strftime("%H:%M") in ("13:00", "15:00")
    base = saved["baseline"]
    assert base["tickets"] == 30 and base["missed"] == base["audit_mismatch"] == base["event_mismatch"] == 0


def test_the_bench_writes_tickets_and_timers_as_the_tickets_service_does(world, frozen):
    """The bench writes in bulk; the rows must be what kefu writes when agents open and answer tickets."""
    from sqlalchemy import select

    from bench import sla_world
    from kefu.core.clock import as_utc
    from kefu.core.scheduler import Timer, run_due
    from kefu.sla import service as clocks
    from kefu.tickets.models import Ticket

    shop = world.shop()
    opened = []
    for when, kind, priority in ((datetime(2026, 12, 4, 17, tzinfo=SH), "售后", "normal"),  # answered on Monday
                                 (datetime(2026, 12, 7, 9, 30, tzinfo=SH), "投诉", "urgent")):  # breached before
        frozen.freeze(when)
        agent = world.agent(shop)
        r = agent.post("/api/tickets", {"kind": kind, "priority": priority, "title": "少发一件"})
        assert r.status_code == 201, r.text
        opened.append((r.json()["ticket"]["number"], when.astimezone(UTC), kind, priority, agent.info["username"]))
    answered = frozen.freeze(datetime(2026, 12, 7, 12, tzinfo=SH))
    assert world.login(opened[0][4]).post(f"/api/tickets/{opened[0][0]}/notes", {"text": "已补发"}).status_code == 201
    frozen.freeze(sla_world.SPAN_START)
    world.run(lambda: run_due(world.db, limit=1000, kinds={clocks.WARN_TIMER, clocks.BREACH_TIMER, clocks.QUICK_TIMER}))

    def shape(rows: list[dict]) -> list[tuple]:
        return sorted((r["kind"], r["key"], as_utc(r["due_at"]), r["payload"], as_utc(r["created_at"]), r["outcome"],
                       r["attempts"], as_utc(r["done_at"]) if r["outcome"] == "cancelled" else None) for r in rows)

    async def compare():
        async with world.db.transaction() as s:
            policy = await clocks.policy(s, shop.id)
            for (number, created, kind, priority, _who), answer in zip(opened, (answered, None), strict=True):
                t = await s.scalar(select(Ticket).where(Ticket.number == number))
                story = sla_world.story(created, kind, priority, answer, policy)
                assert (as_utc(t.first_response_due_at), as_utc(t.resolution_due_at)) == (
                    story["response_due"], story["resolution_due"])
                real = [{c: getattr(row, c) for c in ("kind", "key", "due_at", "payload", "created_at", "outcome",
                                                      "attempts", "done_at")}
                        for row in await s.scalars(select(Timer).where(Timer.key.like(f"ticket:{t.id}:%")))]
                bench = sla_world.rows_of(shop.id, t.id, story, sla_world.SPAN_START, policy.calendar)
                assert shape(real) == shape(bench)

    world.run(compare)
