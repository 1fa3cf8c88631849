"""Who owns a ticket and what happens to it beyond the workflow: routing's rules pick the owner (the type's
group, a tag naming a skill, the fewest open tickets), reassignment with its permissions, merging a buyer's
duplicates with both histories kept, a new priority moving the clocks, and an urgent complaint handed to the
quick-response team that must act within 2 business hours."""

from __future__ import annotations

from tests.tickets.test_api import at, local


def _ticket(agent, **kw):
    body = {"kind": "售后", "title": "快递三天没动", "problem": "物流不更新", **kw}
    r = agent.post("/api/tickets", body)
    assert r.status_code == 201, r.text
    return r.json()["ticket"]


def test_routing_rules_pick_the_owner_and_reassignment_follows_permissions(world, frozen):
    frozen.freeze(at(7, 10))
    shop = world.shop()
    opener = world.agent(shop, group="售前", name="前台")
    busy = world.agent(shop, group="售后", name="忙碌")
    free = world.agent(shop, group="售后", name="空闲")
    refunds = world.agent(shop, group="售后", name="退款专员", skills="退款")
    supervisor = world.agent(shop, role="supervisor", name="主管")
    for _ in range(3):
        _ticket(opener, assignee_id=busy.id)
    _ticket(opener, assignee_id=refunds.id)
    # an after-sale ticket goes to the after-sale group's least loaded agent, not to the one who opened it
    t = _ticket(opener, auto_assign=True)
    assert t["assignee_id"] == free.id
    # a tag naming a skill wins over load (the refunds agent already has a ticket)
    t2 = _ticket(opener, auto_assign=True, tags=["退款"])
    assert t2["assignee_id"] == refunds.id
    # an inquiry goes to the pre-sale group
    assert _ticket(opener, kind="咨询", auto_assign=True)["assignee_id"] == opener.id

    # an agent cannot hand over a colleague's ticket; the owner and a supervisor can
    r = busy.post(f"/api/tickets/{t['number']}/assign", {"assignee_id": busy.id})
    assert r.status_code == 403 and "主管" in r.json()["error"]["zh"]
    r = free.post(f"/api/tickets/{t['number']}/assign", {"assignee_id": refunds.id})
    assert r.status_code == 200 and r.json()["ticket"]["assignee_id"] == refunds.id
    change = [c for c in r.json()["changes"] if c["field"] == "assignee_id"][-1]
    assert (change["before"], change["after"], change["agent_id"]) == (str(free.id), str(refunds.id), free.id)
    r = supervisor.post(f"/api/tickets/{t['number']}/assign", {})  # let the rules pick someone else
    assert r.status_code == 200 and r.json()["ticket"]["assignee_id"] not in (refunds.id, None)
    # nobody of another shop, and no such agent
    other = world.agent(world.shop(), group="售后")
    r = supervisor.post(f"/api/tickets/{t['number']}/assign", {"assignee_id": other.id})
    assert r.status_code == 404 and r.json()["error"]["en"]
    assert supervisor.post(f"/api/tickets/{t['number']}/assign", {"assignee_id": 0}).status_code == 422


def test_merging_a_buyers_duplicate_keeps_both_histories(world, frozen):
    frozen.freeze(at(7, 10))
    shop = world.shop()
    agent = world.agent(shop, group="售后")
    buyer = world.buyer(shop)
    conv = buyer.send("订单 202612040398 还没发货").json()["conversation_id"]
    first = _ticket(agent, conversation_id=conv, order_numbers=["202612040398"])
    dup = _ticket(agent, conversation_id=conv, order_numbers=["202612040398", "202612040411"], tags=["催发货"])
    agent.post(f"/api/tickets/{dup['number']}/notes", {"text": "仓库说明天发", "internal": True})
    stranger = _ticket(agent, customer_id=world.buyer(shop).session.get("customer_id") or None) \
        if world.buyer(shop).session.get("customer_id") else None

    r = agent.post(f"/api/tickets/{dup['number']}/merge", {"into": first["number"].lower().replace("-", "")})
    assert r.status_code == 200, r.text
    kept = r.json()
    assert kept["ticket"]["number"] == first["number"]
    assert kept["ticket"]["order_numbers"] == ["202612040398", "202612040411"] and kept["ticket"]["tags"] == ["催发货"]
    assert kept["merged_from"] == [dup["number"]]
    assert "仓库说明天发" in [n["text"] for n in kept["notes"] if n["ticket"] == dup["number"]]
    assert any(c["field"] == "merged_from" and c["after"] == dup["number"] for c in kept["changes"])
    gone = agent.get(f"/api/tickets/{dup['number']}").json()
    assert gone["ticket"]["status"] == "closed" and gone["merged_into"] == first["number"]
    # the buyer reads where it went
    mine = {t["number"]: t for t in buyer.get("/api/widget/tickets").json()["tickets"]}
    assert first["number"] in mine[dup["number"]]["messages"][-1]["text"]
    # merging again, into itself, or across buyers is refused
    assert agent.post(f"/api/tickets/{dup['number']}/merge", {"into": first["number"]}).status_code == 409
    assert agent.post(f"/api/tickets/{first['number']}/merge", {"into": first["number"]}).status_code == 409
    other = _ticket(agent)  # no buyer
    r = agent.post(f"/api/tickets/{other['number']}/merge", {"into": first["number"]})
    assert r.status_code == 409 and "同一买家" in r.json()["error"]["zh"]
    assert stranger is None or stranger


def test_a_new_priority_moves_the_clocks_keeping_the_time_used(world, frozen):
    frozen.freeze(at(7, 9))  # Monday 9:00
    shop = world.shop()
    agent = world.agent(shop, group="售后")
    t = _ticket(agent)
    assert local(t["clocks"]["resolution"]["due_at"]) == at(14, 12)  # 48 business hours: 5 × 9 h + 3 h
    frozen.freeze(at(7, 13))  # 4 business hours used; urgent: a quarter, 12 h → 8 h left
    agent = world.login(agent.info["username"])
    r = agent.patch(f"/api/tickets/{t['number']}", {"priority": "urgent"})
    assert r.status_code == 200, r.text
    clocks = r.json()["ticket"]["clocks"]
    assert local(clocks["resolution"]["due_at"]) == at(8, 12)
    assert local(clocks["first_response"]["due_at"]) == at(7, 15)  # 6 h target, 4 used
    assert any(c["field"] == "priority" and c["after"] == "urgent" for c in r.json()["changes"])
    for bad in ({"priority": "asap"}, {"kind": "闲聊"}, {"title": ""}):
        r = agent.patch(f"/api/tickets/{t['number']}", bad)
        assert r.status_code == 422 and r.json()["error"]["zh"] and r.json()["error"]["en"], r.text


def test_an_urgent_complaint_goes_to_the_quick_response_team_which_must_act_within_2_hours(world, frozen):
    from kefu.core.scheduler import run_due
    from kefu.sla.service import QUICK_TIMER

    frozen.freeze(at(7, 10))
    shop = world.shop()
    admin = world.agent(shop, role="admin", name="店长")
    agent = world.agent(shop, group="投诉", name="普通")
    team = world.agent(shop, group="售后", role="senior", name="应急")
    supervisor = world.agent(shop, role="supervisor", name="主管")
    settings = admin.get("/api/sla/settings").json()
    r = admin.put("/api/sla/settings", {**settings, "quick_team": [team.id]})
    assert r.status_code == 200, r.text
    outsider = world.agent(world.shop())
    r = admin.put("/api/sla/settings", {**settings, "quick_team": [outsider.id]})
    assert r.status_code == 422 and "not in this shop" in r.json()["error"]["en"]

    def alerts():
        from kefu.core.events import events_after

        async def go():
            async with world.db.transaction() as s:
                return await events_after(s, shop.id, 0, limit=500)

        world.run(lambda: run_due(world.db, limit=10_000, kinds={QUICK_TIMER}))
        return [(e["data"]["ticket"]["number"], e["data"]["notify"]) for e in world.run(go)
                if e["type"] == "ticket.quick_overdue"]

    # an urgent complaint: the team member owns it, 2 business hours to act
    t = _ticket(agent, kind="投诉", priority="urgent", title="要投诉到平台")
    assert t["assignee_id"] == team.id and local(t["quick"]["due_at"]) == at(7, 12)
    frozen.freeze(at(7, 11, 59))
    assert alerts() == []
    frozen.freeze(at(7, 12, 1))
    assert alerts() == [(t["number"], "supervisors")]  # on the supervisors' workspace socket
    supervisor = world.login(supervisor.info["username"])
    assert supervisor.get("/api/tickets/board").json()["quick_overdue"] == 1
    changes = supervisor.get(f"/api/tickets/{t['number']}").json()["changes"]
    assert [c["field"] for c in changes].count("quick_overdue") == 1

    # a complaint escalated later: acted on in time, no alert
    frozen.freeze(at(7, 14))
    t2 = _ticket(agent, kind="投诉", title="商品破损")
    assert t2["quick"] is None
    r = agent.post(f"/api/tickets/{t2['number']}/escalate")
    assert r.status_code == 200 and r.json()["ticket"]["escalated_at"] and r.json()["ticket"]["assignee_id"] == team.id
    assert agent.post(f"/api/tickets/{t2['number']}/escalate").status_code == 409
    team = world.login(team.info["username"])
    team.post(f"/api/tickets/{t2['number']}/notes", {"text": "已联系买家，安排补发"})
    frozen.freeze(at(8, 9, 30))  # past its 2 business hours (Monday 14:00 → 16:00)
    assert alerts() == [(t["number"], "supervisors")]  # still only the first one
    assert world.login(supervisor.info["username"]).get("/api/tickets/board").json()["quick_overdue"] == 1


def test_the_admin_sets_the_calendar_targets_and_types_and_open_tickets_follow(world, frozen):
    frozen.freeze(at(4, 17))  # Friday 17:00
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    agent = world.agent(shop, group="售后")
    t = _ticket(agent)
    assert local(t["clocks"]["first_response"]["due_at"]) == at(9, 14)  # Mon-Wed, weekdays only
    settings = agent.get("/api/sla/settings").json()
    assert settings["targets"]["售后"]["normal"] == [24, 48] and "2026-10-01" in settings["holidays"]
    assert agent.put("/api/sla/settings", settings).status_code == 403

    # open seven days a week 9-21, Monday a holiday, a shop type of its own with 4 h / 8 h
    new = {**settings, "hours": [["09:00", "21:00"]] * 7, "holidays": ["2026-12-07"], "types": ["物流异常"],
           "targets": {**settings["targets"], "物流异常": {p: [4, 8] for p in ("low", "normal", "high", "urgent")}}}
    r = admin.put("/api/sla/settings", new)
    assert r.status_code == 200, r.text
    assert r.json()["retargeted"] == 1
    # no business time used yet: 24 h on the new calendar, Fri 17-21 (4), Sat 12, Sun 8 → Sunday 17:00
    moved = agent.get(f"/api/tickets/{t['number']}").json()
    assert local(moved["ticket"]["clocks"]["first_response"]["due_at"]) == at(6, 17)
    assert any(c["field"] == "first_response_due_at" and c["agent_id"] is None for c in moved["changes"])
    t2 = _ticket(agent, kind="物流异常")
    assert local(t2["clocks"]["resolution"]["due_at"]) == at(5, 13)  # Fri 17-21 4 h + Sat 9-13

    for bad, word in (({"hours": [["18:00", "09:00"]] * 7}, "HH:MM"),
                      ({"holidays": ["2026-13-01"]}, "YYYY-MM-DD"),
                      ({"targets": {"售后": {"normal": [50, 24]}}}, "first-response"),
                      ({"targets": {"售后": {"normal": [0, 24]}}}, "between"),
                      ({"tz": "Mars/Olympus"}, "time zone"),
                      ({"hours": [None] * 7, "workdays": []}, "open")):
        r = admin.put("/api/sla/settings", {**new, **bad})
        assert r.status_code == 422, (bad, r.text)
        if r.json()["error"]["code"] == "bad_sla_settings":
            assert word.lower() in r.json()["error"]["en"].lower(), (bad, r.text)
    assert agent.get("/api/sla/settings").json()["types"] == ["物流异常"]  # nothing half-saved


def test_a_buyer_leaves_a_message_that_becomes_a_ticket_they_can_follow(world, frozen):
    frozen.freeze(at(7, 20))  # Monday 20:00: nobody online
    shop = world.shop()
    world.agent(shop, group="售前", login=False)
    after_sale = world.agent(shop, group="售后", name="售后小张")
    buyer = world.buyer(shop)
    r = buyer.post("/api/widget/tickets", {"kind": "售后", "problem": "收到的杯子碎了\n订单 202612040398",
                                           "demand": "补发", "order_numbers": ["202612040398"]})
    assert r.status_code == 201, r.text
    mine = r.json()["ticket"]
    assert mine["title"] == "收到的杯子碎了" and mine["status"] == "open"
    assert [t["number"] for t in buyer.get("/api/widget/tickets").json()["tickets"]] == [mine["number"]]
    staff = after_sale.get(f"/api/tickets/{mine['number']}").json()["ticket"]
    assert staff["assignee_id"] == after_sale.id and staff["order_numbers"] == ["202612040398"]
    assert local(staff["clocks"]["first_response"]["due_at"]) == at(10, 15)  # from Tuesday 9:00: 9 + 9 + 6
    # no type given: what the buyer wrote says it (as a chat's intent does), and the order they named
    r = buyer.post("/api/widget/tickets", {"problem": "你们客服态度太差了，我要投诉，订单 202612040411"})
    complaint = after_sale.get(f"/api/tickets/{r.json()['ticket']['number']}").json()["ticket"]
    assert complaint["kind"] == "投诉" and complaint["order_numbers"] == ["202612040411"]
    for bad in ({"problem": ""}, {"problem": "x" * 100_000}, {"problem": "好", "kind": "闲聊"}):
        r = buyer.post("/api/widget/tickets", bad)
        assert r.status_code in (400, 422) and r.status_code != 500
    assert world.buyer(shop).get("/api/widget/tickets").json()["tickets"] == []


def test_a_breach_is_told_once_even_when_the_ticket_moves_after_it(world, frozen):
    from kefu.core.scheduler import run_due
    from kefu.sla.service import BREACH_TIMER, WARN_TIMER

    def run_timers():
        world.run(lambda: run_due(world.db, limit=10_000, kinds={WARN_TIMER, BREACH_TIMER}))

    frozen.freeze(at(7, 9))
    shop = world.shop()
    agent = world.agent(shop, group="售后")
    name = agent.info["username"]
    t = _ticket(agent, priority="urgent")  # first response due at 15:00 (6 business hours)
    frozen.freeze(at(7, 13, 30))
    run_timers()  # the warning (13:00)
    frozen.freeze(at(7, 15, 30))
    run_timers()  # the breach (15:00)
    agent = world.login(name)
    for status in ("in_progress", "waiting_buyer", "in_progress"):  # each move re-arms the past deadline
        assert agent.post(f"/api/tickets/{t['number']}/status", {"status": status}).status_code == 200
        run_timers()
    told = [(c["field"], c["after"]) for c in agent.get(f"/api/tickets/{t['number']}").json()["changes"]
            if c["field"].startswith("sla_")]
    assert told == [("sla_warning", "first_response"), ("sla_breached", "first_response")]


def test_the_ticket_list_filters_by_type_status_and_tag_and_sorts(world, frozen):
    frozen.freeze(at(7, 9))
    agent = world.agent(world.shop(), group="售后")
    a = _ticket(agent, title="A", tags=["退款", "50%_off"])
    frozen.freeze(at(7, 10))
    b = _ticket(agent, title="B", kind="投诉", priority="urgent", tags=["退款加急"])
    frozen.freeze(at(7, 11))
    c = _ticket(agent, title="C", tags=["补发"])
    agent = world.login(agent.info["username"])
    agent.post(f"/api/tickets/{c['number']}/status", {"status": "waiting_courier"})

    def numbers(query: str) -> list[str]:
        r = agent.get(f"/api/tickets?view=all&{query}")
        assert r.status_code == 200, r.text
        return [t["number"] for t in r.json()["tickets"]]

    assert numbers("tag=退款") == [a["number"]]  # the whole tag, not a prefix of another
    assert numbers("tag=50%25_off") == [a["number"]] and numbers("tag=5") == []
    assert numbers("kind=投诉") == [b["number"]]
    assert numbers("status=waiting_courier") == [c["number"]]
    assert numbers("sort=due") == [b["number"], a["number"], c["number"]]  # a paused clock: last
    assert numbers("sort=created") == [c["number"], b["number"], a["number"]]
    assert numbers("sort=updated")[0] == c["number"]
    assert agent.get("/api/tickets?sort=random").status_code == 422
