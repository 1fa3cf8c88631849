"""The demo shop's after-sale work in progress, seen through the API its team uses: a return awaiting the parcel,
a wrong item reshipped at once, a complaint at the responsibility stage with the buyer flagged, and a coupon
beyond the emotion-support agent's authority waiting in the supervisor's approvals."""

from __future__ import annotations

from kefu.demo.seed import DEMO_PASSWORD, load_demo


def test_the_demo_has_cases_a_complaint_and_a_request_to_approve(world):
    world.run(load_demo, world.db)
    boss = world.login("laowang", DEMO_PASSWORD)
    pending = boss.get("/api/compensation/requests?status=pending").json()["requests"]
    assert len(pending) == 1 and pending[0]["amount"] in ("50", "50.00", 50, 50.0)
    assert pending[0]["agent_name"] == "阿琳"
    chenjie = world.login("chenjie", DEMO_PASSWORD)
    by_kind = {}
    for status in ("awaiting_return", "reshipped"):
        for c in chenjie.get(f"/api/cases?status={status}").json()["cases"]:
            by_kind[c["kind"]] = c
    assert by_kind["return"]["outcome"]["return_shipping_payer"] == "shop"  # a defect: the shop pays the parcel
    assert by_kind["reship"]["outcome"]["reship_now"] is True
    complaint = next(c for c in chenjie.get("/api/cases?status=open").json()["cases"] if c["kind"] == "complaint")
    view = chenjie.get(f"/api/complaints/{complaint['number']}").json()["complaint"]
    assert view["stage"] == "responsibility" and view["angry"] is True
    flags = chenjie.get(f"/api/customers/{complaint['customer_id']}/flags").json()["flags"]
    assert [f["flag"] for f in flags] == ["venting"]
