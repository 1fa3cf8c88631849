"""Buyer-type flags (委屈 / 发泄 / 恶意): set by an agent with the evidence, seen by every later agent of the shop,
cleared only by a supervisor (kept on record with who cleared it), invisible to and unreachable from other shops."""

from __future__ import annotations

from tests.complaints.helpers import events_of


def test_flags_are_set_with_evidence_seen_by_colleagues_and_cleared_by_a_supervisor(world):
    shop = world.shop()
    first = world.agent(shop, name="小赵")
    later = world.agent(shop, name="小钱")
    boss = world.agent(shop, role="supervisor", name="主管")
    buyer = world.buyer(shop)
    conv = buyer.send("不给我赔偿我就去差评，还要找小二").json()["conversation_id"]
    cid = buyer.session["customer"]["id"]
    r = first.post(f"/api/customers/{cid}/flags", {"flag": "malicious", "note": "威胁差评和平台介入来要补偿",
                                                   "conversation_id": conv})
    assert r.status_code == 201, r.text
    flag = r.json()["flag"]
    assert flag["label"] == {"zh": "恶意", "en": "Malicious"} and flag["agent_name"] == "小赵"
    assert flag["hint"]["zh"] and "policy" in flag["hint"]["en"]
    assert first.post(f"/api/customers/{cid}/flags", {"flag": "venting", "note": "连发十条语气很冲"}).status_code == 201

    seen = later.get(f"/api/customers/{cid}/flags").json()["flags"]
    assert [f["flag"] for f in seen] == ["venting", "malicious"] and seen[1]["note"].startswith("威胁")
    assert seen[1]["conversation_id"] == conv and seen[1]["created_at"]

    r = later.post(f"/api/customers/{cid}/flags/{flag['id']}/clear")
    assert r.status_code == 403 and r.json()["error"]["zh"]
    r = boss.post(f"/api/customers/{cid}/flags/{flag['id']}/clear")
    assert r.status_code == 200, r.text
    cleared = r.json()["flag"]
    assert cleared["active"] is False and cleared["cleared_by_name"] == "主管" and cleared["cleared_at"]
    assert [f["flag"] for f in later.get(f"/api/customers/{cid}/flags").json()["flags"]] == ["venting"]
    kept = later.get(f"/api/customers/{cid}/flags?all=1").json()["flags"]
    assert [(f["flag"], f["active"]) for f in kept] == [("venting", True), ("malicious", False)]
    live = events_of(world, shop.id, "customer.flagged")
    assert len(live) == 3 and all(e["private"] and e["customer_id"] == cid for e in live)
    assert all(e["type"] != "customer.flagged" for e in buyer.get("/api/widget/events").json()["events"])


def test_bad_flags_and_other_shops_are_refused(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    buyer.send("你好")
    cid = buyer.session["customer"]["id"]
    for body, code in [({"flag": "angry", "note": "x"}, "bad_buyer_flag"),
                       ({"flag": "venting", "note": "   "}, "bad_buyer_flag"),
                       ({"flag": "venting"}, "invalid_request"),
                       ({"flag": "venting", "note": "x" * 3000}, "invalid_request"),
                       ({"flag": "venting", "note": "x" * 1500}, "bad_buyer_flag"),
                       ({"flag": "venting", "note": "ok", "conversation_id": 0}, "invalid_request")]:
        r = agent.post(f"/api/customers/{cid}/flags", body)
        assert r.status_code == 422 and r.json()["error"]["code"] == code, (body, r.text)
        assert r.json()["error"]["zh"] and r.json()["error"]["en"]
    assert agent.get(f"/api/customers/{cid}/flags").json()["flags"] == []

    other_shop = world.shop()
    stranger = world.agent(other_shop)
    boss = world.agent(other_shop, role="supervisor")
    assert stranger.get(f"/api/customers/{cid}/flags").status_code == 404
    r = stranger.post(f"/api/customers/{cid}/flags", {"flag": "venting", "note": "x"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "customer_not_found"
    flag = agent.post(f"/api/customers/{cid}/flags", {"flag": "wronged", "note": "被转了三次"}).json()["flag"]
    assert boss.post(f"/api/customers/{cid}/flags/{flag['id']}/clear").status_code == 404
    other_buyer = world.buyer(other_shop)
    other_conv = other_buyer.send("hi").json()["conversation_id"]
    r = agent.post(f"/api/customers/{cid}/flags", {"flag": "venting", "note": "x", "conversation_id": other_conv})
    assert r.status_code == 404
    assert agent.get(f"/api/customers/{2**31}/flags").status_code == 422
    assert agent.get(f"/api/customers/{cid}/flags").json()["flags"][0]["active"] is True
