"""The error ledger over the workspace API: an entry opened from a ticket owes the buyer a progress update
every 2 business hours; the owner is reminded when one falls due (not over a weekend or a holiday), a reply
on the ticket or a call recorded by hand re-arms it, resolving stops it; bad input gets clear errors."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from kefu.ledger.service import REMINDER_EVENT, UPDATE_TIMER

SH = ZoneInfo("Asia/Shanghai")


def at(m, d, hh, mm=0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=SH)


def local(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso).astimezone(SH) if iso else None


def run_timers(world) -> None:
    from kefu.core.scheduler import run_due

    world.run(lambda: run_due(world.db, limit=10_000, kinds={UPDATE_TIMER}))


def reminders(world, shop_id: int) -> list[dict]:
    from kefu.core.events import events_after

    async def go():
        async with world.db.transaction() as s:
            return await events_after(s, shop_id, 0, limit=1000)

    return [e for e in world.run(go) if e["type"] == REMINDER_EVENT]


def ticket(agent, title="发错颜色") -> str:
    r = agent.post("/api/tickets", {"kind": "售后", "title": title})
    assert r.status_code == 201, r.text
    return r.json()["ticket"]["number"]


def open_entry(agent, number: str, **kw) -> dict:
    body = {"ticket": number, "kind": "wrong_shipment", "description": "买家要黑色 L 码，仓库发成了白色", **kw}
    r = agent.post("/api/ledger", body)
    assert r.status_code == 201, r.text
    return r.json()["entry"]


def entry(agent, entry_id: int) -> dict:
    r = agent.get(f"/api/ledger/{entry_id}")
    assert r.status_code == 200, r.text
    return r.json()["entry"]


def test_the_buyer_is_owed_an_update_every_two_business_hours(world, frozen):
    frozen.freeze(at(12, 4, 17, 30))  # Friday 17:30 in Beijing
    shop = world.shop()
    agent = world.agent(shop, name="小周")
    name = agent.info["username"]
    number = ticket(agent)
    e = open_entry(agent, number)
    assert (e["kind_label"]["zh"], e["department"], e["cause"]) == ("错发/漏发", "仓储", "拣货错误")  # by kind
    assert e["owner_id"] == agent.id and e["owner_name"] == "小周" and e["status"] == "open"
    assert local(e["next_update_due_at"]) == at(12, 7, 10, 30)  # half an hour on Friday, 1.5 h on Monday
    assert e["state"] == "on_track" and e["ticket"]["number"] == number

    frozen.freeze(at(12, 5, 12))  # the weekend: nothing is due
    run_timers(world)
    frozen.freeze(at(12, 7, 10, 29))
    run_timers(world)
    assert reminders(world, shop.id) == []
    agent = world.login(name)
    assert agent.get("/api/ledger?view=overdue").json()["entries"] == []

    frozen.freeze(at(12, 7, 10, 30))  # due: the owner is reminded once, on the staff socket only
    run_timers(world)
    run_timers(world)
    (ev,) = reminders(world, shop.id)
    assert ev["private"] is True and ev["data"]["assignee_id"] == agent.id
    assert ev["data"]["ticket"]["number"] == number and ev["data"]["entry"]["id"] == e["id"]
    agent = world.login(name)
    overdue = agent.get("/api/ledger?view=overdue").json()["entries"]
    assert [x["id"] for x in overdue] == [e["id"]] and overdue[0]["state"] == "overdue" and overdue[0]["missed"] == 1

    frozen.freeze(at(12, 7, 11))  # an internal note is no update for the buyer; a reply is
    assert agent.post(f"/api/tickets/{number}/notes", {"text": "仓库说明天补发", "internal": True}).status_code == 201
    assert entry(agent, e["id"])["state"] == "overdue"
    assert agent.post(f"/api/tickets/{number}/notes", {"text": "您好，补发的黑色 L 码今天出库"}).status_code == 201
    now = entry(agent, e["id"])
    assert local(now["next_update_due_at"]) == at(12, 7, 13) and now["state"] == "on_track"
    assert now["updates"] == 1 and [(h["via"], h["text"]) for h in now["history"]] == [
        ("reply", "您好，补发的黑色 L 码今天出库")]

    frozen.freeze(at(12, 7, 12, 59))
    run_timers(world)
    assert len(reminders(world, shop.id)) == 1
    frozen.freeze(at(12, 7, 13))
    run_timers(world)
    assert len(reminders(world, shop.id)) == 2

    frozen.freeze(at(12, 7, 13, 10))  # a phone call counts as an update too
    agent = world.login(name)
    r = agent.post(f"/api/ledger/{e['id']}/updates", {"via": "phone", "text": "电话告知快递单号 SF123"})
    assert r.status_code == 201, r.text
    assert local(r.json()["entry"]["next_update_due_at"]) == at(12, 7, 15, 10)
    assert [h["via_label"]["zh"] for h in r.json()["entry"]["history"]] == ["工单回复", "电话"]

    frozen.freeze(at(12, 7, 14))  # resolved: nothing is due any more
    r = agent.post(f"/api/ledger/{e['id']}/resolve")
    assert r.status_code == 200 and r.json()["entry"]["state"] == "resolved"
    assert r.json()["entry"]["next_update_due_at"] is None
    frozen.freeze(at(12, 9, 18))
    run_timers(world)
    assert len(reminders(world, shop.id)) == 2
    agent = world.login(name)
    assert agent.get("/api/ledger").json()["entries"] == []  # open: none
    assert [x["state"] for x in agent.get("/api/ledger?view=all").json()["entries"]] == ["resolved"]
    assert agent.post(f"/api/tickets/{number}/notes", {"text": "已签收"}).status_code == 201
    assert entry(agent, e["id"])["updates"] == 2  # a reply after resolving changes nothing


def test_no_reminder_over_the_national_day_holiday(world, frozen):
    frozen.freeze(at(9, 30, 17))  # Wednesday before 1-7 October: one business hour left that day
    shop = world.shop()
    agent = world.agent(shop)
    e = open_entry(agent, ticket(agent), kind="refund_delay", description="退款审核漏了，超过 3 天未到账")
    assert (e["department"], e["cause"]) == ("财务", "流程缺失")
    assert local(e["next_update_due_at"]) == at(10, 8, 10)
    for day in range(1, 8):
        frozen.freeze(at(10, day, 12))
        run_timers(world)
    assert reminders(world, shop.id) == []
    frozen.freeze(at(10, 8, 10))
    run_timers(world)
    assert len(reminders(world, shop.id)) == 1


def test_lists_put_the_overdue_first_and_owners_and_causes_can_change(world, frozen):
    frozen.freeze(at(12, 7, 9))
    shop = world.shop()
    agent = world.agent(shop)
    colleague = world.agent(shop, name="阿杰")
    first = open_entry(agent, ticket(agent, "少发一件"))
    frozen.freeze(at(12, 7, 10))
    second = open_entry(agent, ticket(agent, "退款慢"), kind="refund_delay", description="退款延迟")
    frozen.freeze(at(12, 7, 11, 30))  # the first is overdue since 11:00, the second due at 12:00
    agent = world.login(agent.info["username"])
    rows = agent.get("/api/ledger").json()["entries"]
    assert [(x["id"], x["state"]) for x in rows] == [(first["id"], "overdue"), (second["id"], "due_soon")]

    r = agent.client.patch(f"/api/ledger/{second['id']}", json={
        "owner_id": colleague.id, "department": "第三方支付", "cause": "系统故障"}, headers=agent.headers())
    assert r.status_code == 200, r.text
    changed = r.json()["entry"]
    assert (changed["owner_name"], changed["department"], changed["cause"]) == ("阿杰", "第三方支付", "系统故障")
    assert changed["department_label"]["en"] == "第三方支付" and changed["cause_label"]["en"] == "System fault"
    mine = agent.get(f"/api/ledger?view=all&ticket={changed['ticket']['number'].lower()}").json()["entries"]
    assert [x["id"] for x in mine] == [second["id"]]


def test_the_owner_follows_a_reassigned_ticket_and_entries_follow_a_merge(world, frozen):
    from sqlalchemy import select

    from kefu.tickets.events import emit
    from kefu.tickets.models import Ticket

    frozen.freeze(at(12, 7, 9))
    shop = world.shop()
    agent = world.agent(shop)
    colleague = world.agent(shop)
    number, other = ticket(agent), ticket(agent, "同一个买家的第二个工单")
    e = open_entry(agent, number)

    async def hook(kind, data, num=number):
        async with world.db.transaction() as s:
            t = await s.scalar(select(Ticket).where(Ticket.number == num))
            await emit(s, kind, t, data)

    world.run(hook, "assigned", {"before": agent.id, "after": colleague.id})
    assert entry(agent, e["id"])["owner_id"] == colleague.id
    world.run(hook, "merged", {"into": other})
    assert entry(agent, e["id"])["ticket"]["number"] == other


def test_bad_input_gets_clear_errors_in_both_languages(world, frozen):
    frozen.freeze(at(12, 7, 9))
    shop = world.shop()
    agent = world.agent(shop)
    number = ticket(agent)
    stranger = world.agent(world.shop())
    foreign = ticket(stranger)
    cases = [({"kind": "lost_parcel"}, 422, "bad_ledger_kind"),
             ({"ticket": foreign}, 404, "ticket_not_found"),
             ({"ticket": "T-NOPE"}, 404, "ticket_not_found"),
             ({"description": "长" * 10_000}, 422, "bad_ledger_field"),
             ({"description": "长" * 10_001}, 422, "invalid_request"),
             ({"description": " \n "}, 422, "bad_ledger_field"),
             ({"department": "一个名字非常非常长的责任部门超过二十个字的限制"}, 422, "bad_ledger_field"),
             ({"owner_id": stranger.id}, 404, "ledger_owner_not_found"),
             ({"owner_id": 2**40}, 422, "invalid_request")]
    for change, status, code in cases:
        body = {"ticket": number, "kind": "wrong_shipment", "description": "错发", **change}
        r = agent.post("/api/ledger", body)
        assert r.status_code == status, (change, r.text)
        error = r.json()["error"]
        assert error["code"] == code and error["zh"] and error["en"], (change, error)
    too_long = agent.post("/api/ledger", {"ticket": number, "kind": "other", "description": "长" * 10_000})
    assert "2000" in too_long.json()["error"]["zh"] and "2000" in too_long.json()["error"]["en"]

    e = open_entry(agent, number)
    r = agent.post("/api/ledger", {"ticket": number, "kind": "wrong_shipment", "description": "又错了"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "ledger_duplicate"
    assert agent.get("/api/ledger?view=soon").status_code == 422
    for via, text in (("reply", "冒充回复"), ("fax", "传真"), ("phone", "")):
        assert agent.post(f"/api/ledger/{e['id']}/updates", {"via": via, "text": text}).status_code == 422
    assert stranger.get(f"/api/ledger/{e['id']}").status_code == 404  # another shop's entry
    assert stranger.post(f"/api/ledger/{e['id']}/resolve").status_code == 404
    assert stranger.get("/api/ledger").json()["entries"] == []
    assert agent.get("/api/ledger/99999999999").status_code == 422
    assert agent.post(f"/api/ledger/{e['id']}/resolve").status_code == 200
    r = agent.post(f"/api/ledger/{e['id']}/resolve")
    assert r.status_code == 409 and r.json()["error"]["code"] == "ledger_resolved"
    assert agent.post(f"/api/ledger/{e['id']}/updates", {"via": "phone", "text": "x"}).status_code == 409
    assert agent.get("/api/ledger/report").status_code == 403  # supervisors and admins only
    world.client.cookies.clear()
    assert world.client.get("/api/ledger").status_code == 401
