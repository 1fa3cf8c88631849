"""Photos on tickets: an agent's reply or note and the buyer's message carry images; the buyer sees those on
their own ticket's replies only; refused uploads and bad keys are clear 4xx that store nothing and lose
nothing; the timer that deletes unsent uploads keeps a ticket's photos."""

from __future__ import annotations

import pytest

from kefu.attachments import rules
from tests.attachments.conftest import upload_as_agent, upload_as_buyer
from tests.attachments.images import opened, photo


@pytest.fixture
def case(world):
    """A shop, its agent, a buyer who chatted, and the ticket the agent opened from that chat."""
    shop = world.shop()
    agent = world.agent(shop, name="小王")
    buyer = world.buyer(shop)
    conv = buyer.send("收到的杯子有裂纹，订单 202612040398", "t-1").json()["conversation_id"]
    r = agent.post("/api/tickets", {"kind": "售后", "title": "杯子有裂纹", "conversation_id": conv})
    assert r.status_code == 201, r.text
    return shop, agent, buyer, r.json()["ticket"]["number"]


def _notes(agent, number: str) -> list[dict]:
    return [n for n in agent.get(f"/api/tickets/{number}").json()["notes"] if n["author"] != "system"]


def test_an_agent_replies_with_photos_only_and_the_buyer_opens_them(case):
    _shop, agent, buyer, number = case
    first = upload_as_agent(agent, photo(size=(800, 600), fmt="PNG")).json()["attachment"]
    second = upload_as_agent(agent).json()["attachment"]
    r = agent.post(f"/api/tickets/{number}/notes", {"attachments": [first["id"], second["id"]]})
    assert r.status_code == 201, r.text
    assert r.json()["ticket"]["clocks"]["first_response"]["state"] == "met"  # a photo is a reply too
    note = r.json()["notes"][-1]
    assert note["text"] == rules.IMAGE_PLACEHOLDER and not note["internal"]
    assert [a["id"] for a in note["attachments"]] == [first["id"], second["id"]]
    shown = note["attachments"][0]
    assert (shown["width"], shown["height"], shown["thumb_width"], shown["thumb_height"]) == (800, 600, 320, 240)
    assert shown["url"] == f"/api/attachments/{first['id']}" and shown["thumb_url"].endswith("/thumb")

    mine = buyer.get("/api/widget/tickets").json()["tickets"][0]
    assert [a["id"] for a in mine["messages"][-1]["attachments"]] == [first["id"], second["id"]]
    got = buyer.get(first["url"])
    assert got.status_code == 200 and opened(got.content).size == (800, 600)
    assert buyer.get(second["thumb_url"]).status_code == 200


def test_the_buyer_adds_a_photo_to_their_ticket_and_the_agent_sees_it(case):
    _shop, agent, buyer, number = case
    agent.post(f"/api/tickets/{number}/status", {"status": "waiting_buyer"})
    att = upload_as_buyer(buyer, photo(size=(640, 480))).json()["attachment"]
    r = buyer.post(f"/api/widget/tickets/{number}/messages", {"text": "裂纹在杯底，见照片", "attachments": [att["id"]]})
    assert r.status_code == 201, r.text
    t = r.json()["ticket"]
    assert t["status"] == "in_progress"  # the buyer answered: back to the shop
    assert t["messages"][-1]["text"] == "裂纹在杯底，见照片"
    assert t["messages"][-1]["attachments"][0]["id"] == att["id"]
    note = _notes(agent, number)[-1]
    assert note["author"] == "buyer" and [a["id"] for a in note["attachments"]] == [att["id"]]
    assert agent.get(att["url"]).status_code == 200
    # a photo already on the ticket cannot be sent again, neither on the ticket nor in the chat
    again = buyer.post(f"/api/widget/tickets/{number}/messages", {"attachments": [att["id"]]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "attachment_already_sent"
    assert buyer.post("/api/widget/messages", {"attachment_id": att["id"], "client_msg_id": "x"}).status_code == 409


def test_the_buyer_sees_their_tickets_photos_but_not_an_internal_notes_nor_another_buyers(case, world):
    shop, agent, buyer, number = case
    reply = upload_as_agent(agent).json()["attachment"]
    inside = upload_as_agent(agent).json()["attachment"]
    agent.post(f"/api/tickets/{number}/notes", {"text": "请看安装示意图", "attachments": [reply["id"]]})
    r = agent.post(f"/api/tickets/{number}/notes", {"text": "仓库出库照片", "internal": True,
                                                    "attachments": [inside["id"]]})
    assert r.status_code == 201 and r.json()["notes"][-1]["attachments"][0]["id"] == inside["id"]

    missing = buyer.get("/api/attachments/" + "A" * 32)
    for url in (inside["url"], inside["thumb_url"]):
        refused = buyer.get(url)
        assert refused.status_code == 404 and refused.json() == missing.json()  # as if it did not exist
    assert buyer.get(reply["url"]).status_code == 200
    messages = buyer.get("/api/widget/tickets").json()["tickets"][0]["messages"]
    assert [m["text"] for m in messages] == ["请看安装示意图"]  # never the internal note, nor its photo

    other = world.buyer(shop)  # a buyer of the same shop with a ticket of their own
    conv = other.send("我的也坏了", "o-1").json()["conversation_id"]
    agent.post("/api/tickets", {"kind": "售后", "title": "也坏了", "conversation_id": conv})
    theirs = upload_as_buyer(other).json()["attachment"]
    other_number = other.get("/api/widget/tickets").json()["tickets"][0]["number"]
    assert other.post(f"/api/widget/tickets/{other_number}/messages",
                      {"attachments": [theirs["id"]]}).status_code == 201
    for who, url in ((other, reply["url"]), (buyer, theirs["url"]), (buyer, theirs["thumb_url"])):
        refused = who.get(url)
        assert refused.status_code == 404 and refused.json() == missing.json()
    stranger = world.agent(world.shop("别家店"))
    assert stranger.get(reply["url"]).status_code == 404
    assert world.agent(shop, name="小周").get(theirs["url"]).status_code == 200  # every agent of the shop


def test_an_oversized_photo_and_a_renamed_text_file_are_refused_and_nothing_is_lost(case, settings):
    _shop, agent, buyer, number = case
    kept = upload_as_buyer(buyer).json()["attachment"]
    assert buyer.post(f"/api/widget/tickets/{number}/messages",
                      {"text": "先发一张", "attachments": [kept["id"]]}).status_code == 201
    stored = sorted(p.name for p in (settings.data_dir / "attachments").rglob("*"))

    big = photo() + b"\0" * (11 * rules.MB)  # a real JPEG, padded past 10 MB
    for r in (upload_as_buyer(buyer, big, name="big.jpg"), upload_as_agent(agent, big, name="big.jpg")):
        assert r.status_code == 413
        err = r.json()["error"]
        assert err["code"] == "image_too_large" and "10 MB" in err["zh"] and "10 MB" in err["en"]
    text = "订单 202612040398，请尽快退款\n".encode() * 40
    for r in (upload_as_buyer(buyer, text, name="defect.jpg"), upload_as_agent(agent, text, name="x.jpg",
                                                                                 mime="image/jpeg")):
        assert r.status_code == 415
        err = r.json()["error"]
        assert err["code"] == "not_an_image" and "图片" in err["zh"] and "image" in err["en"]

    assert sorted(p.name for p in (settings.data_dir / "attachments").rglob("*")) == stored
    messages = buyer.get("/api/widget/tickets").json()["tickets"][0]["messages"]
    assert [m["text"] for m in messages] == ["先发一张"] and messages[0]["attachments"][0]["id"] == kept["id"]
    assert buyer.get(kept["url"]).status_code == 200


def test_a_bad_image_key_refuses_the_whole_note(case, world):
    shop, agent, buyer, number = case
    good = upload_as_agent(agent).json()["attachment"]
    before = agent.get(f"/api/tickets/{number}").json()
    colleague = world.agent(shop, name="小周")
    other_shop_agent = world.agent(world.shop("别家店"))
    buyers_photo = upload_as_buyer(buyer).json()["attachment"]
    foreign = upload_as_agent(other_shop_agent).json()["attachment"]
    for keys, status in (([good["id"], "B" * 32], 404),  # one good, one made up
                         ([good["id"], foreign["id"]], 404),  # another shop's upload
                         ([buyers_photo["id"]], 404),  # the buyer's upload is theirs to send
                         ([good["id"], "../../etc/passwd"], 404),
                         ([good["id"]] * 2 + [upload_as_agent(agent).json()["attachment"]["id"] for _ in range(6)],
                          422)):  # seven different images: too many
        r = agent.post(f"/api/tickets/{number}/notes", {"text": "您好，已处理", "attachments": keys})
        assert r.status_code == status, r.text
        err = r.json()["error"]
        assert err["zh"] and err["en"]
    assert r.json()["error"]["code"] == "too_many_images" and "6" in r.json()["error"]["zh"]
    after = agent.get(f"/api/tickets/{number}").json()
    assert after["notes"] == before["notes"]  # nothing stored ...
    assert after["ticket"]["first_responded_at"] is None  # ... and the clock not met by a note that is not there

    empty = agent.post(f"/api/tickets/{number}/notes", {"text": "  ", "attachments": []})
    assert empty.status_code == 422 and "图片" in empty.json()["error"]["zh"] and "photo" in empty.json()["error"]["en"]
    r = buyer.post(f"/api/widget/tickets/{number}/messages", {"text": "看图", "attachments": [good["id"]]})
    assert r.status_code == 404  # an agent's upload is not the buyer's to send
    assert len(buyer.get("/api/widget/tickets").json()["tickets"][0]["messages"]) == 0

    # the good photo was not used up by the refused notes; a colleague may send it with a reply
    r = colleague.post(f"/api/tickets/{number}/notes", {"text": "这是正确的安装方式", "attachments": [good["id"]]})
    assert r.status_code == 201 and r.json()["notes"][-1]["attachments"][0]["id"] == good["id"]


def test_the_unsent_upload_cleanup_keeps_a_tickets_photo(frozen, case, world, settings):
    from kefu.attachments.service import UNSENT_TIMER

    shop, agent, buyer, number = case
    on_ticket = upload_as_buyer(buyer).json()["attachment"]
    buyer.post(f"/api/widget/tickets/{number}/messages", {"attachments": [on_ticket["id"]]})
    on_note = upload_as_agent(agent).json()["attachment"]
    agent.post(f"/api/tickets/{number}/notes", {"internal": True, "attachments": [on_note["id"]]})
    forgotten = upload_as_buyer(buyer).json()["attachment"]
    folder = settings.data_dir / "attachments"
    frozen.advance(hours=24, seconds=1)
    # Run this test's own cleanup timers: with several test workers on one PostgreSQL database another worker
    # could claim them and look for the files under its own data dir (in production all instances share one).
    keys = [a["id"] for a in (on_ticket, on_note, forgotten)]

    async def own_timers():
        from sqlalchemy import select

        from kefu.attachments.jobs import drop_unsent
        from kefu.attachments.models import Attachment
        from kefu.core.scheduler import Timer

        async with world.db.transaction() as s:
            ids = [a.id for a in await s.scalars(select(Attachment).where(Attachment.key.in_(keys)))]
            timers = (await s.scalars(select(Timer).where(Timer.kind == UNSENT_TIMER, Timer.done_at.is_(None),
                                                          Timer.due_at <= frozen.now()))).all()
            mine = [t for t in timers if int(t.payload["attachment_id"]) in ids]
            assert len(mine) == 3  # each upload armed its cleanup, due now
            for timer in mine:
                await drop_unsent(s, timer)

    world.run(own_timers)
    assert list(folder.rglob(f"{forgotten['id']}*")) == []
    for att in (on_ticket, on_note):
        assert len(list(folder.rglob(f"{att['id']}*"))) == 2  # the image and its thumbnail
    fresh = world.agent(shop)  # the first login has expired by now
    assert [len(n["attachments"]) for n in _notes(fresh, number)] == [1, 1]
    assert fresh.get(on_note["url"]).status_code == 200 and buyer.get(on_ticket["url"]).status_code == 200
