"""Knowledge base pages: trainers and admins get them, other roles read /kb (tests/knowledge/test_kb_readonly.py)
and get a 403 page for the templates, the header links them."""

from __future__ import annotations

import pytest


@pytest.fixture
def web(client):
    client.cookies.clear()
    yield client
    client.cookies.clear()


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_kb_pages_render_for_editors(web, world, role):
    shop = world.shop()
    agent = world.agent(shop, role=role)
    page = web.get("/kb", headers={"cookie": agent.cookie})
    assert page.status_code == 200
    text = page.text
    assert 'src="/static/js/kb-page.js"' in text and 'id="kb-editor"' in text and 'contenteditable="true"' in text
    assert 'data-view="review"' in text and "待复审" in text and 'id="kb-syn-form"' in text
    assert 'href="/api/kb/export?format=csv"' in text and 'id="kb-progress-bar"' in text
    assert '<option value="refund">退款</option>' in text or "intent_refund" not in text
    assert 'href="/kb" aria-current="page"' in text
    tpl = web.get("/kb/templates", headers={"cookie": agent.cookie})
    assert tpl.status_code == 200
    assert 'data-var="订单号"' in tpl.text and 'value="closing"' in tpl.text and "结束语" in tpl.text


@pytest.mark.parametrize("role", ["agent", "senior", "supervisor"])
def test_template_page_is_forbidden_to_other_roles(web, world, role):
    shop = world.shop()
    agent = world.agent(shop, role=role)
    assert web.get("/kb/templates", headers={"cookie": agent.cookie}).status_code == 403
    workspace = web.get("/agent", headers={"cookie": agent.cookie}).text
    assert 'href="/kb"' in workspace and 'href="/kb/templates"' not in workspace


def test_kb_pages_send_logged_out_visitors_to_login(web):
    for path in ("/kb", "/kb/templates"):
        r = web.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/agent/login?next={path}"


def test_workspace_has_template_picker_and_knowledge_tab(web, world):
    shop = world.shop()
    trainer = world.agent(shop, role="trainer")
    page = web.get("/agent", headers={"cookie": trainer.cookie}).text
    assert 'href="/kb"' in page and 'href="/kb/templates"' in page
    assert 'id="tpl-picker"' in page and 'aria-controls="tpl-picker"' in page
    assert 'data-side="kb"' in page and 'id="kbp-q"' in page and "推荐知识" in page


def test_widget_has_a_human_button(web, world):
    shop = world.shop()
    page = web.get(f"/widget/{shop.slug}").text
    assert 'id="wg-human"' in page and "转人工" in page
    assert " style=" not in page
