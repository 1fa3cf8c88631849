"""Reply-template fields the conversation knows are filled in: the order and tracking numbers the buyer gave
(as kefu.nlu stored them with each message) and the buyer's name."""

from __future__ import annotations

from kefu.knowledge import rules


def test_numbers_come_from_the_latest_messages_stored_entities_first():
    rows = [  # newest first, as (text, stored analysis)
        ("好的谢谢", {"entities": {}}),
        ("123456789012这个是我的订单号", None),  # analysed before orders of this shape were recognised
        ("运单号 YT9876543210123", {"entities": {"tracking_numbers": [{"text": "YT9876543210123"}]}}),
        ("旧订单 2501011234567890123", {"entities": {"order_numbers": [{"text": "2501011234567890123"}]}}),
    ]
    assert rules.numbers_from_messages(rows) == {"订单号": "123456789012", "快递单号": "YT9876543210123"}
    assert rules.numbers_from_messages([("你好", None)]) == {}


def test_aliases_take_the_field_they_name():
    values = rules.with_aliases({"订单号": "123", "快递单号": None, "买家昵称": "王小明"})
    assert values["订单编号"] == "123" and values["买家姓名"] == "王小明" and "运单号" not in values
    text, missing = rules.fill_variables("{买家姓名}您好，订单 {订单编号} 已发出，运单号 {运单号}", values)
    assert text == "王小明您好，订单 123 已发出，运单号 {运单号}" and missing == ["运单号"]


def test_render_prefills_what_the_buyer_said(kb):
    t, agent = kb["trainer"], kb["agent"]
    body = {"scene": "logistics", "title": "发货通知", "shortcut": "fh-notice",
            "body": "{买家昵称}您好，订单 {订单号} 已发出，运单号 {快递单号}"}
    tid = t.post("/api/kb/templates", body).json()["template"]["id"]
    buyer = kb["world"].buyer(kb["shop"])
    conv_id = buyer.send("123456789012 这个是我的订单号，发货了吗").json()["conversation_id"]
    r = agent.post(f"/api/kb/templates/{tid}/render", {"conversation_id": conv_id}).json()
    assert "订单 123456789012 已发出" in r["text"] and r["missing"] == ["快递单号"]
    customer = agent.get(f"/api/conversations/{conv_id}").json()["conversation"]["customer"]
    assert customer["display_name"] and r["text"].startswith(f"{customer['display_name']}您好")
