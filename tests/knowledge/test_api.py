"""The /api/kb API: articles with versions, shop scoping, roles, search, synonyms, templates, import/export."""

from __future__ import annotations

import json

from kefu.knowledge import service
from tests.knowledge.conftest import article_body

XSS = '<p>好的</p><script>alert("x")</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">点我</a>'


def test_search_finds_refund_policy_with_time_limits(kb):
    r = kb["agent"].get("/api/kb/search", params={"q": "退款政策"})
    assert r.status_code == 200, r.text
    top = r.json()["hits"][0]
    assert top["article_id"] == kb["ids"]["退款政策是什么"]
    assert "7 天" in top["snippet_html"] and "48 小时" in top["snippet_html"]
    assert "<mark>退款</mark>" in top["title_html"] and 0.0 <= top["confidence"] <= 1.0
    hits = kb["agent"].get("/api/kb/search", params={"q": "退货运费谁出"}).json()["hits"]
    assert hits[0]["title"] == "退货运费谁出" and hits[0]["confidence"] > 0.9
    assert kb["agent"].get("/api/kb/search", params={"q": "  "}).json()["hits"] == []


def test_synonyms_work_lexically(kb):
    async def lexical(q):
        async with kb["world"].db.transaction() as s:
            idx = await service.get_index(s, kb["shop"].id)
        return [h.title for h in idx.search(q, limit=3, use_semantic=False)]

    assert lexical_top(kb, lexical, "我的包裹到哪了") == "怎么查物流"  # 包裹 → 快递 (物流 folds there too)
    assert lexical_top(kb, lexical, "退钱要几天") == "退款多久到账"
    r = kb["trainer"].post("/api/kb/synonyms", {"words": ["尺码", "鞋码"]})
    assert r.status_code == 201
    assert lexical_top(kb, lexical, "鞋码") == "衣服尺码怎么选"  # the index was rebuilt for the new group
    assert any(g["words"] == ["尺码", "鞋码"] for g in kb["agent"].get("/api/kb/synonyms").json()["groups"])


def delete(api, url: str):
    return api.client.delete(url, headers=api.headers())


def lexical_top(kb, fn, q):
    return kb["world"].run(fn, q)[0]


def test_edit_keeps_every_version_and_restores(kb):
    t = kb["trainer"]
    a = t.post("/api/kb/articles", {"title": "赠品怎么领", "answer": "<p>下单自动赠送</p>", "intent": "other"}).json()
    aid = a["article"]["id"]
    r = t.put(f"/api/kb/articles/{aid}", {"title": "赠品怎么领取", "answer": "<p>满 199 元自动赠送</p>",
                                          "note": "改门槛", "expected_version": 1})
    assert r.status_code == 200 and r.json()["article"]["version"] == 2
    stale = t.put(f"/api/kb/articles/{aid}", {"title": "x", "answer": "y", "expected_version": 1})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "article_version_conflict"
    versions = t.get(f"/api/kb/articles/{aid}/versions").json()["versions"]
    assert [(v["version"], v["title"], v["note"]) for v in versions] == [(2, "赠品怎么领取", "改门槛"),
                                                                         (1, "赠品怎么领", "创建")]
    v1 = t.get(f"/api/kb/articles/{aid}/versions/1").json()["version"]["data"]
    assert v1["answer"] == "<p>下单自动赠送</p>"
    restored = t.post(f"/api/kb/articles/{aid}/versions/1/restore").json()["article"]
    assert (restored["version"], restored["title"]) == (3, "赠品怎么领")
    assert delete(t, f"/api/kb/articles/{aid}").json()["article"]["active"] is False
    assert all(h["article_id"] != aid for h in t.get("/api/kb/search", params={"q": "赠品怎么领"}).json()["hits"])


def test_roles_and_shop_scoping(kb):
    world = kb["world"]
    assert kb["agent"].post("/api/kb/articles", article_body("怎么开发票")).status_code == 403
    supervisor = world.agent(kb["shop"], role="supervisor")
    assert supervisor.post("/api/kb/templates", {"title": "t", "shortcut": "t", "body": "b"}).status_code == 403
    assert kb["agent"].get("/api/kb/articles").json()["total"] >= 10
    other_shop = world.shop("别家店")
    outsider = world.agent(other_shop, role="admin")
    aid = kb["ids"]["退款政策是什么"]
    assert outsider.get(f"/api/kb/articles/{aid}").status_code == 404
    assert outsider.put(f"/api/kb/articles/{aid}", {"title": "x", "answer": "y"}).status_code == 404
    assert outsider.get("/api/kb/search", params={"q": "退款政策"}).json()["hits"] == []
    assert outsider.get("/api/kb/articles").json()["total"] == 0
    assert kb["world"].client.get("/api/kb/search", params={"q": "退款"}).status_code == 401


def test_html_and_script_are_stored_sanitized(kb):
    t = kb["trainer"]
    a = t.post("/api/kb/articles", {"title": "<b>安全</b>测试<script>x</script>", "answer": XSS,
                                    "variants": ["<img src=x onerror=alert(1)>变体"]}).json()["article"]
    stored = json.dumps(a, ensure_ascii=False)
    for bad in ("<script", "onerror", "javascript:", "alert(1)"):
        assert bad not in stored
    assert a["title"] == "安全测试" and a["variants"] == ["变体"] and "<p>好的</p>" in a["answer"]
    tpl = t.post("/api/kb/templates", {"scene": "greeting", "title": "<i>问候</i>", "shortcut": "xss",
                                       "body": "您好<script>alert(1)</script><b>欢迎</b>"}).json()["template"]
    assert tpl["body"] == "您好欢迎" and tpl["title"] == "问候"
    hits = t.get("/api/kb/search", params={"q": "安全测试"}).json()["hits"]
    assert hits and "<script" not in json.dumps(hits, ensure_ascii=False)


def test_templates_fill_variables_from_the_conversation(kb):
    t, agent, world = kb["trainer"], kb["agent"], kb["world"]
    body = {"scene": "logistics", "title": "物流查询结果", "shortcut": "wl",
            "body": "{买家称呼}您好，订单 {订单号} 已发出，我是{客服名}，{快递单号}"}
    tid = t.post("/api/kb/templates", body).json()["template"]["id"]
    assert t.post("/api/kb/templates", {**body, "title": "重复"}).status_code == 409
    assert [x["shortcut"] for x in agent.get("/api/kb/templates", params={"q": "w"}).json()["templates"]] == ["wl"]
    buyer = world.buyer(kb["shop"])
    conv_id = buyer.send("订单号 202611230001234567 的快递到哪了").json()["conversation_id"]
    r = agent.post(f"/api/kb/templates/{tid}/render", {"conversation_id": conv_id}).json()
    assert "202611230001234567" in r["text"] and "我是小李" in r["text"] and r["missing"] == ["快递单号"]
    assert r["text"].startswith("亲您好")
    assert agent.post(f"/api/kb/templates/{tid}/render", {}).json()["missing"] == ["买家称呼", "订单号", "快递单号"]
    sug = agent.get("/api/kb/suggest", params={"conversation_id": conv_id}).json()
    assert sug["query"].startswith("订单号") and sug["hits"][0]["title"] == "怎么查物流"
    assert delete(t, f"/api/kb/templates/{tid}").json() == {"ok": True}


def test_import_keeps_good_rows_and_reports_bad_ones_then_exports(kb):
    t = kb["trainer"]
    csv_text = ("标题,相似问题,答案,意图,标签\n"
                "发票抬头能写个人吗,个人发票|个人抬头,<p>可以</p><script>bad()</script>,invoice,发票\n"
                ",没有标题,答案,other,\n"
                "坏意图,,答案,unknown,\n"
                "多了一列,,答案,other,,extra\n"
                "周末发货吗,星期天发不发,<p>周末正常发货</p>,logistics,发货\n")
    r = t.client.post("/api/kb/import", files={"file": ("kb.csv", csv_text.encode("utf-8-sig"), "text/csv")},
                      headers=t.headers())
    assert r.status_code == 200, r.text
    rep = r.json()
    assert (rep["created"], rep["updated"], rep["bad"]) == (2, 0, 3)
    assert [e["row"] for e in rep["errors"]] == [3, 4, 5] and "Unknown intent" in rep["errors"][1]["en"]
    hits = t.get("/api/kb/search", params={"q": "周末发货吗"}).json()["hits"]
    assert hits[0]["title"] == "周末发货吗"
    again = t.client.post("/api/kb/import", files={"file": ("kb.jsonl", json.dumps(
        {"title": "周末发货吗", "answer": "周六日也发货"}, ensure_ascii=False).encode(), "application/json")},
        headers=t.headers()).json()
    assert (again["created"], again["updated"]) == (0, 1)
    exported = t.get("/api/kb/export", params={"format": "jsonl"})
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = [json.loads(x) for x in exported.text.splitlines()]
    assert {"发票抬头能写个人吗", "周末发货吗", "退款政策是什么"} <= {x["title"] for x in rows}
    assert all("<script" not in x["answer"] for x in rows)
    md = t.get("/api/kb/export", params={"format": "md"}).text
    assert "## 退款政策是什么" in md and "- 意图：refund" in md
    assert kb["agent"].get("/api/kb/export").status_code == 403
    bad = t.client.post("/api/kb/import", files={"file": ("kb.xlsx", b"x", "application/octet-stream")},
                        headers=t.headers())
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_format"


def test_review_list(kb, frozen):
    """Time travels past the session cookie's life, so after the jump the service is called directly."""
    t, world, shop_id = kb["trainer"], kb["world"], kb["shop"].id
    aid = t.post("/api/kb/articles", {"title": "复核测试条目", "answer": "答案"}).json()["article"]["id"]
    expiring = t.post("/api/kb/articles", {"title": "限时活动说明", "answer": "活动到月底",
                                           "valid_to": frozen.advance(hours=1).isoformat()}).json()["article"]["id"]
    assert aid not in [a["id"] for a in t.get("/api/kb/review").json()["articles"]]

    async def review():
        async with world.db.transaction() as s:
            return {a["id"]: a["reasons"] for a in await service.review_list(s, shop_id)}

    async def reviewed(article_id):
        async with world.db.transaction() as s:
            await service.mark_reviewed(s, shop_id, article_id)

    async def search(q):
        async with world.db.transaction() as s:
            return [h["article_id"] for h in await service.search(s, shop_id, q)]

    frozen.advance(hours=2)
    assert world.run(review)[expiring] == ["expired"]
    assert expiring not in world.run(search, "限时活动说明")  # expired articles are not offered
    frozen.advance(days=8)
    assert world.run(review)[aid] == ["unreviewed"]
    world.run(reviewed, aid)
    assert aid not in world.run(review)
