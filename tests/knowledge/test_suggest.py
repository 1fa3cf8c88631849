"""推荐知识 in the workspace reads the buyer's recent substantive lines and the conversation's intent, and
suggests nothing for small talk (after "没有了谢谢" it used to suggest unrelated articles)."""

from __future__ import annotations

from kefu.knowledge import rules


def test_suggestions_skip_small_talk_and_keep_to_the_request(kb):
    agent, buyer = kb["agent"], kb["world"].buyer(kb["shop"])
    conv_id = buyer.send("你好").json()["conversation_id"]

    def suggest():
        r = agent.get("/api/kb/suggest", params={"conversation_id": conv_id, "limit": 3})
        assert r.status_code == 200, r.text
        return r.json()

    first = suggest()
    assert (first["hits"], first["query"], first["small_talk"]) == ([], "", True)
    buyer.send("退货的运费谁出呀")
    asked = suggest()
    assert asked["query"] == "退货的运费谁出呀" and asked["hits"][0]["title"] == "退货运费谁出"
    assert asked["small_talk"] is False
    buyer.send("没有了谢谢")
    after = suggest()
    assert after["query"] == "退货的运费谁出呀"
    assert [h["title"] for h in after["hits"]] == [h["title"] for h in asked["hits"]]


def hit(title, score, confidence, intent):
    return {"title": title, "score": score, "confidence": confidence, "intent": intent}


def test_suggestion_query_and_ranking():
    assert rules.suggestion_query([]) == ""
    assert rules.suggestion_query(["快递到哪了", "三天没动了"]) == "三天没动了 快递到哪了"
    assert rules.suggestion_query(["旧的", "a" * 200]) == "a" * rules.SUGGEST_CHARS  # the newest line alone
    hits = [hit("发票什么时候开", 1.40, 0.8, "invoice"), hit("快递几天能到", 1.38, 0.7, "logistics"),
            hit("赠品没收到", 1.39, 0.1, "other")]
    assert [h["title"] for h in rules.rank_suggestions(hits, "logistics", 5)] == ["快递几天能到", "发票什么时候开"]
    assert [h["title"] for h in rules.rank_suggestions(hits, None, 1)] == ["发票什么时候开"]
