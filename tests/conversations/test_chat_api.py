"""The chat loop over HTTP: buyer writes, agent sees, replies, buyer sees; history and receipts persist."""

from __future__ import annotations


def test_buyer_message_reaches_agent_and_reply_reaches_buyer(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)

    r = buyer.send("你好，我的快递三天没动了", "c-1")
    assert r.status_code == 201, r.text
    conv_id = r.json()["conversation_id"]
    assert r.json()["message"]["seq"] == 1

    listed = agent.get("/api/conversations?status=waiting").json()["conversations"]
    assert [c["id"] for c in listed] == [conv_id]
    assert listed[0]["agent_unread"] == 1
    assert listed[0]["last_preview"] == "你好，我的快递三天没动了"
    assert listed[0]["waiting_since"] is not None

    r = agent.post(f"/api/conversations/{conv_id}/messages", {"text": "您好，我马上帮您查一下物流"})
    assert r.status_code == 201, r.text
    conv = r.json()["conversation"]
    assert conv["status"] == "assigned" and conv["assignee_id"] == agent.id
    assert conv["first_response_at"] is not None

    snap = buyer.get("/api/widget/conversation").json()
    assert [(m["sender"], m["text"]) for m in snap["messages"]] == [
        ("buyer", "你好，我的快递三天没动了"), ("agent", "您好，我马上帮您查一下物流")]
    assert snap["conversation"]["assignee_name"] == "小李"


def test_private_note_is_hidden_from_buyer(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("请问有发票吗").json()["conversation_id"]
    agent.post(f"/api/conversations/{conv_id}/messages", {"text": "这位买家上周投诉过", "private": True})
    agent_view = agent.get(f"/api/conversations/{conv_id}").json()
    assert [m["private"] for m in agent_view["messages"]] == [False, True]
    assert agent_view["conversation"]["status"] == "waiting"  # a note does not take the chat
    buyer_view = buyer.get("/api/widget/conversation").json()
    assert [m["text"] for m in buyer_view["messages"]] == ["请问有发票吗"]
    events = buyer.get("/api/widget/events").json()["events"]
    assert all("这位买家" not in str(e) for e in events)


def test_repeated_client_msg_id_is_stored_once(world):
    shop = world.shop()
    buyer = world.buyer(shop)
    first = buyer.send("在吗", "same-id")
    second = buyer.send("在吗", "same-id")
    assert first.status_code == 201 and second.status_code == 201
    assert second.json()["duplicate"] is True
    assert second.json()["message"]["seq"] == first.json()["message"]["seq"]
    assert len(buyer.get("/api/widget/conversation").json()["messages"]) == 1


def test_close_reopen_and_new_conversation_after_close(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("衣服尺码偏大吗").json()["conversation_id"]
    assert agent.post(f"/api/conversations/{conv_id}/take").json()["conversation"]["status"] == "assigned"
    closed = agent.post(f"/api/conversations/{conv_id}/close").json()["conversation"]
    assert closed["status"] == "closed" and closed["closed_at"]
    assert agent.post(f"/api/conversations/{conv_id}/close").status_code == 409
    reopened = agent.post(f"/api/conversations/{conv_id}/reopen").json()["conversation"]
    assert reopened["status"] == "assigned" and reopened["closed_at"] is None
    agent.post(f"/api/conversations/{conv_id}/close")
    new_id = buyer.send("还有一个问题").json()["conversation_id"]
    assert new_id != conv_id
    history = agent.get(f"/api/conversations/{new_id}").json()["history"]
    assert {h["id"] for h in history} == {conv_id, new_id}


def test_read_receipts_both_ways(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("你好").json()["conversation_id"]
    buyer.send("有人吗")
    r = agent.post(f"/api/conversations/{conv_id}/read", {"seq": 2})
    assert r.json() == {"agent_read_seq": 2, "agent_unread": 0}
    agent.post(f"/api/conversations/{conv_id}/messages", {"text": "在的"})
    assert buyer.post(f"/api/widget/conversations/{conv_id}/read", {"seq": 3}).json()["buyer_read_seq"] == 3
    conv = agent.get(f"/api/conversations/{conv_id}").json()["conversation"]
    assert conv["buyer_read_seq"] == 3 and conv["agent_read_seq"] == 3  # replying counts as reading


def test_buyer_messages_carry_their_analysis_for_agents_only(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("你们什么破快递，三天了还不到！！！").json()["conversation_id"]
    view = agent.get(f"/api/conversations/{conv_id}").json()
    analysis = view["messages"][0]["analysis"]
    assert analysis["intent"]["label"] == "logistics"
    assert analysis["emotion"]["label"] == "angry" and analysis["emotion"]["anger"] >= 0.5
    conv = view["conversation"]
    assert conv["intent"] == "logistics" and conv["emotion"] == "angry" and conv["anger"] >= 0.5
    # the buyer never sees how their words were judged
    assert "analysis" not in buyer.get("/api/widget/conversation").json()["messages"][0]
    assert all("analysis" not in str(e) for e in buyer.get("/api/widget/events").json()["events"])
    # the event that routing listens to carries it
    created = [e for e in agent.get("/api/events").json()["events"]
               if e["type"] == "message.created" and e["conversation_id"] == conv_id]
    assert created[0]["data"]["message"]["analysis"]["emotion"]["label"] == "angry"
    assert created[0]["data"]["conversation"]["emotion"] == "angry"


def test_conversation_anger_cools_down_over_calm_messages(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("你们什么破快递，三天了还不到！！！气死我了").json()["conversation_id"]
    hot = agent.get(f"/api/conversations/{conv_id}").json()["conversation"]["anger"]
    for text in ("好的", "谢谢", "麻烦帮我看看", "嗯嗯", "好的谢谢", "收到"):
        buyer.send(text)
    cooled = agent.get(f"/api/conversations/{conv_id}").json()["conversation"]
    assert cooled["anger"] < hot and cooled["emotion"] != "angry"
    assert cooled["intent"] == "logistics"  # a settled intent is not overwritten by small talk
