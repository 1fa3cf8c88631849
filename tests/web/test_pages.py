"""Server-rendered pages: they render, forms work with CSRF, roles are enforced, strings are complete."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from kefu.web.i18n import EN, ZH
from tests.conftest import PASSWORD

WEB = Path(__file__).resolve().parents[2] / "src" / "kefu" / "web"
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def web(client):
    """The shared TestClient with an empty cookie jar, emptied again afterwards for the other tests."""
    client.cookies.clear()
    yield client
    client.cookies.clear()


def hidden_csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no csrf_token field in the page"
    return match.group(1)


def login(web, username: str, password: str = PASSWORD, next_: str = "/agent"):
    page = web.get("/agent/login")
    return web.post("/agent/login", data={"username": username, "password": password, "next": next_,
                                          "csrf_token": hidden_csrf(page.text)}, follow_redirects=False)


def test_index_lists_shops_and_staff_pages(web, world):
    shop = world.shop("鹿鹿小铺")
    r = web.get("/")
    assert r.status_code == 200
    assert f'href="/shop/{shop.slug}"' in r.text and "鹿鹿小铺" in r.text
    assert 'href="/agent"' in r.text and 'href="/supervisor"' in r.text


def test_a_new_shops_page_is_its_own_chat_page_with_widget_and_snippet(web, world):
    """Regression (issue 10, 12): a new shop's /shop/SLUG showed the demo shop's jacket, prices and made-up
    reviews. It is now a neutral page with the shop's own name, the widget and the embed snippet."""
    shop = world.shop("鹿鹿小铺")
    r = web.get(f"/shop/{shop.slug}")
    assert r.status_code == 200
    assert "<title>鹿鹿小铺 · 在线客服</title>" in r.text and "这里是鹿鹿小铺的客服聊天页" in r.text
    assert f'<script src="/static/widget.js" data-shop="{shop.slug}" async></script>' in r.text
    shown = f'&lt;script src=&#34;http://testserver/static/widget.js&#34; data-shop=&#34;{shop.slug}&#34; async&gt;'
    assert shown in r.text
    assert 'href="/kb"' in r.text and 'aria-current="true">中文</a>' in r.text  # owner's next steps, language switch
    shown_text = re.sub(r'data-strings="[^"]*"', "", r.text)  # the page's JS strings hold every UI string
    for demo_only in ("¥", "XXL", "羽绒服", "买家评价", "小鹿优选", "立即购买", "演示店铺"):
        assert demo_only not in shown_text, demo_only
    assert "<img" not in r.text
    assert web.get("/shop/no-such-shop").status_code == 404


def test_the_demo_shop_keeps_its_product_page(web, world):
    from kefu.demo.seed import DEMO_SLUG, load_demo

    world.run(load_demo, world.db)  # idempotent: the demo tests load the same shop
    r = web.get(f"/shop/{DEMO_SLUG}")
    assert r.status_code == 200
    assert "¥" in r.text and "XXL" in r.text and "买家评价" in r.text and "小鹿优选旗舰店" in r.text
    assert f'data-shop="{DEMO_SLUG}"' in r.text and "<img" not in r.text  # pictures are inline SVG
    assert f"data-shop=&#34;{DEMO_SLUG}&#34; async&gt;" in r.text and 'id="copy-snippet"' in r.text  # embed card
    assert 'aria-current="true">中文</a>' in r.text  # the language switch in the top strip


def test_widget_frame_works_under_its_strict_csp(web, world):
    shop = world.shop()
    r = web.get(f"/widget/{shop.slug}")
    assert r.status_code == 200
    policy = r.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert f'data-shop="{shop.slug}"' in r.text
    # No inline scripts or style attributes: the CSP would block them.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text)
    assert " style=" not in r.text and "<style" not in r.text
    assert '<script type="module" src="/static/js/widget-app.js"></script>' in r.text


@pytest.mark.parametrize("path", ["/static/widget.js", "/static/js/realtime.js", "/static/js/widget-app.js",
                                  "/static/js/workspace.js", "/static/js/supervisor.js", "/static/css/base.css",
                                  "/static/js/widget-queue.js", "/static/js/handoffs.js", "/static/js/composer.js",
                                  "/static/js/sv-queue.js", "/static/js/presence.js", "/static/js/tickets.js",
                                  "/static/css/tickets.css", "/static/js/sv-sla.js",
                                  "/static/js/widget-tickets.js", "/static/js/ticket-status.js",
                                  "/static/js/ticket-badge.js"])
def test_static_assets_are_served(web, path):
    assert web.get(path).status_code == 200


def test_no_external_urls_in_pages_or_assets(web, world):
    shop = world.shop()
    bodies = [web.get(p).text for p in ("/", f"/shop/{shop.slug}", f"/widget/{shop.slug}", "/agent/login")]
    bodies += [p.read_text() for p in STATIC.rglob("*") if p.suffix in {".js", ".css"}]
    for body in bodies:
        for url in re.findall(r"https?://[^\s\"'<>)]+", body):
            # example.com: the admin's help text shows what a site address looks like (nothing is fetched from it)
            assert url.startswith(("http://testserver", "http://www.w3.org/", "https://your-kefu-host",
                                   "https://shop.example.com", "https://*.example.com")), url


def test_login_with_csrf_sets_session_and_redirects(web, world):
    shop = world.shop()
    agent = world.agent(shop, name="小王")
    web.cookies.clear()
    r = login(web, agent.info["username"])
    assert r.status_code == 303 and r.headers["location"] == "/agent"
    assert "kefu_session" in r.cookies
    page = web.get("/agent")
    assert page.status_code == 200
    assert f'data-agent-id="{agent.id}"' in page.text and "小王" in page.text
    assert 'src="/static/js/workspace.js"' in page.text


def test_login_without_csrf_is_refused(web, world):
    shop = world.shop()
    agent = world.agent(shop)
    web.cookies.clear()
    web.get("/agent/login")
    r = web.post("/agent/login", data={"username": agent.info["username"], "password": PASSWORD},
                 follow_redirects=False)
    assert r.status_code == 403
    assert "kefu_session" not in r.cookies
    assert "页面已过期" in r.text  # the CSRF error, shown on the form


def test_login_with_wrong_password_shows_error(web, world):
    shop = world.shop()
    agent = world.agent(shop)
    web.cookies.clear()
    r = login(web, agent.info["username"], "not-the-password")
    assert r.status_code == 401
    assert "登录名或密码错误" in r.text
    assert f'value="{agent.info["username"]}"' in r.text


def test_logout_ends_the_session(web, world):
    shop = world.shop()
    agent = world.agent(shop)
    web.cookies.clear()
    login(web, agent.info["username"])
    page = web.get("/agent")
    r = web.post("/agent/logout", data={"csrf_token": hidden_csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/agent/login"
    assert web.get("/agent", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("path", ["/agent", "/supervisor", "/admin/agents", "/tickets"])
def test_logged_out_pages_redirect_to_login(web, path):
    r = web.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/agent/login?next={path}"


def test_supervisor_page_is_forbidden_to_a_plain_agent(web, world):
    shop = world.shop()
    agent = world.agent(shop)
    web.cookies.clear()
    login(web, agent.info["username"])
    r = web.get("/supervisor")
    assert r.status_code == 403
    assert "没有访问权限" in r.text
    assert 'href="/supervisor"' not in r.text  # no nav link to it either
    assert web.get("/admin/agents").status_code == 403


def test_supervisor_page_renders_for_a_supervisor(web, world):
    shop = world.shop()
    boss = world.agent(shop, role="supervisor", name="王主管")
    web.cookies.clear()
    login(web, boss.info["username"])
    r = web.get("/supervisor")
    assert r.status_code == 200
    assert 'src="/static/js/supervisor.js"' in r.text and "王主管" in r.text
    assert 'src="/static/js/sv-sla.js"' in r.text and "工单时效看板" in r.text and 'id="sla-nearest"' in r.text
    assert re.search(r'data-last-event-id="\d+"', r.text)


def test_tickets_page_renders_for_any_agent_in_both_languages(web, world):
    shop = world.shop()
    agent = world.agent(shop, name="小周")
    web.cookies.clear()
    login(web, agent.info["username"])
    r = web.get("/tickets")
    assert r.status_code == 200
    assert 'src="/static/js/tickets.js"' in r.text
    assert re.search(r'id="nav-tickets"[^>]*aria-current="page">工单<', r.text)
    assert "我的工单" in r.text and "等待买家回复" in r.text
    assert 'id="nav-tickets-badge"' in r.text and 'src="/static/js/ticket-badge.js"' in r.text
    en = web.get("/tickets?lang=en")
    assert "My tickets" in en.text and "Waiting on the buyer" in en.text


def test_the_public_ticket_status_page_needs_no_login(web):
    web.cookies.clear()
    r = web.get("/tickets/status")
    assert r.status_code == 200 and "工单进度查询" in r.text and "手机号后四位" in r.text
    assert 'src="/static/js/ticket-status.js"' in r.text and 'href="/agent"' not in r.text  # no staff nav
    assert "Ticket status" in web.get("/tickets/status?lang=en").text


def test_admin_creates_an_agent_from_the_form(web, world):
    shop = world.shop()
    admin = world.agent(shop, role="admin", name="店长")
    web.cookies.clear()
    login(web, admin.info["username"])
    page = web.get("/admin/agents")
    assert page.status_code == 200
    username = f"xiaowang-{shop.id}"
    r = web.post("/admin/agents", data={
        "username": username, "password": "a-long-password", "display_name": "小王", "role": "agent",
        "group": "售后", "skills": "退换货, 尺码", "max_chats": "6", "csrf_token": hidden_csrf(page.text)},
        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/admin/agents?created={username}"
    listed = web.get(r.headers["location"]).text
    assert f"已创建客服账号：{username}" in listed and "小王" in listed and "退换货" in listed
    web.cookies.clear()
    assert login(web, username, "a-long-password").status_code == 303


def test_admin_form_errors_are_shown_in_both_languages(web, world):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    web.cookies.clear()
    login(web, admin.info["username"])
    csrf = hidden_csrf(web.get("/admin/agents").text)
    form = {"username": f"short-pw-{shop.id}", "password": "short", "display_name": "小张", "role": "agent",
            "group": "售前", "max_chats": "5", "csrf_token": csrf}
    r = web.post("/admin/agents", data=form)
    assert r.status_code == 422
    assert "密码至少 8 位" in r.text
    assert f'value="short-pw-{shop.id}"' in r.text  # the form keeps what was typed
    r = web.post("/admin/agents?lang=en", data=form)
    assert "Password needs at least 8 characters" in r.text
    r = web.post("/admin/agents", data={**form, "password": "long-enough-pw", "csrf_token": "forged"})
    assert r.status_code == 403


def test_english_switch_shows_english_and_is_remembered(web, world):
    shop = world.shop()
    r = web.get("/agent/login?lang=en")
    assert r.status_code == 200
    assert '<html lang="en">' in r.text and "Agent login" in r.text and "客服登录" not in r.text
    assert r.cookies.get("kefu_lang") == "en"
    assert "Agent login" in web.get("/agent/login").text  # the cookie remembers it
    assert "Chat with us" in web.get(f"/shop/{shop.slug}").text
    zh = web.get("/agent/login?lang=zh")
    assert '<html lang="zh-CN">' in zh.text and "客服登录" in zh.text


def test_language_links_keep_the_query_string(web):
    r = web.get("/agent/login?next=/supervisor")
    assert 'href="?next=%2Fsupervisor&amp;lang=en"' in r.text
    assert 'name="next" value="/supervisor"' in r.text


def test_page_strings_reach_js_as_escaped_json(web):
    r = web.get("/agent/login?lang=en")
    match = re.search(r'data-strings="([^"]*)"', r.text)
    assert match
    import json

    strings = json.loads(html.unescape(match.group(1)))
    assert strings["msg_read"] == "Read" and strings["widget_agent_typing"] == "The agent is typing…"


def test_message_text_is_never_rendered_into_pages(web, world):
    """Messages reach the browser only as JSON and are put in the page with textContent."""
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send(XSS).json()["conversation_id"]
    api = agent.get(f"/api/conversations/{conv_id}")
    assert api.headers["content-type"].startswith("application/json")
    assert api.json()["messages"][0]["text"] == XSS
    page = web.get("/agent", headers={"cookie": agent.cookie})
    assert page.status_code == 200 and "onerror" not in page.text
    for script in (STATIC / "js").glob("*.js"):
        code = script.read_text()
        assert not re.search(r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write", code), script.name
    assert "innerHTML" not in (STATIC / "widget.js").read_text()


def test_every_string_key_is_translated_and_exists():
    assert ZH.keys() == EN.keys()
    assert all(ZH[k] and EN[k] for k in ZH)
    assert not set(ZH) & set(dir(dict)), "t.<key> in Jinja would find the dict method instead"
    used: set[str] = set()
    for tpl in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\.(\w+)", tpl.read_text()))
        used |= set(re.findall(r"\bt\['(\w+)'\]", tpl.read_text()))
    for script in (STATIC / "js").glob("*.js"):
        used |= set(re.findall(r"\bt\('(\w+)'", script.read_text()))
    missing = sorted(used - set(ZH))
    assert not missing, missing
    dynamic = [f"{prefix}_{name}" for prefix, names in {
        "status": ("waiting", "assigned", "closed"), "presence": ("online", "away", "break", "offline"),
        "conn": ("connecting", "online", "offline"), "tab": ("waiting", "mine", "open", "closed"),
        "empty": ("waiting", "mine", "open", "closed"), "group": ("售前", "售后", "投诉"),
        "role": ("agent", "senior", "emotion_support", "supervisor", "trainer", "admin"),
        "sender": ("bot", "system"), "channel": ("widget",), "lang": ("zh", "en"),
        "alert": ("escalation_not_accepted", "escalation_no_receiver", "no_emotion_support", "generic"),
        "handoff": ("transfer", "escalate", "abuse", "transfer_title", "escalate_title", "abuse_title",
                    "transfer_hint", "escalate_hint", "abuse_hint", "transfer_submit", "escalate_submit",
                    "abuse_submit"),
        "reason": ("waited", "angry", "vip", "complaint", "escalated", "abusive"),
        "color": ("blue", "cream", "black", "khaki"), "emotion": ("angry", "negative", "calm"),
        "intent": ("presale", "logistics", "order_change", "cancel", "return", "exchange", "refund", "repair",
                   "quality", "wrong_item", "price", "invoice", "payment", "complaint", "other")}.items()
        for name in names]
    assert not [k for k in dynamic if k not in ZH]


def test_every_js_module_stays_small_and_string_literals_name_real_keys():
    """Keys handed to t() through a table (MODES, reason chips) exist too; modules stay readable."""
    for script in (STATIC / "js").glob("*.js"):
        code = script.read_text()
        assert code.count("\n") <= 400, f"{script.name} has grown past 400 lines: split it"
        for key in re.findall(r"'((?:handoff|offer|alert|reason|widget_queue|break)_\w+)'", code):
            assert key in ZH, (script.name, key)


def test_workspace_has_the_routing_controls(web, world):
    shop = world.shop()
    agent = world.agent(shop)
    page = web.get("/agent", headers={"cookie": agent.cookie}).text
    assert 'id="break"' in page and "小休 10 分钟" in page
    assert 'id="handoff-dialog"' in page and 'id="offers"' in page
    assert re.search(r'<select id="presence" data-presence="online" data-until="" data-changed-at="[^"]+"', page)


def test_widget_has_a_queue_strip_that_starts_hidden(web, world):
    shop = world.shop()
    page = web.get(f"/widget/{shop.slug}").text
    assert re.search(r'<div id="wg-queue" class="wg-queue" role="status"[^>]* hidden>', page)
    assert " style=" not in page


def test_supervisor_page_has_queue_alerts_and_greeting_rate(web, world):
    shop = world.shop()
    boss = world.agent(shop, role="supervisor")
    page = web.get("/supervisor?lang=en", headers={"cookie": boss.cookie}).text
    assert 'id="sv-queue"' in page and 'id="sv-alerts"' in page and 'id="sv-run"' in page
    assert "Queue · by priority" in page and "Why here" in page
    assert boss.get("/api/routing/queue").status_code == 200  # what the page asks for
    assert boss.get("/api/routing/stats?hours=24").status_code == 200


def test_english_counts_read_right_for_one():
    """The workspace said "1 chats went back to the queue while you were away" and the supervisor's alerts
    "· 1 chats": an English line with a count never puts a plural noun after 1."""
    plural_after_one = re.compile(r"(?<![\d/.])1 (?!of\b)[a-z]+s\b")
    for key, text in EN.items():
        if "{n}" in text:
            line = text.replace("{n}", "1").replace("{total}", "5").replace("{max}", "5")
            assert not plural_after_one.search(line), (key, line)
