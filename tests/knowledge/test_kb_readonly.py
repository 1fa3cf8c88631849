"""Agents who may not edit the knowledge base still read it on /kb: browse, search, open an article and read its
answer, with no way to create, edit, archive, import or export; the API refuses their writes. Trainers and
admins keep the editor."""

from __future__ import annotations

import re

import pytest

from tests.knowledge.conftest import article_body
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, in_chromium, team_server
from tests.web.test_browser_chat import PASSWORD
from tests.web.test_browser_kb import ARTICLES, XSS_TITLE, Watch, api_client, log_in, no_payload_script, post_articles

# What only an editor may see or press on /kb.
EDIT_CONTROLS = ('id="kb-editor"', 'id="kb-new"', 'id="kb-import-open"', 'id="kb-import-form"', 'id="kb-syn-form"',
                 'id="kb-save"', 'id="kb-archive"', 'contenteditable', "/api/kb/export", 'data-view="review"',
                 "新建知识", "导入知识", "标记已复审")


@pytest.fixture
def web(client):
    client.cookies.clear()
    yield client
    client.cookies.clear()


@pytest.mark.parametrize("role", ["agent", "senior", "emotion_support", "supervisor"])
def test_other_roles_get_a_read_only_kb_page(web, kb, role):
    reader = kb["world"].agent(kb["shop"], role=role)
    page = web.get("/kb", headers={"cookie": reader.cookie})
    assert page.status_code == 200
    text = re.sub(r'data-strings="[^"]*"', "", page.text)  # every UI string rides along for the JS
    assert 'id="kb-q"' in text and 'id="kb-intent"' in text and 'id="kb-items"' in text  # browse and search
    assert 'id="kb-reader"' in text and "选择一条知识查看答案" in text and "只读" in text
    assert 'src="/static/js/kb-page.js"' in text and 'href="/kb" aria-current="page"' in text
    for control in EDIT_CONTROLS:
        assert control not in text, control
    en = re.sub(r'data-strings="[^"]*"', "", web.get("/kb?lang=en", headers={"cookie": reader.cookie}).text)
    assert "Pick an article to read its answer" in en and "Read only" in en and "New article" not in en


def test_reader_gets_articles_and_search_but_every_write_is_refused(kb):
    agent, ids = kb["agent"], kb["ids"]
    listed = agent.get("/api/kb/articles").json()
    assert {a["title"] for a in listed["articles"]} >= {"退货运费谁出", "怎么开发票"}
    hits = agent.get("/api/kb/search", params={"q": "退货运费谁承担"}).json()["hits"]
    assert hits and hits[0]["title"] == "退货运费谁出"
    article = agent.get(f"/api/kb/articles/{ids['退货运费谁出']}").json()["article"]
    assert "运费" in article["answer_text"]

    target = f"/api/kb/articles/{ids['怎么开发票']}"
    before = agent.get(target).json()["article"]
    refused = [
        agent.post("/api/kb/articles", {**article_body("商品保修多久"), "title": "客服自己写的"}),
        agent.put(target, {**article_body("怎么开发票"), "title": "改掉的标题"}),
        agent.client.delete(target, headers=agent.headers()),
        agent.post(f"{target}/review"),
        agent.post(f"{target}/versions/1/restore"),
        agent.client.post("/api/kb/import", headers=agent.headers(),
                          files={"file": ("kb.csv", "title,answer\n新问题,新答案\n".encode(), "text/csv")}),
        agent.get("/api/kb/export"),
        agent.post("/api/kb/synonyms", {"words": ["快递", "物流"]}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert all(r.json()["error"]["code"] for r in refused)
    after = agent.get(target).json()["article"]
    assert (after["title"], after["version"], after["active"]) == (before["title"], before["version"], True)
    assert "客服自己写的" not in {a["title"] for a in agent.get("/api/kb/articles").json()["articles"]}


def test_trainers_still_get_the_editor_not_the_reader(web, kb):
    text = re.sub(r'data-strings="[^"]*"', "", web.get("/kb", headers={"cookie": kb["trainer"].cookie}).text)
    assert 'id="kb-editor"' in text and 'id="kb-new"' in text and 'data-view="synonyms"' in text
    assert 'id="kb-reader"' not in text and "只读" not in text


# ---------------------------------------------------------------- in Chromium
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with team_server(tmp_path_factory, "kb-read", PASSWORD,
                     ("trainer", "赵老师", "trainer"), ("agent", "小王", "agent"), KEFU_ROUTING_AUTO="false") as server:
        with api_client(server.base, server.trainer) as http:
            ids = post_articles(http, {"return": ["运费"]})
        server.ids = ids
        yield server


@in_chromium
def test_agent_browses_searches_and_reads_an_answer(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    watch = Watch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = watch.page(browser.new_context(locale="zh-CN"))
            log_in(page, server.base, server.agent, "/kb")
            expect(page.locator("#kb-count")).to_have_text(f"共 {len(ARTICLES)} 条知识")
            expect(page.locator("#kb-empty h2")).to_have_text("选择一条知识查看答案")

            page.locator("#kb-q").fill("运费")
            hit = page.locator(".kb-item", has_text="退货运费谁出")
            expect(hit.locator("mark").first).to_have_text("运费")
            hit.click()
            reader = page.locator("#kb-reader")
            expect(reader.locator("#kb-r-title")).to_have_text("退货运费谁出")
            expect(reader.locator("#kb-r-answer")).to_contain_text("七天无理由退货的运费由买家承担")
            expect(reader.locator("#kb-r-answer b")).to_have_text("本店承担")
            expect(reader.locator("#kb-r-variants li")).to_have_text(["退货要自己付邮费吗", "退回去的运费谁承担"])
            expect(reader.locator("#kb-r-facts")).to_contain_text("运费")
            expect(reader.locator("#kb-r-meta")).to_contain_text("退货")
            assert reader.locator("input, textarea, button, [contenteditable]").count() == 0
            assert page.locator("#kb-new, #kb-import-open, #kb-save, [data-view=review]").count() == 0
            assert re.search(rf"#a{server.ids['退货运费谁出']}$", page.url)

            # A link to an article opens it; a title and answer carrying markup stay text.
            page = watch.page(page.context)
            page.goto(f"{server.base}/kb#a{server.ids[XSS_TITLE]}")
            reader = page.locator("#kb-reader")
            expect(reader.locator("#kb-r-title")).to_contain_text("发票抬头怎么改")
            expect(reader.locator("#kb-r-answer")).to_contain_text("在订单详情页修改抬头")
            assert reader.locator("img, script").count() == 0
            no_payload_script(page)
            page.wait_for_timeout(300)  # give any onerror a moment to fire
        finally:
            browser.close()
    watch.check()
