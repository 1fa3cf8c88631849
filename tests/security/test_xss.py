"""The XSS corpus through every text field a person can type into (issue #14 point 12): buyer name and messages,
replies and private notes, tickets and their notes, the error ledger, knowledge articles and templates, orders,
after-sale cases, compensation notes, complaint facts, buyer flags, the shop's own name — then every page that
shows them, in Debian's Chromium: the words appear as text, no element from a payload enters the page, nothing
runs (the CSP would stop it anyway; this checks the escaping under it)."""

from __future__ import annotations

import functools
import uuid

import httpx
import pytest

from tests.web import browser
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, add_team, needs_chromium, server_env, serving

PASSWORD = "xss-corpus-pass-2026"
log_in = functools.partial(browser.log_in, password=PASSWORD)
pytestmark = needs_chromium

CORPUS = ('<img src=x onerror="window.__xss=1">', '<svg/onload=window.__xss=1>',
          '"><script>window.__xss=1</script>', '<a href="javascript:window.__xss=1">点我</a>',
          "<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>", "</textarea><b onmouseover=x()>粗</b>",
          "'-alert(1)-'", "{{7*7}}${7*7}")
MARK = "测XSS"  # each payload is sent with this prefix so the test can find it rendered as text
INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) if (a.name.startsWith('on')) bad.push(el.outerHTML.slice(0, 100));
  }
  for (const s of document.querySelectorAll('script:not([src])')) bad.push('script: ' + s.textContent.slice(0, 60));
  for (const a of document.querySelectorAll('a[href^="javascript" i]')) bad.push(a.outerHTML.slice(0, 100));
  for (const f of document.querySelectorAll('iframe[srcdoc], img[src="x"]')) bad.push(f.outerHTML.slice(0, 100));
  if (window.__xss) bad.push('a payload ran');
  return bad;
}"""


def _text(i: int) -> str:
    return f"{MARK}{i} {CORPUS[i % len(CORPUS)]}"


def _staff(base: str, username: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=30)
    r = http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    http.cookies.set("kefu_csrf", "c" * 40)
    http.headers["x-csrf-token"] = "c" * 40
    return http


def _ok(r, status=(200, 201)) -> dict:
    assert r.status_code in status, r.text[:300]
    return r.json()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    data = tmp_path_factory.mktemp("xss")
    env = server_env(data, "xss-test", KEFU_ROUTING_AUTO="false")
    slug, tag = f"xss-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex[:6]
    boss, agent = f"boss-{tag}", f"agent-{tag}"
    add_team(env, slug, f'小鹿{CORPUS[0]}', PASSWORD, (boss, "店长", "admin"), (agent, f"小王{CORPUS[1]}", "agent"))
    with serving(env, data) as base:
        b = httpx.Client(base_url=base, timeout=30)
        session = _ok(b.post(f"/api/widget/{slug}/session", json={"display_name": _text(2)}))
        b.headers["x-visitor-token"] = session["token"]
        conv = _ok(b.post("/api/widget/messages", json={"text": f"{_text(3)} 订单 202612030001"}))["conversation_id"]
        for i in range(4, 8):
            _ok(b.post("/api/widget/messages", json={"text": _text(i)}))
        customer = session["customer"]["id"]
        a, admin = _staff(base, agent), _staff(base, boss)
        _ok(a.post(f"/api/conversations/{conv}/take"))
        _ok(a.post(f"/api/conversations/{conv}/messages", json={"text": _text(8)}))
        _ok(a.post(f"/api/conversations/{conv}/messages", json={"text": _text(9), "private": True}))
        ticket = _ok(a.post("/api/tickets", json={"kind": "售后", "title": _text(10), "problem": _text(11),
                                                   "demand": _text(12), "conversation_id": conv}))["ticket"]
        _ok(a.post(f"/api/tickets/{ticket['number']}/notes", json={"text": _text(13), "internal": False}))
        _ok(a.post("/api/ledger", json={"ticket": ticket["number"], "kind": "wrong_shipment",
                                        "description": _text(14)}))
        _ok(admin.post("/api/kb/articles", json={"title": _text(15), "answer": f"<p>{_text(16)}</p>",
                                                 "variants": [_text(17)]}))
        _ok(admin.post("/api/kb/templates", json={"scene": "greeting", "title": _text(18), "shortcut": "x1",
                                                  "body": _text(19)}))
        order = {"number": "202612030001", "status": "delivered", "total_fen": 9900,
                 "placed_at": "2026-12-01T10:00:00+08:00", "delivered_at": "2026-12-05T10:00:00+08:00",
                 "address": _text(20), "items": [{"name": _text(21), "qty": 1, "price_fen": 9900}]}
        _ok(admin.post("/api/admin/orders", json={"order": order, "customer_id": customer}))
        case = _ok(a.post("/api/cases", json={"kind": "reship", "reason": "wrong_item", "conversation_id": conv,
                                              "order_number": "202612030001", "description": _text(22)}))["case"]
        _ok(a.post(f"/api/cases/{case['number']}/compensations", json={"kind": "coupon", "amount": 80,
                                                                       "note": _text(23)}))
        complaint = _ok(a.post("/api/cases", json={"kind": "complaint", "conversation_id": conv,
                                                   "description": _text(24)}))["case"]
        _ok(a.post(f"/api/complaints/{complaint['number']}/advance"))
        _ok(a.post(f"/api/complaints/{complaint['number']}/stage",
                   json={"data": {"what": _text(25), "when": "2026-12-05T10:00:00+08:00", "demand": _text(26)}}))
        _ok(a.post(f"/api/customers/{customer}/flags", json={"flag": "venting", "note": _text(27)}))
        yield {"base": base, "slug": slug, "boss": boss, "agent": agent, "conv": conv, "ticket": ticket["number"],
               "token": session["token"]}


def _clean(page, where: str) -> None:
    page.wait_for_timeout(600)
    bad = page.evaluate(INJECTED)
    assert bad == [], f"{where}: {bad}"


def test_nothing_typed_anywhere_enters_a_page(seeded):
    from playwright.sync_api import sync_playwright

    s = seeded
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = b.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        log_in(page, s["base"], s["agent"])
        page.goto(f"{s['base']}/agent#c{s['conv']}")
        page.wait_for_selector(f"text={MARK}3")
        _clean(page, "workspace chat")
        for tab in ("kb", "orders", "cases"):
            page.click(f"[data-side={tab}]")
            _clean(page, f"workspace {tab} tab")
        page.locator("#case-panel li").first.click()
        _clean(page, "a case")
        page.click("[data-side=info]")
        assert MARK + "27" in page.inner_text("#buyer-flags")  # the flag's note, as text
        for url in (f"/tickets#{s['ticket']}", "/kb", "/ledger", "/tickets/review"):
            page.goto(s["base"] + url)
            _clean(page, url)
        boss = b.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        log_in(boss, s["base"], s["boss"], "/supervisor")
        _clean(boss, "/supervisor")
        assert MARK + "23" in boss.inner_text("#sv-approvals")
        for url in ("/admin/agents", "/admin/orders", "/kb/templates"):
            boss.goto(s["base"] + url)
            _clean(boss, url)
        buyer = b.new_context().new_page()
        buyer.add_init_script(f"localStorage.setItem('kefu.visitor.{s['slug']}', {s['token']!r})")
        buyer.goto(f"{s['base']}/widget/{s['slug']}")
        buyer.wait_for_selector(f"text={MARK}8")
        _clean(buyer, "widget")
        buyer.goto(f"{s['base']}/shop/{s['slug']}")
        _clean(buyer, "shop page")
        # the detector itself sees an injected node
        buyer.evaluate("() => document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\\'x\\'>')")
        assert buyer.evaluate(INJECTED) != []
        b.close()
