"""Quick replies: the built-in four until an admin sets shop defaults, each agent's own pins over them,
and who may edit what."""

from __future__ import annotations


def template(editor, shortcut: str, title: str, body: str) -> int:
    r = editor.post("/api/kb/templates", {"scene": "greeting", "title": title, "shortcut": shortcut, "body": body})
    assert r.status_code == 201, r.text
    return r.json()["template"]["id"]


def labels(r) -> list[str]:
    assert r.status_code == 200, r.text
    return [i["label"] for i in r.json()["items"]]


def test_defaults_then_own_pins_then_back_to_defaults(world):
    shop = world.shop()
    admin = world.agent(shop, role="admin", name="店长")
    agent = world.agent(shop, name="小李")
    other = world.agent(shop, name="小王")
    assert labels(agent.get("/api/quick-replies")) == ["问候", "要订单号", "稍等", "结束语"]
    assert labels(agent.get("/api/quick-replies?lang=en"))[0] == "Greeting"

    hello = template(admin, "hi", "开场白", "您好，我是{客服名}，很高兴为您服务")
    ship = template(admin, "fh", "发货时间", "下单后 48 小时内发货")
    r = admin.put("/api/quick-replies/defaults", {"items": [{"template_id": ship}, {"template_id": hello}]})
    assert r.status_code == 200 and r.json()["defaults_source"] == "shop"
    got = agent.get("/api/quick-replies").json()
    assert [i["label"] for i in got["items"]] == ["发货时间", "开场白"] and got["source"] == "shop"
    assert got["items"][1]["text"] == "您好，我是{客服名}，很高兴为您服务" and got["items"][1]["template_id"] == hello

    own = {"label": "查件", "text": "我帮您查一下物流"}
    mine = agent.put("/api/quick-replies/mine", {"items": [{"template_id": hello}, own]})
    assert labels(mine) == ["开场白", "查件"] and mine.json()["source"] == "mine"
    assert labels(other.get("/api/quick-replies")) == ["发货时间", "开场白"]  # the others keep the defaults
    assert labels(agent.put("/api/quick-replies/mine", {"items": []})) == []  # all unpinned stays unpinned
    r = agent.client.delete("/api/quick-replies/mine", headers=agent.headers())
    assert labels(r) == ["发货时间", "开场白"] and r.json()["source"] == "shop"

    admin.client.delete(f"/api/kb/templates/{ship}", headers=admin.headers())  # a deleted template's pin goes
    assert labels(agent.get("/api/quick-replies")) == ["开场白"]


def test_only_admin_or_trainer_set_defaults_and_bad_items_are_422(world):
    shop, elsewhere = world.shop(), world.shop()
    agent = world.agent(shop)
    supervisor = world.agent(shop, role="supervisor")
    trainer = world.agent(shop, role="trainer")
    foreign = template(world.agent(elsewhere, role="admin"), "x", "别家的", "别家的话术")
    for who in (agent, supervisor):
        r = who.put("/api/quick-replies/defaults", {"items": [{"label": "好", "text": "好的"}]})
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed_quick_reply_defaults"
    assert trainer.put("/api/quick-replies/defaults", {"items": [{"text": "好的收到"}]}).status_code == 200
    assert labels(agent.get("/api/quick-replies")) == ["好的收到"]
    r = agent.put("/api/quick-replies/mine", {"items": [{"template_id": foreign}]})  # another shop's template
    assert r.status_code == 404 and r.json()["error"]["code"] == "template_not_found"
    for bad, code in (([["x"]], "invalid_request"), ([{"text": "  "}], "quick_reply_empty"),
                      ([{"text": "长" * 501}], "quick_reply_too_long"), ([{"template_id": "1"}], "bad_quick_replies"),
                      ([{"text": "好"}] * 13, "too_many_quick_replies"),
                      ([{"label": 5, "text": "好"}], "bad_quick_replies")):
        r = agent.put("/api/quick-replies/mine", {"items": bad})
        assert r.status_code == 422 and r.json()["error"]["code"] == code, (bad, r.text)
    assert world.client.get("/api/quick-replies").status_code == 401
