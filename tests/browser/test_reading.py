"""A reader in a real browser: the front page, a story, a tag, its feed, search."""

import re
from xml.etree import ElementTree

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

pytestmark = pytest.mark.slow


def test_reader_goes_home_story_tag_and_follows_the_feed(site, page):
    page.goto(site["base"] + "/")
    headline = page.locator(".lead-headline a").inner_text()
    page.locator(".lead-headline a").click()
    expect(page.locator("h1.headline")).to_have_text(headline)
    assert re.match(r"\w+day, \w+ \d{1,2}, \d{4}", page.locator(".story-date").inner_text())
    tag = page.locator(".story-tags a").first
    tag_name = tag.inner_text()
    tag.click()
    expect(page.locator("h1")).to_have_text(tag_name)  # waits for the tag page
    assert headline in page.inner_text("main")
    feed_link = page.locator("a.feed-link")
    response = page.request.get(site["base"] + feed_link.get_attribute("href"))
    assert response.headers["content-type"].startswith("application/rss+xml")
    feed = ElementTree.fromstring(response.body())
    assert headline in [title.text for title in feed.iter("title")]


def test_reader_searches_and_opens_a_result(site, page):
    page.goto(site["base"] + "/")
    page.fill("#masthead-q", "ferry")
    page.press("#masthead-q", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q=ferry"))
    first = page.locator(".search-result h2 a").first
    assert "ferry" in page.locator(".search-result").first.inner_text().lower()
    title = first.inner_text()
    first.click()
    expect(page.locator("h1.headline")).to_have_text(title)


def test_story_page_works_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site["base"] + "/")
    page.locator(".lead-headline a").click()
    assert page.locator("h1.headline").is_visible()
    assert page.locator(".story-body p").count() >= 3
    context.close()


def test_dark_mode_and_print_styles(site, browser):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(site["base"] + "/")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(20, 20, 20)"
    page.locator(".lead-headline a").click()
    page.emulate_media(media="print")
    assert page.locator(".sections").is_hidden()
    assert page.locator(".latest").is_hidden()
    assert page.locator("h1.headline").is_visible()
    context.close()
