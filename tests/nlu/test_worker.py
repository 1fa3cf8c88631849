"""Buyer lines understood in a worker process, off the event loop (issue #11): the same answers as inline, used
by the chat when the conversation's context is the one the socket expected, and a dead worker costs nothing
but the speed-up."""

from __future__ import annotations

import os
import signal

import pytest

from kefu.conversations import service as chat
from kefu.nlu import service as nlu
from tests.conversations.test_realtime import until

LINES = ["你好，在吗", "我的订单 202612070001 怎么还没发货？？", "你们这什么破服务，气死我了！！！", "转人工"]


@pytest.fixture
def pool():
    nlu.start_pool(1)
    yield
    nlu.stop_pool()


async def _ahead_all() -> list:
    context: list[str] = []
    out = []
    for text in LINES:
        out.append((await nlu.essentials_ahead(text, context), nlu.essentials(text, context)))
        context = [*context, text][-3:]
    return out


def test_the_worker_answers_as_the_loop_would(pool):
    import asyncio

    for ahead, inline in asyncio.run(_ahead_all()):
        assert ahead == inline


def test_a_killed_worker_means_inline_understanding_not_an_error(pool):
    import asyncio

    assert asyncio.run(nlu.essentials_ahead("在吗", [])) is not None
    worker = nlu._workers[0]
    os.kill(worker.proc.pid, signal.SIGKILL)
    worker.proc.join(timeout=5)
    assert asyncio.run(nlu.essentials_ahead("在吗", [])) is None  # and the next line is understood inline
    assert worker.broken


def test_socket_lines_use_the_worker_and_the_chat_reads_them_the_same(world, pool, monkeypatch):
    inline_calls: list[str] = []
    real = chat._analyze
    monkeypatch.setattr(chat, "_analyze", lambda text, context: inline_calls.append(text) or real(text, context))
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    with buyer.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        for i, text in enumerate(LINES[:3]):
            ws.send_json({"type": "message", "text": text, "client_msg_id": f"w{i}"})
            until(ws, lambda f: f["type"] == "ack")
    conv_id = buyer.get("/api/widget/conversation").json()["conversation"]["id"]
    shown = agent.get(f"/api/conversations/{conv_id}").json()
    assert inline_calls == []  # every line was understood ahead, in the worker
    buyer_lines = [m for m in shown["messages"] if m["sender"] == "buyer"]
    context: list[str] = []
    for m, text in zip(buyer_lines, LINES, strict=False):
        expected = nlu.essentials(text, context)
        assert m["analysis"]["intent"] == expected["intent"] and m["analysis"]["emotion"] == {
            k: expected["emotion"][k] for k in ("label", "anger", "abusive")}
        context = [*context, text][-3:]
    assert shown["conversation"]["emotion"] == "angry" and shown["conversation"]["anger"] >= 0.5
