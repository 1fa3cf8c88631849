"""Take the README screenshots from a running demo, with Debian's Chromium and Playwright.

    python scripts/screenshots.py                 # starts `kefu demo` on a fresh SQLite file, then shoots
    python scripts/screenshots.py --base http://127.0.0.1:8000   # use a demo that is already running

Writes docs/img/widget.png (the buyer widget open on the shop page), docs/img/workspace.png (the agent
workspace with a conversation open), docs/img/supervisor.png, docs/img/queue.png (the supervisor's queue
in priority order, with the reasons), docs/img/escalation.png (a senior offered an escalation, with its
context summary), docs/img/template-picker.png ("/" in the reply box, with the knowledge tab) and
docs/img/kb.png (the trainer's knowledge base editor), docs/img/images.png (a buyer's photo and the agent's
picture, in the workspace and the widget side by side) and docs/img/quick-replies.png (the agent's pinned quick
replies, one used). It chats a little as a buyer first, so the widget shows a real exchange; the escalation is
made last, so the other pictures show the demo as it starts.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page, expect, sync_playwright

from kefu.demo.data import SIMULATED

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--font-render-hinting=none"]
PASSWORD = "kefu-demo-2026"
SHOP = "demo"
VIEWPORT = {"width": 1440, "height": 900}
BUYER_CHAT = [
    ("b", "你好，我身高165，体重55公斤，这款羽绒服穿 M 还是 L 呀？"),
    ("a", "亲，按您的身高体重建议选 M 码～这款是宽松版型，如果里面想穿厚毛衣可以选 L 哦"),
    ("b", "好的，雾霾蓝现在下单什么时候发货？"),
    ("a", "今天 16 点前付款当天发货，江浙沪一般次日就到啦，还送运费险～"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo(data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("KEFU_DATABASE_URL", "KEFU_REDIS_URL")}
    # Automatic routing would serve the demo's waiting buyers within seconds; off, the pictures show a queue.
    env.update(KEFU_DATA_DIR=str(data_dir), KEFU_LOG_LEVEL="warning", KEFU_ROUTING_AUTO="false")
    log = (data_dir / "demo.log").open("w")
    # Without the simulated colleagues (--no-actors): their template replies would land in the pictures at random.
    proc = subprocess.Popen([sys.executable, "-m", "kefu", "demo", "--no-actors", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the demo did not start:\n{(data_dir / 'demo.log').read_text()}")


class AgentApi:
    """An agent's HTTP session (cookie + CSRF header), to answer the buyer and pick what to show."""

    def __init__(self, base: str, username: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=10)
        r = self.http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        r.raise_for_status()
        self.me = r.json()["agent"]
        self.csrf = "s" * 43
        self.http.cookies.set("kefu_csrf", self.csrf)

    def get(self, url: str) -> dict:
        r = self.http.get(url)
        r.raise_for_status()
        return r.json()

    def post(self, url: str, body: dict | None = None) -> dict:
        r = self.http.post(url, json=body, headers={"x-csrf-token": self.csrf})
        r.raise_for_status()
        return r.json()

    def put(self, url: str, body: dict) -> dict:
        r = self.http.put(url, json=body, headers={"x-csrf-token": self.csrf})
        r.raise_for_status()
        return r.json()


def best_conversation(boss: AgentApi) -> tuple[dict, dict]:
    """The open, assigned conversation that shows the most: long, with a note, a VIP with tags, a past."""
    overview = boss.get("/api/supervisor/overview")
    agents = {a["id"]: a for a in overview["agents"]}
    best, best_score = None, -1
    for conv in overview["conversations"]:
        if conv["status"] != "assigned" or conv["assignee_id"] not in agents:
            continue
        detail = boss.get(f"/api/conversations/{conv['id']}")
        msgs = detail["messages"]
        score = (min(len(msgs), 10) + 6 * any(m["private"] for m in msgs) + 2 * len(detail["customer"]["tags"])
                 + 3 * (detail["customer"]["vip_level"] > 0) + 2 * min(len(detail["history"]), 3))
        if score > best_score:
            best, best_score = conv, score
    if best is None:
        raise SystemExit("the demo has no assigned open conversation to show")
    return best, agents[best["assignee_id"]]


def first_conversation_with(agent: AgentApi, text: str) -> int:
    """The buyer's new conversation, waiting or already routed to someone (the router is quick)."""
    for _ in range(50):
        for c in agent.get("/api/conversations?status=open")["conversations"]:
            if c["last_preview"] == text:
                return c["id"]
        time.sleep(0.1)
    raise SystemExit(f"the buyer's conversation never showed up: {text}")


def photo(path: Path, body: tuple[int, int, int], size: tuple[int, int], crack: bool) -> Path:
    """A made-up photo: a jacket's zip on a table (the buyer's, with the puller broken off) or the part to fit."""
    w, h = size
    im = Image.new("RGB", size, (233, 228, 218))
    d = ImageDraw.Draw(im)
    d.rectangle([0, int(h * 0.72), w, h], fill=(206, 196, 180))
    d.rounded_rectangle([int(w * .2), int(h * .12), int(w * .8), int(h * .8)], 28, fill=body)
    d.line([w // 2, int(h * .14), w // 2, int(h * .78)], fill=(60, 60, 66), width=8)  # the zip
    if crack:
        d.line([w // 2 + 6, int(h * .42), w // 2 + 40, int(h * .5), w // 2 + 22, int(h * .58)], fill=(30, 30, 30),
               width=6)
    else:
        d.rounded_rectangle([w // 2 - 14, int(h * .3), w // 2 + 14, int(h * .46)], 6, fill=(214, 170, 80))
    im.save(path)
    return path


def loaded(page: Page, selector: str) -> None:
    page.wait_for_function(f"() => {{ const i = [...document.querySelectorAll('{selector}')].pop();"
                           " return Boolean(i && i.complete && i.naturalWidth > 0); }")


def shoot_images_and_quick_replies(browser: Browser, base: str, out: Path, buyer: Page, answerer: AgentApi,
                                   conv_id: int) -> list[Path]:
    """images.png: the buyer sends a photo, the agent a picture back (workspace left, widget right);
    quick-replies.png: the agent's own pinned quick replies, one used on the same conversation."""
    tmp = Path(tempfile.mkdtemp(prefix="kefu-photos-"))
    widget = buyer.context.new_page()
    widget.set_viewport_size({"width": 380, "height": 820})
    widget.goto(f"{base}/widget/{SHOP}")
    widget.locator("#wg-input").fill("还有个问题，上次买的羽绒服拉链头掉了，您看下照片")
    widget.locator("#wg-input").press("Enter")
    widget.locator(".media-input").set_input_files(str(photo(tmp / "拉链.jpg", (92, 124, 170), (800, 600), True)))
    expect(widget.locator(".msg--buyer .msg-status").last).to_have_text("已送达")
    loaded(widget, ".msg--buyer .media-img")
    templates = {t["shortcut"]: t["id"] for t in answerer.get("/api/kb/templates")["templates"]}
    answerer.put("/api/quick-replies/mine", {"items": [
        {"template_id": templates["hi"]}, {"template_id": templates["wait"]},
        {"label": "要照片", "text": "麻烦您拍一下问题处的照片发给我，我马上帮您处理～"},
        {"template_id": templates["hh"]}, {"template_id": templates["bye"]}]})
    agent = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    log_in(agent, base, answerer.me["username"])
    agent.goto(f"{base}/agent#c{conv_id}")
    loaded(agent, ".m--buyer .media-img")
    agent.locator("#reply").fill("亲，拉链头可以免费补寄，装的时候从这里卡进去就行，我把位置标给您")
    agent.locator("#reply").press("Enter")
    agent.locator(".media-input").set_input_files(str(photo(tmp / "位置.png", (120, 150, 120), (600, 600), False)))
    loaded(agent, ".m--agent .media-img")
    loaded(widget, ".msg--agent .media-img")
    expect(agent.locator(".m--agent .m-receipt").last).to_have_text("已读")
    settle(agent)
    settle(widget)
    left, right = tmp / "workspace.png", tmp / "widget.png"
    agent.screenshot(path=left)
    widget.screenshot(path=right)
    sheet = Image.new("RGB", (1280 + 428, 900), (233, 237, 245))
    sheet.paste(Image.open(left), (0, 0))
    sheet.paste(Image.open(right), (1280 + 24, 40))
    shots = [out / "images.png"]
    sheet.save(shots[-1])

    agent.set_viewport_size(VIEWPORT)
    agent.reload()
    agent.locator("[data-tab=mine]").click()
    agent.goto(f"{base}/agent#c{conv_id}")
    quick = agent.locator("#quick .quick-btn", has_text="要照片")
    quick.click()
    expect(agent.locator("#reply")).to_have_value("麻烦您拍一下问题处的照片发给我，我马上帮您处理～")
    settle(agent)
    shots.append(out / "quick-replies.png")
    agent.screenshot(path=shots[-1])
    return shots


def settle(page: Page) -> None:
    page.evaluate("document.fonts.ready")
    page.wait_for_timeout(400)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/agent/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/agent*")


def shoot(base: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    boss = AgentApi(base, "laowang")
    conv, holder = best_conversation(boss)
    # a 售前 login for a person (the demo's simulated colleagues answer by themselves)
    seller = next(a for a in boss.get("/api/agents")["agents"]
                  if a["group"] == "售前" and a["role"] == "agent" and a["username"] not in SIMULATED)
    answerer = AgentApi(base, seller["username"])
    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # 1. The buyer asks about sizes on the product page; an agent answers.
            buyer = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
            buyer.goto(f"{base}/shop/{SHOP}")
            buyer.locator("#kefu-widget .launcher").click()
            chat = buyer.frame_locator("#kefu-widget iframe")
            conv_id = None
            for who, text in BUYER_CHAT:
                if who == "b":
                    chat.locator("#wg-input").fill(text)
                    chat.locator("#wg-input").press("Enter")
                    expect(chat.locator(".msg--buyer .msg-status").last).to_have_text("已送达")
                    if conv_id is None:
                        conv_id = first_conversation_with(answerer, text)
                else:
                    last = answerer.get(f"/api/conversations/{conv_id}")["conversation"]["last_seq"]
                    answerer.post(f"/api/conversations/{conv_id}/read", {"seq": last})
                    answerer.post(f"/api/conversations/{conv_id}/messages", {"text": text})
                    expect(chat.locator(".msg--agent .msg-bubble").last).to_have_text(text)
            expect(chat.locator(".msg--buyer .msg-status").last).to_have_text("已读", timeout=5000)
            chat.locator("#wg-input").fill("那我拍 M 码")
            settle(buyer)
            shots.append(out / "widget.png")
            buyer.screenshot(path=shots[-1])

            # 2. The workspace of the agent holding the richest conversation, with it open.
            agent = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
            log_in(agent, base, holder["username"])
            agent.locator("[data-tab=mine]").click()
            agent.goto(f"{base}/agent#c{conv['id']}")
            expect(agent.locator("#chat-log .m").first).to_be_visible()
            expect(agent.locator("#side-body .profile")).to_be_visible()
            settle(agent)
            shots.append(out / "workspace.png")
            agent.screenshot(path=shots[-1])
            # ... typing "/" in the reply box lists the reply templates, and the knowledge tab suggests articles.
            agent.locator("[data-side=kb]").click()
            expect(agent.locator("#kbp-suggest .kbp-hit, #kbp-suggest-for").first).to_be_visible()
            agent.locator("#kbp-q").fill("退货运费")
            expect(agent.locator("#kbp-results .kbp-hit").first).to_be_visible()
            agent.locator("#reply").fill("")
            agent.locator("#reply").press_sequentially("/")
            expect(agent.locator("#tpl-picker .tpl-option").first).to_be_visible()
            agent.locator("#reply").press("ArrowDown")
            settle(agent)
            shots.append(out / "template-picker.png")
            agent.screenshot(path=shots[-1])
            agent.locator("#reply").press("Escape")
            agent.locator("#reply").fill("")

            # 3. The supervisor's floor view.
            sup = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
            log_in(sup, base, "laowang")
            sup.goto(f"{base}/supervisor")
            expect(sup.locator("#sv-rows tr").first).to_be_visible()
            expect(sup.locator("#sv-agents li").first).to_be_visible()
            expect(sup.locator("#sv-queue tr, #sv-queue-empty:visible").first).to_be_visible()  # the queue has loaded
            settle(sup)
            shots.append(out / "supervisor.png")
            sup.screenshot(path=shots[-1])
            shots.append(out / "queue.png")
            sup.locator("#sv-queue-panel").screenshot(path=shots[-1])

            # 3b. Photos both ways, and the agent's own quick replies, on the buyer's conversation.
            shots += shoot_images_and_quick_replies(browser, base, out, buyer, answerer, conv_id)

            # 4. The holder escalates; the senior it is offered to sees the context and a countdown.
            holder_api = AgentApi(base, holder["username"])
            offered = holder_api.post(f"/api/conversations/{conv['id']}/escalate",
                                      {"note": "买家要求补偿运费，超出我的权限"})["handoff"]
            receiver = next(a for a in boss.get("/api/agents")["agents"] if a["id"] == offered["to_agent_id"])
            senior = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
            log_in(senior, base, receiver["username"])
            expect(senior.locator(".offer")).to_be_visible()
            settle(senior)
            shots.append(out / "escalation.png")
            senior.screenshot(path=shots[-1])

            # 5. The trainer's knowledge base: the list with an article open in the editor.
            trainer = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
            log_in(trainer, base, "zhaolaoshi")
            trainer.goto(f"{base}/kb")
            trainer.locator("#kb-q").fill("退货运费")
            expect(trainer.locator(".kb-item mark").first).to_be_visible()  # the search results, not the list
            trainer.locator(".kb-item").first.click()
            expect(trainer.locator("#kb-title")).to_have_value("退货运费谁出")
            expect(trainer.locator("#kb-versions li").first).to_be_visible()
            settle(trainer)
            shots.append(out / "kb.png")
            trainer.screenshot(path=shots[-1])
        finally:
            browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help="URL of a running `kefu demo` (default: start one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    if args.base:
        shots = shoot(args.base.rstrip("/"), args.out)
    else:
        with tempfile.TemporaryDirectory(prefix="kefu-shots-") as tmp:
            proc, base = start_demo(Path(tmp))
            try:
                shots = shoot(base, args.out)
            finally:
                proc.terminate()
                proc.wait(10)
    for path in shots:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
