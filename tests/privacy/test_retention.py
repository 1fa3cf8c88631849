"""A shop's retention rule: closed conversations older than N days are anonymised or their content deleted by
the nightly pass (and on demand), a dry run counts without touching, and the shop's numbers stay the same."""

from __future__ import annotations

from sqlalchemy import select

from kefu.core.clock import as_utc
from kefu.core.scheduler import Timer, run_due
from kefu.privacy.rules import next_run
from kefu.privacy.service import RETENTION_TIMER
from tests.attachments.conftest import upload_as_buyer
from tests.audit.helpers import one
from tests.privacy.helpers import PHONE, Desk


def _pending(world, desk) -> list:
    async def go():
        async with world.db.transaction() as s:
            return list(await s.scalars(select(Timer.due_at).where(
                Timer.shop_id == desk.shop.id, Timer.kind == RETENTION_TIMER, Timer.done_at.is_(None))))

    return world.run(go)


def _rule(desk, days, mode="anonymise", expect=200):
    r = desk.admin.put("/api/admin/privacy", {"retention_days": days, "retention_mode": mode})
    assert r.status_code == expect, r.text
    return r.json()


def test_only_an_admin_sets_the_rule_and_bad_values_are_refused_clearly(world):
    desk = Desk(world)
    assert desk.agent.put("/api/admin/privacy", {"retention_days": 30}).status_code == 403
    bad = (({"retention_days": 3}, "bad_retention_days"),
           ({"retention_days": 30, "retention_mode": "x"}, "bad_retention_mode"))
    for body, code in bad:
        r = desk.admin.put("/api/admin/privacy", body)
        assert r.status_code == 422 and r.json()["error"]["code"] == code and r.json()["error"]["zh"], r.text
    assert desk.admin.put("/api/admin/privacy", {"retention_days": 10**12}).status_code == 422
    saved = _rule(desk, 30, "delete")
    assert (saved["retention_days"], saved["retention_mode"]) == (30, "delete")
    entry = one(world, desk.shop.id, "settings.retention")
    assert entry.detail == {"retention_days": [None, 30], "retention_mode": [None, "delete"]}


def test_the_dry_run_counts_what_would_go_and_touches_nothing(world, frozen):
    desk = Desk(world)
    old, recent, open_ = desk.buyer(), desk.buyer(), desk.buyer()
    desk.serve_and_close(old)
    desk.later(frozen, 40)
    desk.serve_and_close(recent)
    _rule(desk, 30)
    dry = desk.admin.post("/api/admin/privacy/run?dry_run=true").json()
    # the buyer's line, "小李为您服务" and the reply
    assert dry["dry_run"] is True and (dry["conversations"], dry["messages"]) == (1, 3)
    assert desk.admin.get("/api/admin/privacy").json()["preview"]["conversations"] == 1
    _, msgs = desk.rows(old.conv)
    assert PHONE in msgs[0].text  # untouched
    assert open_.conv and desk.rows(open_.conv)[0].redacted_at is None


def test_the_nightly_pass_anonymises_old_closed_chats_and_keeps_the_numbers(world, frozen):
    desk = Desk(world)
    b = desk.buyer()
    desk.serve_and_close(b)
    conv_before, msgs_before = desk.rows(b.conv)
    count = desk.count_messages()
    _rule(desk, 30)
    desk.later(frozen, 31)
    world.run(lambda: run_due(world.db, limit=1000, kinds={RETENTION_TIMER}))
    conv, msgs = desk.rows(b.conv)
    assert conv.redacted_at is not None and PHONE not in msgs[0].text and "138****5678" in msgs[0].text
    assert "[地址]" in msgs[0].text and msgs[0].analysis["redacted"] == "anonymised"
    assert desk.count_messages() == count and [m.seq for m in msgs] == [m.seq for m in msgs_before]
    assert (conv.first_response_at, conv.closed_at, conv.intent, conv.assignee_id) == (
        conv_before.first_response_at, conv_before.closed_at, conv_before.intent, conv_before.assignee_id)
    assert msgs[0].analysis.get("intent") == msgs_before[0].analysis.get("intent")
    assert PHONE not in str(desk.agent.get(f"/api/conversations/{b.conv}").json())
    assert PHONE not in str(b.get("/api/widget/events?after=0").json())  # the event log too
    entry = one(world, desk.shop.id, "retention.run")
    assert entry.actor == "system" and entry.detail["conversations"] == 1
    status = desk.admin.get("/api/admin/privacy").json()
    assert status["last_run"]["conversations"] == 1 and status["preview"]["conversations"] == 0
    assert [as_utc(t) for t in _pending(world, desk)] == [next_run(frozen.now())]  # armed for the next night


def test_delete_mode_takes_the_words_and_the_photos_but_keeps_the_lines(world, frozen):
    desk = Desk(world)
    b = desk.buyer()
    att = upload_as_buyer(b).json()["attachment"]
    assert b.post("/api/widget/messages", {"attachment_id": att["id"], "client_msg_id": "img"}).status_code == 201
    assert desk.agent.get(att["url"]).status_code == 200
    desk.serve_and_close(b)
    count = desk.count_messages()
    _rule(desk, 7, "delete")
    desk.later(frozen, 8)
    done = desk.admin.post("/api/admin/privacy/run").json()
    assert (done["conversations"], done["images"], done["more"]) == (1, 1, False)
    assert one(world, desk.shop.id, "retention.run").agent_id == desk.admin.id
    conv, msgs = desk.rows(b.conv)
    assert all(m.text == "" for m in msgs) and desk.count_messages() == count and conv.last_preview == ""
    assert desk.agent.get(att["url"]).status_code == 404
    shown = desk.agent.get(f"/api/conversations/{b.conv}").json()["messages"]
    assert all(m["redacted"] == "deleted" and "attachment" not in m for m in shown)


def test_an_open_or_reopened_chat_and_one_closed_recently_are_left_alone(world, frozen):
    desk = Desk(world)
    waiting = desk.buyer()
    _rule(desk, 7, "delete")
    desk.later(frozen, 30)
    assert desk.admin.post("/api/admin/privacy/run").json()["conversations"] == 0
    assert PHONE in desk.rows(waiting.conv)[1][0].text
    _rule(desk, None)
    assert desk.admin.get("/api/admin/privacy").json()["retention_days"] is None
    assert _pending(world, desk) == []  # switched off: no pass is due any more
