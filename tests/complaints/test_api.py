"""A complaint walked over the workspace API from soothing to the follow-up visit: fields saved per stage, moving
on refused with what is missing, responsibility on the case, the agreement card confirmed by the buyer over the
widget (only that buyer), the follow-up reminder when it falls due, audit rows and live events all the way."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.complaints.service import FOLLOWUP_EVENT, FOLLOWUP_TIMER
from tests.complaints.helpers import ANGRY, audit, compensation, complaint, events_of

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 7, 10, 0, tzinfo=SH)


def run_timers(world) -> None:
    from kefu.core.scheduler import run_due

    world.run(lambda: run_due(world.db, limit=10_000, kinds={FOLLOWUP_TIMER}))


def setup(world, text=ANGRY):
    shop = world.shop()
    agent = world.agent(shop, name="小陈")
    buyer = world.buyer(shop)
    conv = buyer.send(text).json()["conversation_id"]
    number = complaint(world, shop, conv, buyer.session["customer"]["id"], agent.id)
    return shop, agent, buyer, conv, number


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def save(agent, number, **data):
    return agent.post(f"/api/complaints/{number}/stage", {"data": data})


def test_a_complaint_walks_from_soothing_to_done(world, frozen):
    frozen.freeze(T0)
    shop, agent, buyer, conv, number = setup(world)
    c = ok(agent.get(f"/api/complaints/{number}"))["complaint"]
    assert c["stage"] == "soothe" and c["missing"] == [] and c["angry"] is True
    assert [h["key"] for h in c["heat"]] == ["hear", "empathize", "apologize"]
    assert c["stages"][0]["key"] == "soothe" and c["stage_label"]["zh"] == "安抚"
    c = ok(agent.post(f"/api/complaints/{number}/advance"))["complaint"]
    assert c["stage"] == "facts"

    # facts: required fields, refused with the list, then given
    r = agent.post(f"/api/complaints/{number}/advance")
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "stage_incomplete" and [m["key"] for m in err["missing"]] == ["what", "when", "demand"]
    assert "买家诉求" in err["zh"] and "demand" in err["en"]
    c = ok(save(agent, number, what="快递三天没到，外箱破了", when="2026-12-06T18:30:00+08:00"))["complaint"]
    assert [m["key"] for m in c["missing"]] == ["demand"]
    c = ok(save(agent, number, demand="补发并赔偿运费"))["complaint"]
    assert c["missing"] == [] and c["data"]["facts"]["what"] == "快递三天没到，外箱破了"
    ok(agent.post(f"/api/complaints/{number}/advance"))

    # responsibility goes onto the case (audited)
    ok(save(agent, number, party="courier", note="外箱破损，快递签收时已损坏"))
    c = ok(agent.post(f"/api/complaints/{number}/advance"))["complaint"]
    assert c["responsibility"] == "courier" and c["responsibility_note"].startswith("外箱")
    assert c["stage"] == "remedy" and [h["key"] for h in c["heat"]] == ["take", "empathize"]

    # remedy with compensation: pending blocks, granted lets it through
    ok(save(agent, number, text="补发一件，退运费 10 元", compensation=True))
    compensation(world, shop, number, "pending")
    r = agent.post(f"/api/complaints/{number}/advance")
    assert r.status_code == 409 and r.json()["error"]["missing"][0]["key"] == "compensation_pending"
    compensation(world, shop, number, "granted")
    r = agent.post(f"/api/complaints/{number}/advance")
    assert r.status_code == 409  # still the pending one
    from sqlalchemy import update

    from kefu.compensation.models import Compensation

    async def approve():
        async with world.db.transaction() as s:
            await s.execute(update(Compensation).where(Compensation.status == "pending",
                                                       Compensation.shop_id == shop.id).values(status="approved"))
    world.run(approve)
    c = ok(agent.post(f"/api/complaints/{number}/advance"))["complaint"]
    assert c["stage"] == "agreement" and c["data"]["agreement"]["remedy"] == "补发一件，退运费 10 元"  # prefilled

    # the agreement: deadline in the past refused, sent as a card, confirmed by the buyer
    r = save(agent, number, next_steps="今天补发，明天给您运单号", deadline="2026-12-06T10:00:00+08:00")
    assert r.status_code == 422 and r.json()["error"]["zh"] and "future" in r.json()["error"]["en"]
    r = save(agent, number, deadline="2026-12-09 18:00")
    assert r.status_code == 422 and "time zone" in r.json()["error"]["en"]
    assert ok(agent.get(f"/api/complaints/{number}"))["complaint"]["data"]["agreement"].get("next_steps") is None
    ok(save(agent, number, next_steps="今天补发，明天给您运单号", deadline="2026-12-09T18:00:00+08:00"))
    r = agent.post(f"/api/complaints/{number}/advance")
    assert [m["key"] for m in r.json()["error"]["missing"]] == ["sent"]
    sent = ok(agent.post(f"/api/complaints/{number}/agreement"), 201)
    msgs = buyer.get("/api/widget/conversation").json()["messages"]
    card = msgs[-1]["card"]
    assert msgs[-1]["id"] == sent["message_id"] and card["kind"] == "agreement" and card["number"] == number
    assert card["remedy"].startswith("补发") and card["deadline"] == "2026-12-09T18:00:00+08:00"
    assert "请您确认" in msgs[-1]["text"]
    r = agent.post(f"/api/complaints/{number}/advance")
    assert [m["key"] for m in r.json()["error"]["missing"]] == ["confirmed"]

    # another buyer of the shop cannot confirm it; a made-up number neither
    other = world.buyer(shop)
    assert other.post(f"/api/widget/complaints/{number}/confirm", {"message_id": sent["message_id"]}) \
        .status_code == 404
    assert buyer.post("/api/widget/complaints/NOPE/confirm", {}).status_code == 404
    assert world.client.post(f"/api/widget/complaints/{number}/confirm", json={}).status_code in (401, 403)
    frozen.advance(minutes=5)
    got = ok(buyer.post(f"/api/widget/complaints/{number}/confirm", {"message_id": sent["message_id"]}))
    assert got["agreement"]["confirmed_at"]
    msgs = buyer.get("/api/widget/conversation").json()["messages"]
    assert msgs[-2]["card"]["confirmed_at"] == got["agreement"]["confirmed_at"]  # the card shows it on reload
    assert "买家已确认" in msgs[-1]["text"]
    live = [e for e in events_of(world, shop.id, "case.updated") if e["data"]["action"] == "agreement_confirmed"]
    assert live and live[0]["conversation_id"] == conv and live[0]["private"] is True
    assert all(e["type"] != "case.updated" for e in buyer.get("/api/widget/events").json()["events"])
    c = ok(agent.get(f"/api/complaints/{number}"))["complaint"]
    assert c["data"]["agreement"]["confirmed_at"] and c["missing"] == []

    # follow-up: owner the case's assignee, due in 3 days, reminded when due, outcome closes it
    c = ok(agent.post(f"/api/complaints/{number}/advance"))["complaint"]
    fu = c["followup"]
    assert c["stage"] == "followup" and fu["owner_id"] == agent.id and fu["owner_name"] == "小陈"
    assert datetime.fromisoformat(fu["due_at"]) == T0 + timedelta(days=3, minutes=5)
    assert [f["id"] for f in ok(agent.get("/api/followups?mine=1"))["followups"]] == [fu["id"]]
    frozen.advance(days=3, minutes=-1)
    run_timers(world)
    assert events_of(world, shop.id, FOLLOWUP_EVENT) == []
    frozen.advance(minutes=1)
    run_timers(world)
    run_timers(world)
    due = events_of(world, shop.id, FOLLOWUP_EVENT)
    assert len(due) == 1 and due[0]["data"]["assignee_id"] == agent.id and due[0]["private"] is True
    bell = [e for e in events_of(world, shop.id, "notification.created") if e["data"]["agent_id"] == agent.id]
    assert bell and number in bell[0]["data"]["notification"]["text"]["zh"]
    agent = world.login(agent.info["username"])  # three days off: a new session
    due = ok(agent.get("/api/followups?mine=1"))["followups"][0]
    assert due["overdue"] is True and due["conversation_id"] == conv  # 我的回访 opens the chat
    r = agent.post(f"/api/followups/{fu['id']}", {"outcome": "happy", "note": ""})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_followup_outcome"
    done = ok(agent.post(f"/api/followups/{fu['id']}", {"outcome": "satisfied", "note": "买家说收到了，很满意"}))
    assert done["followup"]["outcome"] == "satisfied" and done["complaint"]["stage"] == "done"
    assert ok(agent.get(f"/api/cases/{number}"))["case"]["status"] == "closed"  # the complaint's case is over too
    assert ok(agent.get("/api/followups?mine=1"))["followups"] == []
    assert agent.post(f"/api/followups/{fu['id']}", {"outcome": "satisfied"}).status_code == 409
    assert agent.post(f"/api/complaints/{number}/advance").status_code == 409
    assert save(agent, number, note="x").status_code == 409

    trail = audit(world, number)
    stages = [(b, a) for actor, f, b, a in trail if f == "stage"]
    assert stages == [("soothe", "facts"), ("facts", "responsibility"), ("responsibility", "remedy"),
                      ("remedy", "agreement"), ("agreement", "followup"), ("followup", "done")]
    assert ("agent", "responsibility", None, "courier") in trail
    assert any(actor == "buyer" and f == "agreement.confirmed" for actor, f, _b, _a in trail)
    assert any(f == "facts.demand" and a == "补发并赔偿运费" for _actor, f, _b, a in trail)
    moves = [e for e in events_of(world, shop.id, "case.updated") if e["data"].get("action") == "stage_advanced"]
    assert len(moves) == 5 and all(e["conversation_id"] == conv for e in moves)


def test_a_changed_agreement_must_be_sent_again_and_an_old_card_cannot_be_confirmed(world, frozen):
    frozen.freeze(T0)
    _shop, agent, buyer, _conv, number = setup(world, "你好，请问一下配件的事情")
    c = ok(agent.get(f"/api/complaints/{number}"))["complaint"]
    assert c["angry"] is False and c["heat"] == []
    ok(agent.post(f"/api/complaints/{number}/advance"))
    ok(save(agent, number, what="漏发配件", when="2026-12-06T08:00:00Z", demand="补发配件"))
    ok(agent.post(f"/api/complaints/{number}/advance"))
    ok(save(agent, number, party="seller", note="仓库漏装"))
    ok(agent.post(f"/api/complaints/{number}/advance"))
    ok(save(agent, number, text="补发配件"))
    r = agent.post(f"/api/complaints/{number}/agreement")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_agreement_stage"
    ok(agent.post(f"/api/complaints/{number}/advance"))
    r = agent.post(f"/api/complaints/{number}/agreement")
    assert r.status_code == 409 and r.json()["error"]["code"] == "agreement_incomplete"
    ok(save(agent, number, next_steps="明天发出", deadline="2026-12-10T12:00:00+08:00"))
    first = ok(agent.post(f"/api/complaints/{number}/agreement"), 201)["message_id"]
    c = ok(save(agent, number, deadline="2026-12-11T12:00:00+08:00"))["complaint"]
    assert c["data"]["agreement"]["sent_at"] is None and [m["key"] for m in c["missing"]] == ["sent"]
    second = ok(agent.post(f"/api/complaints/{number}/agreement"), 201)["message_id"]
    r = buyer.post(f"/api/widget/complaints/{number}/confirm", {"message_id": first})
    assert r.status_code == 409 and r.json()["error"]["code"] == "agreement_outdated"
    ok(buyer.post(f"/api/widget/complaints/{number}/confirm", {"message_id": second}))
    ok(buyer.post(f"/api/widget/complaints/{number}/confirm", {"message_id": second}))  # twice: the same answer
    assert [f for _actor, f, _b, _a in audit(world, number)].count("agreement.confirmed") == 1


def test_reopen_is_for_supervisors_and_only_backwards(world, frozen):
    frozen.freeze(T0)
    shop, agent, _buyer, _conv, number = setup(world)
    boss = world.agent(shop, role="supervisor", name="主管")
    ok(agent.post(f"/api/complaints/{number}/advance"))
    ok(save(agent, number, what="态度差", when="2026-12-07T09:00:00+08:00", demand="道歉"))
    ok(agent.post(f"/api/complaints/{number}/advance"))
    assert agent.post(f"/api/complaints/{number}/reopen", {"stage": "facts"}).status_code == 403
    r = boss.post(f"/api/complaints/{number}/reopen", {"stage": "remedy"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_reopen_stage"
    c = ok(boss.post(f"/api/complaints/{number}/reopen", {"stage": "facts", "note": "时间记错了"}))["complaint"]
    assert c["stage"] == "facts" and c["data"]["facts"]["demand"] == "道歉"  # nothing recorded is lost
    trail = audit(world, number)
    assert ("agent", "stage", "responsibility", "facts") in trail
    assert ("agent", "stage.reopen_note", None, "时间记错了") in trail


def test_bad_input_is_a_clear_4xx_and_loses_nothing(world, frozen):
    frozen.freeze(T0)
    _shop, agent, _buyer, _conv, number = setup(world)
    ok(agent.post(f"/api/complaints/{number}/advance"))
    ok(save(agent, number, what="破了", when="2026-12-07T09:00:00+08:00", demand="换新"))
    for data, code in [({"when": "2026-12-08T09:00:00+08:00"}, "bad_complaint_field"),
                       ({"what": "长" * 2001}, "bad_complaint_field"),
                       ({"bogus": "x"}, "bad_complaint_field"),
                       ({"what": {"nested": 1}}, "invalid_request"),
                       ({f"k{i}": "x" for i in range(11)}, "invalid_request")]:
        r = save(agent, number, **data)
        assert r.status_code == 422, (data, r.text)
        assert r.json()["error"]["code"] == code and r.json()["error"]["zh"] and r.json()["error"]["en"]
    c = ok(agent.get(f"/api/complaints/{number}"))["complaint"]
    assert c["data"]["facts"] == {"what": "破了", "when": "2026-12-07T09:00:00+08:00", "demand": "换新"}
    assert agent.get("/api/complaints/NOSUCH").status_code == 404
    assert agent.get("/api/complaints/" + "x" * 40).status_code == 422
    other = world.agent(world.shop())
    assert other.get(f"/api/complaints/{number}").status_code == 404
    assert other.post(f"/api/complaints/{number}/advance").status_code == 404
    assert agent.post("/api/followups/0", {"outcome": "satisfied"}).status_code == 422
    assert agent.post("/api/followups/99999999", {"outcome": "satisfied"}).status_code == 404
    assert agent.patch(f"/api/followups/{2**31}", {}).status_code == 422


def test_follow_up_owner_and_due_time_can_change(world, frozen):
    frozen.freeze(T0)
    shop, agent, buyer, _conv, number = setup(world)
    mate = world.agent(shop, name="小刘")
    for step in (None, {"what": "a", "when": "2026-12-07T09:00:00+08:00", "demand": "b"},
                 {"party": "platform", "note": "平台活动规则"}, {"text": "道歉并解释"}):
        if step:
            ok(save(agent, number, **step))
        ok(agent.post(f"/api/complaints/{number}/advance"))
    ok(save(agent, number, next_steps="解释规则", deadline="2026-12-08T10:00:00+08:00"))
    msg = ok(agent.post(f"/api/complaints/{number}/agreement"), 201)["message_id"]
    ok(buyer.post(f"/api/widget/complaints/{number}/confirm", {"message_id": msg}))
    fu = ok(agent.post(f"/api/complaints/{number}/advance"))["complaint"]["followup"]
    r = agent.patch(f"/api/followups/{fu['id']}", {"due_at": "2026-12-07T09:00:00+08:00"})
    assert r.status_code == 422
    other_shop_agent = world.agent(world.shop())
    assert agent.patch(f"/api/followups/{fu['id']}", {"owner_id": other_shop_agent.id}).status_code == 404
    assert other_shop_agent.patch(f"/api/followups/{fu['id']}", {"owner_id": mate.id}).status_code == 404
    got = ok(agent.patch(f"/api/followups/{fu['id']}", {"owner_id": mate.id,
                                                         "due_at": "2026-12-08T10:00:00+08:00"}))["followup"]
    assert got["owner_name"] == "小刘" and datetime.fromisoformat(got["due_at"]) == T0 + timedelta(days=1)
    assert ok(agent.get("/api/followups?mine=1"))["followups"] == []
    assert [f["id"] for f in ok(mate.get("/api/followups?mine=1"))["followups"]] == [fu["id"]]
    assert [f["id"] for f in ok(agent.get("/api/followups"))["followups"]] == [fu["id"]]
    frozen.advance(days=1, seconds=1)
    run_timers(world)
    due = events_of(world, shop.id, FOLLOWUP_EVENT)
    assert [e["data"]["assignee_id"] for e in due] == [mate.id]
    frozen.advance(days=3)
    run_timers(world)
    assert len(events_of(world, shop.id, FOLLOWUP_EVENT)) == 1  # the old due time was replaced, not added
    mate = world.login(mate.info["username"])
    done = ok(mate.post(f"/api/followups/{fu['id']}", {"outcome": "unreachable", "note": "电话未接"}))
    assert done["complaint"]["stage"] == "done" and done["followup"]["outcome_label"]["zh"] == "联系不上"


def test_a_kind_other_than_complaint_is_not_a_complaint(world):
    from sqlalchemy import update

    from kefu.aftersales.models import AftersaleCase

    _shop, agent, _buyer, _conv, number = setup(world)

    async def go():
        async with world.db.transaction() as s:
            await s.execute(update(AftersaleCase).where(AftersaleCase.number == number).values(kind="return"))
    world.run(go)
    r = agent.get(f"/api/complaints/{number}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "complaint_not_found"


def test_responsibility_decided_on_the_case_itself_counts_for_the_stage(world, frozen):
    """The case's own panel may decide responsibility (another endpoint): the complaint stage sees it."""
    from sqlalchemy import update

    from kefu.aftersales.models import AftersaleCase

    frozen.freeze(T0)
    _shop, agent, _buyer, _conv, number = setup(world)
    ok(agent.post(f"/api/complaints/{number}/advance"))
    ok(save(agent, number, what="少发一件", when="2026-12-07T09:00:00+08:00", demand="补发"))
    c = ok(agent.post(f"/api/complaints/{number}/advance"))["complaint"]
    assert [m["key"] for m in c["missing"]] == ["party", "note"]

    async def go():
        async with world.db.transaction() as s:
            await s.execute(update(AftersaleCase).where(AftersaleCase.number == number)
                            .values(responsibility="seller", responsibility_note="仓库漏发"))
    world.run(go)
    c = ok(agent.get(f"/api/complaints/{number}"))["complaint"]
    assert c["missing"] == [] and c["data"]["responsibility"] == {"party": "seller", "note": "仓库漏发"}
    c = ok(save(agent, number, note="仓库漏发，已核对出库单"))["complaint"]
    assert c["responsibility_note"] == "仓库漏发，已核对出库单" and c["responsibility"] == "seller"
    assert ok(agent.post(f"/api/complaints/{number}/advance"))["complaint"]["stage"] == "remedy"


def test_sending_a_complaint_back_from_the_follow_up_cancels_the_visit(world, frozen):
    frozen.freeze(T0)
    shop, agent, buyer, _conv, number = setup(world)
    boss = world.agent(shop, role="supervisor", name="主管")
    for step in (None, {"what": "a", "when": "2026-12-07T09:00:00+08:00", "demand": "b"},
                 {"party": "seller", "note": "c"}, {"text": "d"}):
        if step:
            ok(save(agent, number, **step))
        ok(agent.post(f"/api/complaints/{number}/advance"))
    ok(save(agent, number, next_steps="e", deadline="2026-12-08T10:00:00+08:00"))
    msg = ok(agent.post(f"/api/complaints/{number}/agreement"), 201)["message_id"]
    ok(buyer.post(f"/api/widget/complaints/{number}/confirm", {"message_id": msg}))
    fu = ok(agent.post(f"/api/complaints/{number}/advance"))["complaint"]["followup"]
    c = ok(boss.post(f"/api/complaints/{number}/reopen", {"stage": "remedy", "note": "买家不满意，重新给方案"}))
    assert c["complaint"]["stage"] == "remedy" and c["complaint"]["followup"]["outcome"] == "cancelled"
    assert ok(agent.get("/api/followups"))["followups"] == []
    assert agent.post(f"/api/followups/{fu['id']}", {"outcome": "satisfied"}).status_code == 409
    frozen.advance(days=4)
    run_timers(world)
    assert events_of(world, shop.id, FOLLOWUP_EVENT) == []  # its reminder went with it
