"""The workspace bell: a ticket handed to me, a buyer's message on my ticket and a deadline 2 hours away ring my
bell (a row, and an event my sockets get at once — nobody else's bell); a breach rings the supervisors' and
admins'; the list reads newest first and marks read."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.notifications.conftest import run_sla_timers

SH = ZoneInfo("Asia/Shanghai")


def at(d, hh, mm=0) -> datetime:
    return datetime(2026, 12, d, hh, mm, tzinfo=SH)


def until(ws, kind: str, limit: int = 50) -> dict:
    """The next event of this type on a socket (fails instead of hanging if it never comes)."""
    for _ in range(limit):
        frame = ws.receive_json()
        if frame["type"] == "event" and frame["event"]["type"] == kind:
            return frame["event"]
    raise AssertionError(f"{kind} never arrived")


def bell(agent):
    return agent.client.websocket_connect("/ws/notifications", headers={"cookie": agent.cookie})


def test_a_ticket_handed_to_me_rings_my_bell_at_once_and_only_mine(world, frozen):
    frozen.freeze(at(7, 10))  # Monday 10:00
    shop = world.shop()
    wang, li = world.agent(shop, name="小王"), world.agent(shop, name="小李")
    buyer = world.buyer(shop)
    conv = buyer.send("订单 202612040398 少发了一件").json()["conversation_id"]
    with bell(li) as li_bell, bell(wang) as wang_bell, li.ws() as li_desk:
        assert li_bell.receive_json()["type"] == "ready" and wang_bell.receive_json()["type"] == "ready"
        r = wang.post("/api/tickets", {"kind": "售后", "title": "少发一件", "conversation_id": conv,
                                       "assignee_id": li.id})
        assert r.status_code == 201, r.text
        number = r.json()["ticket"]["number"]
        ev = until(li_bell, "notification.created")
        assert ev["data"]["agent_id"] == li.id
        line = ev["data"]["notification"]
        assert line["text"]["zh"] == f"工单 {number}「少发一件」已转给您" and number in line["text"]["en"]
        assert line["link"] == f"/tickets#{number}" and line["read_at"] is None
        assert until(li_desk, "notification.created")["data"]["notification"]["id"] == line["id"]  # workspace too

        assert buyer.post(f"/api/widget/tickets/{number}/messages", {"text": "照片已经发了"}).status_code == 201
        ev = until(li_bell, "notification.created")
        assert ev["data"]["notification"]["text"]["zh"] == f"买家在工单 {number} 留言：照片已经发了"

        other = li.post("/api/tickets", {"kind": "咨询", "title": "发票", "assignee_id": wang.id}).json()["ticket"]
        ev = until(wang_bell, "notification.created", limit=1)  # 小王's first: nothing of 小李's came before it
        assert ev["data"]["agent_id"] == wang.id and other["number"] in ev["data"]["notification"]["text"]["en"]

    mine = li.get("/api/notifications").json()
    assert mine["unread"] == 2  # opened for her and assigned to her in one go: one line, not two
    assert [n["kind"] for n in mine["notifications"]] == ["buyer_message", "assigned"]
    newest = mine["notifications"][0]["id"]
    assert wang.post(f"/api/notifications/{newest}/read").status_code == 404  # not his
    r = li.post(f"/api/notifications/{newest}/read")
    assert r.status_code == 200 and r.json() == {"unread": 1}
    assert li.get("/api/notifications").json()["notifications"][0]["read_at"] is not None
    older = li.get(f"/api/notifications?before={newest}").json()["notifications"]
    assert [n["kind"] for n in older] == ["assigned"]
    assert li.post("/api/notifications/read-all").json() == {"unread": 0}
    assert li.get("/api/notifications?limit=0").status_code == 422
    assert world.client.get("/api/notifications").status_code == 401


def test_a_warning_rings_the_owner_and_a_breach_the_supervisors_and_admins(world, frozen):
    frozen.freeze(at(4, 17))  # Friday 17:00: first response due Wednesday 14:00, warned at 12:00
    shop = world.shop()
    owner = world.agent(shop, name="小王")
    boss, admin = world.agent(shop, role="supervisor", name="老王"), world.agent(shop, role="admin", name="店长")
    colleague = world.agent(shop, name="小李")
    number = owner.post("/api/tickets", {"kind": "售后", "title": "少发一件"}).json()["ticket"]["number"]
    assert owner.get("/api/notifications").json()["unread"] == 0  # their own ticket: no need to tell them

    frozen.freeze(at(9, 12))
    run_sla_timers(world)
    owner = world.login(owner.info["username"])
    lines = owner.get("/api/notifications").json()["notifications"]
    assert [n["text"]["zh"] for n in lines] == [f"{number}「少发一件」的首次响应将在 2 个工作小时内到期"]
    boss = world.login(boss.info["username"])
    assert boss.get("/api/notifications").json()["unread"] == 0

    frozen.freeze(at(9, 14))
    run_sla_timers(world)
    for who in (boss, admin):
        who = world.login(who.info["username"])
        lines = who.get("/api/notifications").json()["notifications"]
        assert [(n["kind"], n["text"]["en"]) for n in lines] == [
            ("sla_breached", f"{number} “少发一件” breached its first response deadline")]
    colleague = world.login(colleague.info["username"])
    assert colleague.get("/api/notifications").json()["notifications"] == []
    owner = world.login(owner.info["username"])
    assert owner.get("/api/notifications").json()["unread"] == 1  # the warning only


def test_deadlines_falling_due_together_ring_each_owner_once_and_post_each_to_the_webhook(world, frozen, receiver):
    """The SLA timers due at one instant run as a batch: each ticket still warns its own owner, the webhook still
    gets one delivery per warning, the history records each warning once, and running again tells nobody twice."""
    frozen.freeze(at(4, 17))  # Friday 17:00: every first response due Wednesday 14:00, warned at 12:00
    shop = world.shop()
    admin = world.agent(shop, role="admin", name="店长")
    assert admin.post("/api/admin/notifications/webhooks", {"url": receiver.url}).status_code == 201
    owners = [world.agent(shop, name=f"客服{i}") for i in range(3)]
    numbers = [owners[i % 3].post("/api/tickets", {"kind": "售后", "title": f"少发{i}"}).json()["ticket"]["number"]
               for i in range(7)]
    frozen.freeze(at(9, 12))
    run_sla_timers(world)
    run_sla_timers(world)
    for i, owner in enumerate(owners):
        lines = world.login(owner.info["username"]).get("/api/notifications").json()["notifications"]
        assert sorted(n["link"] for n in lines) == sorted(f"/tickets#{n}" for n in numbers[i::3])
        assert {n["kind"] for n in lines} == {"sla_warning"}
    admin = world.login(admin.info["username"])
    log = admin.get("/api/admin/notifications/deliveries?limit=100").json()["deliveries"]
    warned = [d for d in log if d["event"] == "ticket.sla_warning"]
    assert len(warned) == 7 and all(d["channel"] == "webhook" for d in warned)
    for number in numbers:
        history = admin.get(f"/api/tickets/{number}").json()["changes"]
        assert [h["field"] for h in history].count("sla_warning") == 1
