"""Photos on tickets in Debian's Chromium: a buyer who left a message adds a photo to their ticket from the
widget's 我的工单 (a pasted image stays out of the chat), the agent sees it in the ticket's history and opens
it, then replies with a photo only, which reaches the buyer's open panel."""

from __future__ import annotations

import base64
import functools
import io
import os
import re

import pytest
from PIL import Image, ImageDraw

from tests.web import browser
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, team_server

PASSWORD = "ticket-img-pass-2026"
log_in = functools.partial(browser.log_in, password=PASSWORD)
SHOTS = os.environ.get("KEFU_SCREENSHOTS")  # a folder: the pages are saved there as PNG (docs, review)

pytestmark = needs_chromium


def parcel(color=(196, 150, 96), size=(640, 480)) -> bytes:
    """A crushed parcel stand-in: a box with a dent on a floor."""
    img = Image.new("RGB", size, (232, 228, 220))
    d = ImageDraw.Draw(img)
    w, h = size
    d.polygon([(w * .22, h * .3), (w * .78, h * .26), (w * .8, h * .8), (w * .2, h * .82)], fill=color)
    d.line([(w * .22, h * .3), (w * .5, h * .45), (w * .78, h * .26)], fill=(120, 84, 50), width=6)
    d.line([(w * .5, h * .45), (w * .52, h * .8)], fill=(120, 84, 50), width=4)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=88)
    return buf.getvalue()


PASTE = """([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], name, { type: 'image/jpeg' }));
  document.querySelector('.wt-reply textarea')
    .dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with team_server(tmp_path_factory, "ticket-images", PASSWORD,
                     ("agent", "小周", "agent")) as server:
        yield server


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def loaded(img) -> None:
    """The thumbnail was fetched (with the buyer's token or the agent's cookie) and decoded."""
    from playwright.sync_api import expect

    expect(img).not_to_have_class(re.compile(r"\bis-(loading|broken)\b"))
    assert img.evaluate("el => el.complete && el.naturalWidth") > 0


def test_a_buyer_adds_a_photo_to_their_ticket_and_the_agent_sees_it(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    photo = tmp_path / "箱子压扁了.jpg"
    photo.write_bytes(parcel())
    errors: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            buyer = chromium.new_context(locale="zh-CN", viewport={"width": 420, "height": 760}).new_page()
            buyer.on("pageerror", lambda e: errors.append(f"buyer: {e}"))
            buyer.goto(f"{server.base}/widget/{server.slug}")
            buyer.locator("#wg-tickets").click()  # 留言: the buyer has no ticket yet
            buyer.locator(".wt-leave textarea").fill("快递送到时箱子被压扁了，里面的杯子碎了")
            buyer.locator(".wt-leave button[type=submit]").click()
            card = buyer.locator(".wt-ticket").first
            expect(card).to_be_visible()
            number = card.get_attribute("data-number")

            reply = card.locator(".wt-reply")
            reply.locator("input[type=file]").set_input_files(str(photo))
            expect(reply.locator(".tp-item")).to_have_count(1)
            expect(reply.locator(".tp-item.is-uploading")).to_have_count(0)  # uploaded on pick
            # a pasted image joins the ticket's reply, not the chat behind the panel
            buyer.evaluate(PASTE, [base64.b64encode(parcel((90, 120, 170))).decode(), "second.jpg"])
            expect(reply.locator(".tp-item")).to_have_count(2)
            reply.locator(".tp-remove").nth(1).click()  # changed their mind about the second one
            expect(reply.locator(".tp-item")).to_have_count(1)
            reply.locator("textarea").fill("这是收到时的照片")
            expect(reply.locator(".tp-item.is-uploading")).to_have_count(0)
            shot(buyer, "widget-ticket-photo-pending.png")
            reply.locator("button[type=submit]").click()
            mine = card.locator(".wt-m--buyer")
            expect(mine).to_contain_text("这是收到时的照片")
            expect(mine.locator(".tp-images img")).to_have_count(1)
            loaded(mine.locator(".tp-images img"))
            expect(card.locator(".wt-reply .tp-item")).to_have_count(0)  # the box is empty again
            expect(buyer.locator("#wg-log .media-thumb")).to_have_count(0)  # nothing went to the chat
            shot(buyer, "widget-ticket-photo.png")

            page = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
            page.on("pageerror", lambda e: errors.append(f"tickets: {e}"))
            log_in(page, server.base, server.agent, next_="/tickets")
            page.locator(f".kb-item[data-number='{number}']").click()
            row = page.locator("#tk-history li.tk-h-note", has_text="这是收到时的照片")
            expect(row.locator(".tp-images img")).to_have_count(1)
            loaded(row.locator(".tp-images img"))
            row.locator(".media-thumb").click()
            loaded_full = page.locator(".media-viewer .media-full")
            expect(loaded_full).to_be_visible()
            assert loaded_full.evaluate("el => new Promise((ok) => el.complete ? ok(el.naturalWidth)"
                                        " : el.addEventListener('load', () => ok(el.naturalWidth)))") == 640
            shot(page, "ticket-photo-viewer.png")
            page.keyboard.press("Escape")
            expect(page.locator(".media-viewer")).to_have_count(0)

            # The agent answers with a photo and no words; the buyer's open panel shows it at once.
            page.locator("#tk-note input[type=file]").set_input_files(str(photo))
            expect(page.locator("#tk-note .tp-item")).to_have_count(1)
            expect(page.locator("#tk-note .tp-item.is-uploading")).to_have_count(0)
            page.locator("#tk-note").scroll_into_view_if_needed()
            shot(page, "ticket-photo-pending.png")
            page.locator("#tk-note button[type=submit]").click()
            expect(page.locator("#tk-history li.tk-h-note .tp-images img")).to_have_count(2)
            expect(page.locator("#tk-note .tp-item")).to_have_count(0)
            shot(page, "ticket-photos.png")
            agents = card.locator(".wt-m--agent")
            expect(agents.locator(".tp-images img")).to_have_count(1)
            loaded(agents.locator(".tp-images img"))
            expect(agents).not_to_contain_text("[图片]")  # a photo-only reply shows no placeholder
        finally:
            chromium.close()
    assert errors == []
