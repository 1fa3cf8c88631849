"""Compensation over the API: granted within authority, beyond it a request a supervisor approves (counted) or
rejects, decided once; limits per case and per day; roles; other shops; bad amounts; concurrent grants; the
admin's limits; the audit trail."""

from __future__ import annotations

import asyncio

import pytest

from tests.compensation.helpers import make_case, offer


def audit_rows(world, number: str) -> list[str]:
    from sqlalchemy import select

    from kefu.aftersales.models import AftersaleCase, CaseChange

    async def go():
        async with world.db.transaction() as s:
            case = await s.scalar(select(AftersaleCase).where(AftersaleCase.number == number))
            return list(await s.scalars(select(CaseChange.after).where(
                CaseChange.case_id == case.id, CaseChange.field == "compensation").order_by(CaseChange.id)))

    return world.run(go)


def err(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    e = r.json()["error"]
    assert e["code"] == code and e["zh"] and e["en"], e
    return e


def test_within_authority_is_granted_at_once_and_counted(world):
    shop = world.shop()
    agent = world.agent(shop, name="小美")
    number = make_case(world, shop)
    r = offer(agent, number, "coupon", "12.5")
    assert r.status_code == 201, r.text
    c = r.json()["compensation"]
    assert (c["status"], c["amount_fen"], c["agent_name"], c["kind_label"]["zh"]) == ("granted", 1250, "小美", "优惠券")
    assert r.json()["decision"]["within"] is True
    a = agent.get(f"/api/compensation/authority?case={number}").json()
    assert (a["case_left_fen"], a["day_left_fen"], a["given_today_fen"]) == (750, 8_750, 1250)
    listed = agent.get(f"/api/cases/{number}/compensations").json()
    assert listed["granted_fen"] == 1250 and [x["status"] for x in listed["compensations"]] == ["granted"]
    assert listed["authority"]["case_left_fen"] == 750 and listed["order_paid_fen"] == 11_000
    assert audit_rows(world, number) == [f"granted #{c['id']} coupon ¥12.50 granted"]


def test_beyond_authority_needs_a_note_then_waits_for_a_supervisor(world):
    shop = world.shop()
    agent = world.agent(shop)
    boss = world.agent(shop, role="supervisor", name="王主管")
    number = make_case(world, shop)
    e = err(offer(agent, number, "coupon", "30"), 422, "note_required")
    assert "本单还可给 ¥20" in e["zh"] and e["decision"]["rule"] == "case_limit"
    assert agent.get(f"/api/cases/{number}/compensations").json()["compensations"] == []  # nothing stored

    r = offer(agent, number, "coupon", "30", note="买家等了一周，鞋底开胶")
    assert r.status_code == 201 and r.json()["compensation"]["status"] == "pending"
    assert r.json()["decision"]["rule"] == "case_limit"
    pending = boss.get("/api/compensation/requests?status=pending").json()["requests"]
    assert len(pending) == 1
    p = pending[0]
    assert p["case"]["number"] == number and p["case"]["order_paid_fen"] == 11_000 and p["case"]["reason"] == "defect"
    assert p["note"] == "买家等了一周，鞋底开胶" and p["agent_name"] == "小李" and p["my_decision"]["within"] is True

    r = boss.post(f"/api/compensation/requests/{p['id']}/approve", {"note": "同意"})
    assert r.status_code == 200, r.text
    c = r.json()["compensation"]
    assert (c["status"], c["decided_by_name"], c["decision_note"]) == ("approved", "王主管", "同意")
    # counted: on the case (the agent has nothing left there) and on the approver's day
    assert agent.get(f"/api/compensation/authority?case={number}").json()["case_left_fen"] == 0
    assert agent.get("/api/compensation/authority").json()["given_today_fen"] == 0
    assert boss.get("/api/compensation/authority").json()["given_today_fen"] == 3_000
    assert boss.get("/api/compensation/requests").json()["requests"] == []
    err(boss.post(f"/api/compensation/requests/{p['id']}/approve", {}), 409, "already_decided")
    err(boss.post(f"/api/compensation/requests/{p['id']}/reject", {"note": "晚了"}), 409, "already_decided")
    assert [x.split(" ")[0] for x in audit_rows(world, number)] == ["requested", "approved"]


def test_rejection_needs_a_reason_and_counts_nothing(world):
    shop = world.shop()
    agent = world.agent(shop)
    boss = world.agent(shop, role="supervisor")
    number = make_case(world, shop)
    cid = offer(agent, number, "partial_refund", "5", note="想补一点").json()["compensation"]["id"]  # kind not allowed
    err(boss.post(f"/api/compensation/requests/{cid}/reject", {"note": "  "}), 422, "note_required")
    r = boss.post(f"/api/compensation/requests/{cid}/reject", {"note": "已给过优惠券"})
    assert r.json()["compensation"]["status"] == "rejected"
    assert agent.get(f"/api/cases/{number}/compensations").json()["granted_fen"] == 0
    assert boss.get("/api/compensation/requests?status=rejected").json()["requests"][0]["id"] == cid
    assert [x.split(" ")[0] for x in audit_rows(world, number)] == ["requested", "rejected"]


def test_per_day_limit_counts_every_case_of_the_agent(world):
    shop = world.shop()
    agent = world.agent(shop)
    other = world.agent(shop)
    for _ in range(5):
        assert offer(agent, make_case(world, shop), "gift", "20").json()["compensation"]["status"] == "granted"
    number = make_case(world, shop)
    e = err(offer(agent, number, "gift", "0.01"), 422, "note_required")
    assert e["decision"]["rule"] == "day_limit" and "今日还可给 ¥0" in e["zh"]
    assert offer(other, number, "gift", "20").json()["compensation"]["status"] == "granted"  # a colleague's own day


def test_only_supervisors_decide_and_never_their_own_request(world):
    shop = world.shop()
    agent = world.agent(shop)
    senior = world.agent(shop, role="senior")
    boss = world.agent(shop, role="supervisor")
    number = make_case(world, shop)
    cid = offer(agent, number, "coupon", "50", note="差评威胁").json()["compensation"]["id"]
    for who in (agent, senior):
        err(who.post(f"/api/compensation/requests/{cid}/approve", {}), 403, "role_forbidden")
        err(who.get("/api/compensation/requests"), 403, "role_forbidden")
    own = offer(boss, number, "coupon", "300", note="大额").json()["compensation"]
    assert own["status"] == "pending"  # beyond a supervisor's own per-case limit
    err(boss.post(f"/api/compensation/requests/{own['id']}/approve", {}), 403, "own_request")
    assert agent.get(f"/api/cases/{number}/compensations").json()["granted_fen"] == 0


def test_beyond_the_supervisors_limit_only_an_admin_approves(world):
    shop = world.shop()
    agent = world.agent(shop)
    boss = world.agent(shop, role="supervisor")
    owner = world.agent(shop, role="admin")
    number = make_case(world, shop, paid_fen=100_000)
    offer(agent, number, "gift", "15")
    cid = offer(agent, number, "coupon", "250", note="整单质量问题").json()["compensation"]["id"]
    listed = boss.get("/api/compensation/requests").json()["requests"][0]
    assert listed["case"]["granted"] == [{"kind": "gift", "amount_fen": 1_500, "status": "granted"}]
    assert listed["case"]["granted_fen"] == 1_500
    mine = listed["my_decision"]
    assert mine["within"] is False and "店铺管理员" in mine["reason"]["zh"]
    e = err(boss.post(f"/api/compensation/requests/{cid}/approve", {}), 403, "beyond_approver_authority")
    assert "¥185" in e["zh"]  # ¥200 per case, ¥15 already given
    assert boss.get("/api/compensation/requests").json()["requests"][0]["status"] == "pending"  # still waiting
    assert owner.post(f"/api/compensation/requests/{cid}/approve", {}).json()["compensation"]["status"] == "approved"


def test_partial_refund_cannot_exceed_what_the_order_paid(world):
    shop = world.shop()
    senior = world.agent(shop, role="senior")
    owner = world.agent(shop, role="admin")
    number = make_case(world, shop, paid_fen=3_000, shipping_fen=500)
    assert offer(senior, number, "partial_refund", "30").json()["compensation"]["status"] == "granted"
    e = err(offer(owner, number, "partial_refund", "5.01"), 422, "refund_too_high")
    assert "¥5" in e["zh"] and "paid amount" in e["en"]
    assert offer(owner, number, "partial_refund", "5").status_code == 201
    err(offer(owner, make_case(world, shop, order=False), "partial_refund", "1"), 422, "refund_without_order")
    refunded = make_case(world, shop, paid_fen=3_000, shipping_fen=0, refund_fen=3_000)  # the case refunds it all
    err(offer(owner, refunded, "partial_refund", "1"), 422, "refund_too_high")
    assert len(owner.get(f"/api/cases/{number}/compensations").json()["compensations"]) == 2


@pytest.mark.parametrize("body,code", [
    ({"kind": "coupon", "amount": 0}, "bad_amount"),
    ({"kind": "coupon", "amount": -3}, "bad_amount"),
    ({"kind": "coupon", "amount": "abc"}, "bad_amount"),
    ({"kind": "coupon", "amount": "1.001"}, "bad_amount"),
    ({"kind": "coupon", "amount": 1e9}, "bad_amount"),
    ({"kind": "cash", "amount": 5}, "bad_kind"),
    ({"kind": "coupon", "amount": 5, "note": "长" * 501}, "invalid_request"),
    ({"kind": "coupon"}, "invalid_request"),
    ({"kind": "x" * 30, "amount": 5}, "invalid_request"),
])
def test_bad_input_is_a_clear_4xx_and_stores_nothing(world, body, code):
    shop = world.shop()
    agent = world.agent(shop)
    number = make_case(world, shop)
    assert offer(agent, number, "coupon", "1").status_code == 201
    r = agent.post(f"/api/cases/{number}/compensations", body)
    err(r, 422, code)
    assert len(agent.get(f"/api/cases/{number}/compensations").json()["compensations"]) == 1


def test_another_shops_case_and_request_are_not_found(world):
    shop, other = world.shop(), world.shop()
    agent = world.agent(shop)
    boss = world.agent(other, role="supervisor")
    number = make_case(world, shop)
    cid = offer(agent, number, "coupon", "99", note="x").json()["compensation"]["id"]
    err(boss.get(f"/api/cases/{number}/compensations"), 404, "case_not_found")
    err(offer(boss, number), 404, "case_not_found")
    err(boss.post(f"/api/compensation/requests/{cid}/approve", {}), 404, "request_not_found")
    assert boss.get("/api/compensation/requests").json()["requests"] == []
    err(boss.get("/api/compensation/authority?case=NOPE"), 404, "case_not_found")
    err(boss.post("/api/compensation/requests/0/approve", {}), 422, "invalid_request")
    err(boss.post(f"/api/compensation/requests/{2**31}/approve", {}), 422, "invalid_request")
    err(boss.get("/api/compensation/requests?status=weird"), 422, "invalid_request")


def test_concurrent_grants_do_not_pass_the_limit(world):
    from kefu.agents.models import Agent
    from kefu.compensation import service

    shop = world.shop()
    agent = world.agent(shop)
    number = make_case(world, shop)

    async def one():
        async with world.db.transaction() as s:
            me = await s.get(Agent, agent.id)
            try:
                return (await service.offer(s, me, number, "coupon", 1_500, ""))["compensation"]["status"]
            except Exception as exc:  # the second one sees the first's grant and needs a note
                return getattr(exc, "code", repr(exc))

    async def both():
        return await asyncio.gather(one(), one())

    assert sorted(world.run(both)) == ["granted", "note_required"]
    assert agent.get(f"/api/cases/{number}/compensations").json()["granted_fen"] == 1_500


def test_admin_limits_are_validated_stored_and_applied(world):
    shop = world.shop()
    owner = world.agent(shop, role="admin", name="店长")
    agent = world.agent(shop)
    boss = world.agent(shop, role="supervisor")
    got = owner.get("/api/admin/compensation/limits").json()
    assert got["limits"]["roles"]["agent"]["per_case_fen"] == 2_000 and got["updated_at"] is None
    err(boss.get("/api/admin/compensation/limits"), 403, "role_forbidden")
    err(boss.put("/api/admin/compensation/limits", got["limits"]), 403, "role_forbidden")
    bad = {"roles": {"agent": {"per_case_fen": -100, "per_day_fen": 1000, "kinds": ["coupon"]}}}
    e = err(owner.put("/api/admin/compensation/limits", bad), 422, "bad_limits")
    assert "roles.agent.per_case_fen" in e["zh"] and "negative" in e["en"]
    bad = {"roles": {"agent": {"per_case_fen": 5000, "per_day_fen": 1000, "kinds": ["coupon"]}}}
    assert "per_day_fen" in err(owner.put("/api/admin/compensation/limits", bad), 422, "bad_limits")["en"]
    assert owner.get("/api/admin/compensation/limits").json()["updated_at"] is None  # nothing saved

    good = {"roles": {"agent": {"per_case_fen": 5_000, "per_day_fen": 20_000, "kinds": ["coupon", "partial_refund"]}}}
    r = owner.put("/api/admin/compensation/limits", good)
    assert r.status_code == 200, r.text
    assert r.json()["updated_by"] == "店长" and r.json()["updated_at"]
    assert r.json()["limits"]["roles"]["senior"]["per_case_fen"] == 5_000  # the others keep their defaults
    number = make_case(world, shop)
    assert offer(agent, number, "partial_refund", "50").json()["compensation"]["status"] == "granted"
    assert offer(agent, number, "gift", "1", note="送个小样").json()["compensation"]["status"] == "pending"
    a = agent.get("/api/compensation/authority").json()
    assert (a["per_case_fen"], a["kinds"], a["day_left_fen"]) == (5_000, ["coupon", "partial_refund"], 15_000)


def test_live_events_reach_supervisors_and_the_agent_but_never_the_buyer(world):
    from tests.conversations.test_realtime import is_event, until

    shop = world.shop()
    agent = world.agent(shop)
    boss = world.agent(shop, role="supervisor")
    buyer = world.buyer(shop)
    assert buyer.send("鞋底开胶了").status_code in (200, 201)
    conv_id = buyer.get("/api/widget/conversation").json()["conversation"]["id"]
    customer_id = buyer.session["customer"]["id"]
    number = make_case(world, shop, conversation_id=conv_id, customer_id=customer_id)
    with agent.ws() as aws, boss.ws() as sws, buyer.ws() as bws:
        for ws in (aws, sws, bws):
            until(ws, lambda f: f["type"] == "ready")
        cid = offer(agent, number, "coupon", "80", note="补偿运费和误工").json()["compensation"]["id"]
        ev = until(sws, is_event("compensation.updated"))["event"]
        assert ev["data"]["action"] == "requested" and ev["data"]["compensation"]["id"] == cid
        assert ev["data"]["case"]["number"] == number
        until(aws, is_event("compensation.updated"))
        boss.post(f"/api/compensation/requests/{cid}/approve", {"note": "可以"})
        ev = until(aws, is_event("compensation.updated"))["event"]
        c = ev["data"]["compensation"]
        assert (c["status"], c["decision_note"]) == ("approved", "可以")
        # the buyer's socket: the agent's next reply arrives, and nothing about compensation came before it
        agent.post(f"/api/conversations/{conv_id}/take")
        agent.post(f"/api/conversations/{conv_id}/messages", {"text": "您好，已为您处理", "client_msg_id": "c-1"})
        frames = []
        while True:
            f = bws.receive_json()
            frames.append(f)
            if f["type"] == "event" and f["event"]["type"] == "message.created" \
                    and f["event"]["data"]["message"]["sender"] == "agent":
                break
        assert not [f for f in frames if f.get("event", {}).get("type") == "compensation.updated"]


def test_the_day_is_the_shops_local_day(world, frozen):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    sh = ZoneInfo("Asia/Shanghai")
    frozen.freeze(datetime(2026, 12, 7, 23, 50, tzinfo=sh))  # 15:50 UTC: still 7 December in Beijing
    shop = world.shop()
    agent = world.agent(shop)
    for _ in range(5):
        offer(agent, make_case(world, shop), "coupon", "20")
    a = agent.get("/api/compensation/authority").json()
    assert (a["day"], a["day_left_fen"]) == ("2026-12-07", 0)
    assert offer(agent, make_case(world, shop), "coupon", "1").status_code == 422  # beyond today's limit
    frozen.freeze(datetime(2026, 12, 8, 0, 5, tzinfo=sh))  # 16:05 UTC the same UTC day, but a new day in the shop
    a = agent.get("/api/compensation/authority").json()
    assert (a["day"], a["day_left_fen"], a["given_today_fen"]) == ("2026-12-08", 10_000, 0)
    assert offer(agent, make_case(world, shop), "coupon", "20").json()["compensation"]["status"] == "granted"


def test_approvals_count_against_the_approvers_day(world):
    shop = world.shop()
    owner = world.agent(shop, role="admin")
    agent = world.agent(shop)
    boss = world.agent(shop, role="supervisor")
    limits = {"roles": {"supervisor": {"per_case_fen": 10_000, "per_day_fen": 15_000, "kinds": ["coupon"]}}}
    assert owner.put("/api/admin/compensation/limits", limits).status_code == 200
    first = offer(agent, make_case(world, shop), "coupon", "100", note="a").json()["compensation"]["id"]
    second = offer(agent, make_case(world, shop), "coupon", "100", note="b").json()["compensation"]["id"]
    assert boss.post(f"/api/compensation/requests/{first}/approve", {}).status_code == 200
    e = err(boss.post(f"/api/compensation/requests/{second}/approve", {}), 403, "beyond_approver_authority")
    assert "今日还可给 ¥50" in e["zh"]
    refund = offer(agent, make_case(world, shop), "partial_refund", "1", note="c").json()["compensation"]["id"]
    e = err(boss.post(f"/api/compensation/requests/{refund}/approve", {}), 403, "beyond_approver_authority")
    assert "部分退款" in e["zh"]  # a kind the supervisor may not give either
    assert owner.post(f"/api/compensation/requests/{second}/approve", {}).status_code == 200


def test_a_closed_case_takes_no_more_compensation(world):
    shop = world.shop()
    agent = world.agent(shop)
    number = make_case(world, shop, status="closed")
    err(offer(agent, number), 409, "case_closed")
    assert agent.get(f"/api/cases/{number}/compensations").json()["compensations"] == []


def test_the_limits_page_is_for_admins_in_both_languages(world):
    shop = world.shop()
    owner = world.agent(shop, role="admin")
    boss = world.agent(shop, role="supervisor")
    r = owner.get("/admin/compensation")
    assert r.status_code == 200 and "补偿权限" in r.text and 'src="/static/js/comp-admin.js"' in r.text
    assert 'data-role="trainer"' in r.text and 'value="partial_refund"' in r.text
    assert " style=" not in r.text and "<style" not in r.text
    assert "Compensation limits" in owner.get("/admin/compensation?lang=en").text
    world.client.cookies.clear()  # the language cookie: not for the other tests
    assert boss.get("/admin/compensation").status_code == 403
    page = boss.get("/supervisor").text
    assert 'id="sv-approvals"' in page and 'src="/static/js/sv-approvals.js"' in page and "补偿审批" in page
