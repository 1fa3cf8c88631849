"""Chat lines stored together (kefu.chatlines.service.store_lines): at a peak, the text lines of many
sockets that arrive while the database is busy are written in a few statements for all of them. What a buyer
and an agent see must not change: the same messages in the same order, the same acknowledgements, the same
conversation rows and events as when each line is stored on its own — including the lines the bulk writer
leaves to the ordinary path (a resend, a chat the bot may answer, a line understood with other context)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from kefu.chatlines import service as lines
from kefu.conversations import rules, service
from kefu.conversations.models import Conversation, Message
from kefu.conversations.schemas import message_out
from kefu.core import batch
from kefu.core.batch import GroupCommit
from kefu.core.events import events_after, last_event_id
from kefu.customers.models import Customer
from kefu.nlu import service as nlu
from tests.conversations.test_realtime import until

ROW = ("status", "assignee_id", "last_seq", "agent_unread", "agent_read_seq", "last_preview", "buyer_context",
       "intent", "intent_confidence", "emotion", "anger", "abusive")


def _chats(world):
    """A shop with agents A and B; buyers 1 and 2 served by A, buyer 3 waiting for a person."""
    shop = world.shop()
    a, b = world.agent(shop, login=False), world.agent(shop, name="阿杰", login=False)
    ids = [world.buyer(shop).send(text, "open").json()["conversation_id"] for text in ("在吗", "你好", "有人吗")]

    async def go():
        async with world.db.transaction() as s:
            for conv_id in ids[:2]:
                await service.take(s, a, conv_id)
            convs = [await s.get(Conversation, i) for i in ids]
            return [await s.get(Customer, c.customer_id) for c in convs], [list(c.buyer_context) for c in convs]

    customers, contexts = world.run(go)
    return shop, a, b, ids, customers, contexts


def _buyer(customer, text, cmid, context):
    ahead = (list(context), nlu.essentials(text, context))

    async def plain(s):
        msg, conv, created = await service.post_buyer_message(s, customer, text, cmid, None, None, ahead)
        return _result(msg, conv, created)

    return batch.unit(plain, lines.LINES, lines.Line(customer.shop_id, text, cmid, _result,
                                                         customer_id=customer.id, ahead=ahead))


def _agent(agent, conv_id, text, cmid, private=False):
    async def plain(s):
        msg, conv, created = await service.post_agent_message(s, agent, conv_id, text, private=private,
                                                              client_msg_id=cmid)
        return _result(msg, conv, created)

    return batch.unit(plain, lines.LINES, lines.Line(agent.shop_id, text, cmid, _result, agent=agent,
                                                         conversation_id=conv_id, private=private))


def _result(msg, conv, created=True):
    out = message_out(msg, internal=False)
    return created, conv.id, {k: out[k] for k in ("seq", "sender", "text", "private", "client_msg_id")}


def _scenario(world, bulk: bool):
    shop, a, b, ids, (c1, c2, c3), (x1, x2, x3) = _chats(world)
    first = "我的快递到哪了"
    units = [
        _buyer(c1, first, "b1-1", x1),
        _buyer(c1, "订单尾号 3721", "b1-2", rules.next_context(x1, first)),  # understood after b1-1: taken too
        _agent(a, ids[0], "马上帮您查", "a-1"),
        _agent(a, ids[0], "记一下：要退货", "a-2", private=True),
        _agent(b, ids[0], "我来补充一句", "b-1", private=True),  # a colleague's note in A's chat
        _buyer(c2, "衣服起球了能退吗", "b2-1", ["别的话"]),  # understood with other lines: NLU again, ordinary path
        _buyer(c2, "好的谢谢", "b2-2", x2),  # after a line left to the ordinary path: so is this one
        _buyer(c3, "有优惠券吗", "b3-1", x3),  # nobody serves buyer 3: the bot's turn, ordinary path
        _buyer(c1, first, "b1-1", x1),  # a resend: acknowledged as the line stored above, not stored again
        _agent(a, ids[1], "稍等", "a-3"),  # after buyer 2's lines, which went the ordinary way: so does this
    ]
    taken: list[int] = []

    async def go():
        async with world.db.transaction() as s:
            head = await last_event_id(s, shop.id)
        group = GroupCommit(world.db.run)
        writer = batch.BULK.pop(lines.LINES)
        if bulk:
            async def counting(s, items):
                done = await writer(s, items)
                taken.extend(sorted(done))
                return done

            batch.BULK[lines.LINES] = counting
        try:
            results = await asyncio.gather(*(group.run(u) for u in units))
        finally:
            batch.BULK[lines.LINES] = writer
        assert group.batches == 1
        async with world.db.transaction() as s:
            evs = await events_after(s, shop.id, head)
            rows = {c.id: c for c in await s.scalars(select(Conversation).where(Conversation.id.in_(ids)))}
            msgs = (await s.scalars(select(Message).where(Message.conversation_id.in_(ids))
                                    .order_by(Message.conversation_id, Message.seq))).all()
        n = {conv_id: i for i, conv_id in enumerate(ids)}
        return {
            "results": [(created, n[cid], out) for created, cid, out in results],
            "rows": [{k: getattr(rows[i], k) == getattr(a, "id", None) if k == "assignee_id" else getattr(rows[i], k)
                      for k in ROW} | {"answered": rows[i].first_response_at is not None} for i in ids],
            "messages": [(n[m.conversation_id], m.seq, m.sender, m.text, m.private, m.client_msg_id, m.analysis)
                         for m in msgs],
            "events": [(e["type"], n.get(e["conversation_id"]), _event(e["data"])) for e in evs],
        }

    return world.run(go), taken


def _event(data: dict) -> dict:
    msg, conv = data.get("message") or {}, data.get("conversation") or {}
    return {"message": {k: msg.get(k) for k in ("seq", "sender", "text", "private", "client_msg_id", "analysis")},
            "conversation": {k: conv.get(k) for k in ("status", "last_seq", "agent_unread", "agent_read_seq",
                                                     "last_preview", "intent", "anger", "assignee_name")},
            "routing": data.get("routing", False)}


def test_lines_stored_together_look_exactly_like_lines_stored_one_by_one(world):
    together, taken = _scenario(world, bulk=True)
    one_by_one, _ = _scenario(world, bulk=False)
    assert taken == [0, 1, 2, 3, 4]  # the buyer lines of a served chat and the agents' lines
    assert together == one_by_one
    results = together["results"]
    assert [r[2]["seq"] for r in results[:3]] == [3, 4, 5]  # after 在吗 and "客服小李为您服务"
    assert results[8] == (False, 0, results[0][2])  # the resend: acknowledged as the first, not stored again
    assert sum(m[5] == "b1-1" for m in together["messages"]) == 1
    assert together["rows"][0]["agent_unread"] == 0 and together["rows"][0]["answered"]


def test_an_agent_answering_a_colleagues_chat_is_refused_as_before(world):
    _shop, a, b, ids, (c1, *_), (x1, *_) = _chats(world)

    async def go():
        group = GroupCommit(world.db.run)
        return await asyncio.gather(group.run(_buyer(c1, "还在吗", "b1", x1)),
                                    group.run(_agent(b, ids[0], "我来答", "b-1")),
                                    group.run(_agent(a, ids[0], "在的", "a-1")), return_exceptions=True)

    mine, refused, answer = world.run(go)
    assert refused.code == "not_your_chat"
    assert mine[2]["seq"] == 3 and answer[2]["seq"] == 4


@pytest.mark.parametrize("conversation_id", ["12", None, [1], 2**40, True])
def test_an_agent_line_naming_no_valid_conversation_gets_the_ordinary_error(world, conversation_id):
    _shop, a, _b, _ids, (c1, *_), (x1, *_) = _chats(world)

    async def go():
        group = GroupCommit(world.db.run)
        return await asyncio.gather(group.run(_buyer(c1, "还在吗", "b1", x1)),
                                    group.run(_agent(a, conversation_id, "在的", "a-1")), return_exceptions=True)

    mine, refused = world.run(go)
    assert mine[0] and mine[2]["seq"] == 3
    assert isinstance(refused, Exception)


def test_socket_lines_arriving_together_are_stored_together_and_acknowledged_as_their_own(world, monkeypatch):
    """Through the sockets, as at a peak: lines from two buyers and their agent that arrive while a batch is
    on its way are stored together — a buyer socket's first line too (it asks for its understanding with the
    chat's last lines as they were when it connected, here a line sent over HTTP before); each socket gets its
    own acknowledgement, and a buyer's next line (asked with the lines the previous acknowledgement stored) is
    taken together again."""
    async def ahead(text, context):  # the NLU worker's answer, without a worker process
        return nlu.essentials(text, context)

    monkeypatch.setattr(nlu, "essentials_ahead", ahead)
    drain = GroupCommit._drain_all

    async def gathering(self):  # let the frames sent in one go arrive before the batch starts
        await asyncio.sleep(0.2)
        await drain(self)

    monkeypatch.setattr(GroupCommit, "_drain_all", gathering)
    writer, taken = batch.BULK[lines.LINES], []

    async def counting(s, items):
        done = await writer(s, items)
        taken.append((len(items), len(done)))
        return done

    monkeypatch.setitem(batch.BULK, lines.LINES, counting)
    shop = world.shop()
    agent = world.agent(shop)
    buyers = [world.buyer(shop) for _ in range(2)]
    ids = [b.send("在吗", "open").json()["conversation_id"] for b in buyers]
    for conv_id in ids:
        assert agent.post(f"/api/conversations/{conv_id}/take").status_code == 200
    with buyers[0].ws() as w1, buyers[1].ws() as w2, agent.ws() as wa:
        for ws in (w1, w2, wa):
            until(ws, lambda f: f["type"] == "ready")
        w1.send_json({"type": "message", "text": "我的快递三天没动了", "client_msg_id": "x1"})
        w2.send_json({"type": "message", "text": "能开发票吗", "client_msg_id": "y1"})
        wa.send_json({"type": "message", "conversation_id": ids[0], "text": "马上帮您查", "client_msg_id": "a1"})
        acks = [until(ws, lambda f: f["type"] == "ack") for ws in (w1, w2, wa)]
        w1.send_json({"type": "message", "text": "急用，麻烦快点", "client_msg_id": "x2"})
        w2.send_json({"type": "message", "text": "抬头写公司名", "client_msg_id": "y2"})
        again = [until(ws, lambda f: f["type"] == "ack") for ws in (w1, w2)]
    assert taken == [(3, 3), (2, 2)]
    assert [(a["client_msg_id"], a["conversation_id"], a["message"]["seq"], a["duplicate"]) for a in acks] == [
        ("x1", ids[0], 3, False), ("y1", ids[1], 3, False), ("a1", ids[0], 4, False)]
    assert "analysis" not in acks[0]["message"] and acks[2]["message"]["agent_name"] == "小李"
    assert [(a["client_msg_id"], a["message"]["seq"]) for a in again] == [("x2", 5), ("y2", 4)]
    shown = agent.get(f"/api/conversations/{ids[0]}").json()
    assert [m["text"] for m in shown["messages"]][2:] == ["我的快递三天没动了", "马上帮您查", "急用，麻烦快点"]
    assert shown["conversation"]["agent_unread"] == 1 and shown["messages"][2]["analysis"]["intent"]


def test_lines_of_two_shops_stored_together_land_in_their_own_shop_and_event_log(world, monkeypatch):
    one, two = _chats(world), _chats(world)
    writer, taken = batch.BULK[lines.LINES], []

    async def counting(s, items):
        done = await writer(s, items)
        taken.append(sorted(done))
        return done

    monkeypatch.setitem(batch.BULK, lines.LINES, counting)

    async def go():
        heads = []
        async with world.db.transaction() as s:
            for shop in (one[0], two[0]):
                heads.append(await last_event_id(s, shop.id))
        group = GroupCommit(world.db.run)
        (_, a1, _, ids1, (c1, *_), (x1, *_)), (_, a2, _, ids2, (d1, *_), (y1, *_)) = one, two
        results = await asyncio.gather(group.run(_buyer(c1, "店一的问题", "s1", x1)),
                                       group.run(_buyer(d1, "店二的问题", "s2", y1)),
                                       group.run(_agent(a2, ids2[0], "店二回复", "t2")),
                                       group.run(_agent(a1, ids1[0], "店一回复", "t1")))
        async with world.db.transaction() as s:
            logs = [await events_after(s, shop.id, head) for shop, head in zip((one[0], two[0]), heads, strict=True)]
        return group.batches, results, logs

    batches, results, logs = world.run(go)
    assert batches == 1 and taken == [[0, 1, 2, 3]]
    assert [r[2]["text"] for r in results] == ["店一的问题", "店二的问题", "店二回复", "店一回复"]
    texts = [[e["data"]["message"]["text"] for e in log if e["type"] == "message.created"] for log in logs]
    assert texts == [["店一的问题", "店一回复"], ["店二的问题", "店二回复"]]
    assert all([e["id"] for e in log] == list(range(log[0]["id"], log[0]["id"] + len(log))) for log in logs)
