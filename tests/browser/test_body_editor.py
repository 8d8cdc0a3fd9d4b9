"""The story body editor in Chromium: links, photos at the end, spellcheck, its height,
and a pasted YouTube address becoming an embed that readers load only on request."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import AXE
from .signin import log_in
from .test_accessibility import violations

pytestmark = pytest.mark.slow

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def open_new_story(site, page):
    log_in(page, site)
    page.goto(site["base"] + "/admin/articles/article/add/")
    editor = page.locator(".prose-editor > .ProseMirror")
    editor.wait_for()
    return editor


def body(page):
    return page.locator("#id_body").input_value()


def test_end_then_enter_after_adding_a_link_keeps_the_linked_word(site, page):
    editor = open_new_story(site, page)
    # Keys come as fast as a quick typist's; each try once lost the word most times.
    for attempt in range(3):
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.press("Delete")
        page.keyboard.type("Harbour news today")
        page.keyboard.press("Home")
        for _letter in "Harbour":
            page.keyboard.press("Shift+ArrowRight")
        page.locator(".prose-menubar button[title='insert link']").click()
        dialog = page.locator("dialog.prose-editor-dialog")
        dialog.locator("input[name=href]").fill("https://example.org/harbour")
        dialog.locator("button[type=submit]").click()
        page.keyboard.press("End")
        page.keyboard.press("Enter")
        page.keyboard.type("Second paragraph")
        assert re.fullmatch(
            r'<p><a href="https://example.org/harbour"[^>]*>Harbour</a> news today</p>'
            r"<p>Second paragraph</p>",
            body(page),
        ), (attempt, body(page))


def test_enter_after_a_photo_at_the_end_starts_a_paragraph(site, page):
    editor = open_new_story(site, page)
    editor.click()
    page.keyboard.type("The pier at dawn.")
    page.locator(".prose-menubar button[title='figure']").click()
    dialog = page.locator("dialog.prose-editor-dialog")
    dialog.locator("input[name=imageUrl]").fill("/static/newsroom-logo.png")
    dialog.locator("input[name=altText]").fill("The pier")
    dialog.locator("input[name=caption]").fill("The pier at dawn")
    dialog.locator("button[type=submit]").click()
    editor.locator("figcaption").wait_for()
    editor.click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("After the photo.")
    assert body(page).endswith(
        '<figcaption class="figure-caption">The pier at dawn</figcaption></figure>'
        "<p>After the photo.</p>"
    )


def test_spellcheck_is_on_and_the_box_has_room_and_grows(site, page):
    editor = open_new_story(site, page)
    assert editor.get_attribute("spellcheck") == "true"
    assert editor.evaluate("el => el.spellcheck") is True
    empty = editor.bounding_box()["height"]
    assert empty >= 300  # about fifteen lines, not one
    editor.click()
    # Thirty paragraphs typed key by key; each is one line, however short: ~7 keys each
    # rather than ~30 (every key runs the form's word count and SEO checks).
    for number in range(30):
        page.keyboard.type(f"Part {number}.")
        page.keyboard.press("Enter")
    grown = editor.bounding_box()["height"]
    assert grown > empty + 300
    # No scroll box inside the editor: the page scrolls, the editor shows everything.
    assert editor.evaluate("el => el.scrollHeight <= el.clientHeight + 1")


def paste(page, text):
    page.locator(".prose-editor > .ProseMirror").evaluate(
        """(el, text) => {
            const data = new DataTransfer()
            data.setData("text/plain", text)
            el.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                          cancelable: true}))
        }""",
        text,
    )


def test_a_pasted_youtube_address_becomes_an_embed_readers_load_on_request(site, page, browser):
    editor = open_new_story(site, page)
    page.fill("#id_headline", "Harbour seals filmed at the pier")
    page.fill("#id_dek", "A reader's video of the seals.")
    editor.click()
    page.keyboard.type("Watch the seals:")
    page.keyboard.press("Enter")
    paste(page, YOUTUBE)
    assert editor.locator("figure.embed").inner_text().startswith("YouTube video")
    # An address inside a sentence stays a link.
    page.keyboard.press("Control+End")
    page.keyboard.type("Also see ")
    paste(page, "https://vimeo.com/76979871")
    assert editor.locator("figure.embed").count() == 1
    page.select_option("#id_status", "published")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    # Saved as the server built it, and shown again as an embed in the editor.
    assert 'data-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in body(page)
    page.locator(".prose-editor figure.embed").wait_for()
    assert page.locator(".prose-editor figure.embed").count() == 1
    story_url = page.locator("a.viewsitelink").get_attribute("href")

    reader = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        story = reader.new_page()
        requests = []
        story.on("request", lambda request: requests.append(request.url))
        loaded = []

        def frame(route):
            loaded.append(route.request.url)
            route.fulfill(content_type="text/html", body="<p>The video</p>")

        story.route("https://www.youtube-nocookie.com/**", frame)
        story.goto(site["base"] + story_url)
        button = story.get_by_role("button", name="Load the video from YouTube")
        button.wait_for()
        assert story.locator(".story-body iframe").count() == 0
        assert story.locator(".story-body figure.embed a").get_attribute("href") == YOUTUBE
        assert all(url.startswith(site["base"]) for url in requests), requests

        story.evaluate(
            """() => { window.violations = [];
            document.addEventListener("securitypolicyviolation",
                (e) => window.violations.push(e.violatedDirective + " " + e.blockedURI)) }"""
        )
        button.click()
        iframe = story.locator(".story-body iframe")
        iframe.wait_for()
        assert iframe.get_attribute("src") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
        story.frame_locator(".story-body iframe").locator("text=The video").wait_for()
        assert loaded == ["https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"]
        assert story.evaluate("window.violations") == []
    finally:
        reader.close()

    # The placeholder passes axe in both colour schemes (where axe is installed; it is
    # injected inline, so this context bypasses the CSP checked above).
    if AXE.exists():
        for scheme in ("light", "dark"):
            checked = browser.new_context(color_scheme=scheme, bypass_csp=True)
            try:
                story = checked.new_page()
                story.goto(site["base"] + story_url)
                story.get_by_role("button", name="Load the video from YouTube").wait_for()
                assert violations(story, AXE.read_text()) == [], scheme
            finally:
                checked.close()
