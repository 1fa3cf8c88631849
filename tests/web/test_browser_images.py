"""Images both ways in Debian's Chromium: the buyer picks a photo in the widget, the agent sees its thumbnail
and opens the viewer, then pastes an image back, which the buyer sees and opens. A non-image dropped on the
widget is refused before any upload. In English, lists say "[Image]", not the stored "[图片]"."""

from __future__ import annotations

import functools
import io
import os
import uuid
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from tests.web import browser
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, kefu_each, needs_chromium, server_env, serving

PASSWORD = "browser-pass-2026"
log_in = functools.partial(browser.log_in, password=PASSWORD)
pytestmark = needs_chromium
DOCS_SHOT = os.environ.get("KEFU_DOCS_SHOT")  # a path prefix (e.g. /tmp/images): also take screenshots there


def picture(color: tuple[int, int, int], size=(480, 360)) -> bytes:
    """A product photo stand-in: a mug with a crack on a light table."""
    img = Image.new("RGB", size, (236, 232, 224))
    d = ImageDraw.Draw(img)
    w, h = size
    d.rectangle([0, h * 0.72, w, h], fill=(205, 196, 182))
    d.rounded_rectangle([w * 0.3, h * 0.22, w * 0.64, h * 0.8], radius=18, fill=color)
    d.arc([w * 0.56, h * 0.34, w * 0.78, h * 0.64], start=-90, end=90, fill=color, width=16)
    d.line([(w * 0.42, h * 0.26), (w * 0.46, h * 0.42), (w * 0.43, h * 0.5), (w * 0.48, h * 0.66)],
           fill=(60, 50, 45), width=4)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=88)
    return buf.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("images")
    env = server_env(data, "images-test")
    slug = f"cup-{uuid.uuid4().hex[:8]}"
    username = f"xiaozhou-{uuid.uuid4().hex[:6]}"
    kefu_each(env, ("shop", "add", slug, "青瓷家居旗舰店"),
              ("agent", "add", username, "--shop", slug, "--password", PASSWORD, "--name", "小周"),
              ("agent", "add", f"{username}-boss", "--shop", slug, "--password", PASSWORD, "--name", "主管",
               "--role", "supervisor"))
    with serving(env, data) as base:
        yield SimpleNamespace(base=base, slug=slug, username=username, boss=f"{username}-boss", data=data)


PASTE = """([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], name, { type: 'image/jpeg' }));
  document.querySelector('#reply').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
}"""
DROP_TEXT = """() => {
  const dt = new DataTransfer();
  dt.items.add(new File(['not a photo'], 'x.jpg', { type: 'text/plain' }));
  const zone = document.querySelector('.wg');
  for (const type of ['dragenter', 'dragover', 'drop']) {
    zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }
}"""
LOADED = "(img) => Boolean(img && img.complete && img.naturalWidth > 0)"




def test_buyer_and_agent_exchange_photos(server, tmp_path):
    import base64

    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10000)
    errors: list[str] = []
    photo = tmp_path / "裂纹.jpg"
    photo.write_bytes(picture((92, 140, 196)))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            buyer = browser.new_context(locale="zh-CN", viewport={"width": 380, "height": 640}).new_page()
            buyer.on("pageerror", lambda e: errors.append(f"buyer: {e}"))
            buyer.goto(f"{server.base}/widget/{server.slug}")
            buyer.locator("#wg-input").fill("收到的杯子有裂纹，我拍了照片")
            buyer.locator("#wg-input").press("Enter")
            expect(buyer.locator(".msg--buyer .msg-status")).to_have_text(["已送达"])

            # A text file dropped on the widget is refused at once, in the buyer's language.
            buyer.evaluate(DROP_TEXT)
            expect(buyer.locator("#wg-error")).to_have_text("只能发送 JPG、PNG、WebP、GIF 格式的图片")

            # The buyer picks the photo with the picture button's file input.
            buyer.locator(".media-input").set_input_files(str(photo))
            expect(buyer.locator(".msg--buyer .msg-status")).to_have_text(["已送达", "已送达"])
            buyer.wait_for_function(f"() => ({LOADED})(document.querySelector('.msg--buyer .media-img'))")
            expect(buyer.locator("#wg-error")).to_be_hidden()

            agent = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 760}).new_page()
            agent.on("pageerror", lambda e: errors.append(f"agent: {e}"))
            log_in(agent, server.base, server.username, "/agent")
            row = agent.locator(".conv-item").first
            expect(row.locator(".ci-preview")).to_have_text("[图片]")
            row.click()
            thumb = agent.locator(".m--buyer .media-img")
            expect(thumb).to_have_count(1)
            expect(thumb).to_have_attribute("width", "200")  # 480 x 360 shown at 200 x 150, no layout jump
            agent.wait_for_function(f"() => ({LOADED})(document.querySelector('.m--buyer .media-img'))")

            # Click opens the viewer with the full photo; Esc closes it.
            thumb.click()
            full = agent.locator(".media-viewer .media-full")
            expect(full).to_be_visible()
            agent.wait_for_function("() => document.querySelector('.media-full').naturalWidth === 480")
            expect(agent.locator(".media-original")).to_have_text("查看原图")
            agent.keyboard.press("Escape")
            expect(agent.locator(".media-viewer")).to_have_count(0)

            # The agent pastes an image into the reply box: it is sent at once.
            agent.evaluate(PASTE, [base64.b64encode(picture((214, 170, 80), (360, 360))).decode(), "正确包装.jpg"])
            expect(agent.locator(".m--agent .media-img")).to_have_count(1)

            # The buyer gets it live (fetched with the visitor token) and opens it.
            mine = buyer.locator(".msg--agent .media-img")
            expect(mine).to_have_count(1)
            buyer.wait_for_function("() => { const i = document.querySelector('.msg--agent .media-img');"
                                    " return i && i.src.startsWith('blob:') && i.naturalWidth > 0; }")
            mine.click()
            expect(buyer.locator(".media-viewer .media-full")).to_be_visible()
            buyer.keyboard.press("Escape")
            expect(buyer.locator(".media-viewer")).to_have_count(0)
            expect(agent.locator(".m--agent .m-receipt")).to_have_text(["已读"])

            # After a reload both photos are still there (history from the server).
            buyer.reload()
            expect(buyer.locator(".media-img")).to_have_count(2)

            # In English, the image-only chat reads "[Image]" in the agent's list and the supervisor's view.
            agent.goto(f"{server.base}/agent?lang=en")
            expect(agent.locator(".conv-item .ci-preview")).to_have_text(["[Image]"])
            agent.locator("#search").fill("image")  # the list is searched as shown
            expect(agent.locator(".conv-item")).to_have_count(1)
            boss = browser.new_context(locale="en-US").new_page()
            boss.on("pageerror", lambda e: errors.append(f"supervisor: {e}"))
            log_in(boss, server.base, server.boss, "/supervisor")
            boss.goto(f"{server.base}/supervisor?lang=en")
            expect(boss.locator("#sv-rows .sv-preview span")).to_have_text(["[Image]"])
            if DOCS_SHOT:
                agent.set_viewport_size({"width": 1280, "height": 900})
                buyer.set_viewport_size({"width": 380, "height": 820})
                agent.locator(".m--buyer .media-thumb").click()
                agent.wait_for_timeout(400)  # the viewer fades in
                agent.screenshot(path=f"{DOCS_SHOT}-viewer.png")
                agent.keyboard.press("Escape")
                agent.screenshot(path=f"{DOCS_SHOT}-workspace.png")
                buyer.screenshot(path=f"{DOCS_SHOT}-widget.png")
        finally:
            browser.close()
    assert errors == []
