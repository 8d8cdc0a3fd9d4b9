"""WCAG 2.2 AA, checked by axe-core in Chromium on every kind of reader page."""

import re

import pytest

pytestmark = pytest.mark.slow

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def page_urls(site, page):
    page.goto(site["base"] + "/")
    story = page.locator(".lead-headline a").get_attribute("href")
    page.goto(site["base"] + story)
    tag = page.locator(".story-tags a").first.get_attribute("href")
    author = page.locator(".byline a").first.get_attribute("href")
    section = page.locator(".sections a").first.get_attribute("href")
    return {
        "home": "/",
        "story": story,
        "section": section,
        "tag": tag,
        "author": author,
        "archive": "/archive/?order=oldest",
        "search": "/search/?q=harbour",
        "search, nothing found": "/search/?q=zzzzzz",
        "404": "/no/such/page/",
        "corrections": "/corrections/",
        "archive with errors": "/archive/?start=nope",
    }


def violations(page, axe_source):
    page.evaluate(axe_source)  # not a <script>: the CSP refuses inline ones
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reader_pages_have_no_axe_violations(site, browser, axe_source, scheme):
    # axe is injected as an inline script, which the site's CSP rightly forbids.
    context = browser.new_context(color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    for name, url in page_urls(site, page).items():
        page.goto(site["base"] + url)
        found = violations(page, axe_source)
        assert found == [], (name, scheme, found)
    context.close()


def test_pages_have_one_h1_a_skip_link_lang_and_alt_text(site, page):
    for url in page_urls(site, page).values():
        page.goto(site["base"] + url)
        assert page.locator("h1").count() == 1, url
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("a.skip-link").get_attribute("href") == "#main"
        assert page.locator("img:not([alt])").count() == 0, url


def test_focus_is_visible_and_the_skip_link_works(site, page):
    page.goto(site["base"] + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#main$"))  # the fragment is set after the key press
    assert page.evaluate("document.querySelector(':target').id") == "main"
