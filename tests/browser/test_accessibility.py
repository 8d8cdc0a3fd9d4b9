"""WCAG 2.2 AA, checked by axe-core in Chromium on every kind of reader page, and on the
admin pages editors and writers work in: the desk, the whole story form, planning and
the photo pages."""

import re

import pytest

from ..servers import manage
from .signin import log_in

pytestmark = pytest.mark.slow

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# axe.run's options in every check. resultTypes: axe collects every node of every violation,
# as without it, and stops at the first node of a rule that passed, did not apply or was
# left incomplete, which no check reads: the same violations in a third to a half of the
# time (the story form 2.8 -> 1.3 s, the front 1.3 -> 0.5 s; checked alike on pages given
# an image without alt text, a button without a name and faint text).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}


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
    if not page.evaluate("() => typeof axe !== 'undefined'"):  # once per page load
        page.evaluate(axe_source)  # not a <script>: the CSP refuses inline ones
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
    ]


SCHEMES = ("light", "dark")
FINISH_ANIMATIONS = """() => document.getAnimations().forEach(animation => {
    try { animation.finish(); } catch (endless) {}
})"""


def violations_in_both_schemes(page, axe_source):
    """axe's findings with the reader's system set to light, then dark: one page load
    checked twice. The colours follow ``prefers-color-scheme`` at once, but the admin's
    links fade to theirs (a CSS transition): each is taken to its end before axe reads
    the colours. Taken there, not waited for: a wait on every animation's ``finished``
    never ends when one repeats forever (the body editor's gap cursor blinks for as
    long as it shows), and had no bound of its own; finish() returns at once, and
    refuses only the endless ones, which hold no colour."""
    found, backgrounds = {}, set()
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        page.evaluate(FINISH_ANIMATIONS)
        backgrounds.add(page.evaluate("getComputedStyle(document.body).backgroundColor"))
        found[scheme] = violations(page, axe_source)
    assert len(backgrounds) == 2, f"the page looked the same in both schemes: {backgrounds}"
    return {scheme: items for scheme, items in found.items() if items}


def test_reader_pages_have_no_axe_violations(site, browser, axe_source):
    # axe is injected as an inline script, which the site's CSP rightly forbids.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    for name, url in page_urls(site, page).items():
        page.goto(site["base"] + url)
        found = violations_in_both_schemes(page, axe_source)
        assert found == {}, (name, found)
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


# --- The admin: the desk, the whole story form, planning and the photo pages ----------


@pytest.fixture(scope="module")
def writer(site):
    created = manage(site["env"], "create_staff", "axe-writer", "--role", "writer")
    return ("axe-writer", re.search(r"Password: (\S+)", created).group(1))


def whole_form(page):
    """Every part of a change form shown, as someone working through it would: collapsed
    sections opened, a blank row added to each inline (a new byline, a correction)."""
    page.evaluate("() => document.querySelectorAll('form details').forEach(d => d.open = true)")
    for add_row in page.locator(".add-row a").all():
        if add_row.is_visible():
            add_row.click()
    page.locator(".field-body .tiptap").wait_for()


def admin_urls(site, page, role):
    """The admin pages a writer or an editor works in all day (issue 14)."""
    page.goto(site["base"] + "/admin/articles/article/add/")
    page.fill("#id_headline", f"Axe checks the {role}'s story")
    page.locator(".prose-editor > .ProseMirror").click()
    page.keyboard.type("The ferry leaves at seven.")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    own_story = page.url
    page.goto(site["base"] + "/admin/")
    urls = {
        "dashboard": "/admin/",
        "story, add": "/admin/articles/article/add/",
        "story, change (own draft)": own_story,
        "planning, day": page.locator("text=today").first.get_attribute("href"),
        "planning, week": page.locator("text=this week").get_attribute("href"),
        "photo library": "/admin/articles/image/",
    }
    if role == "editor":  # a published story: the publication fields, its corrections
        page.goto(site["base"] + "/admin/articles/article/?status__exact=published")
        urls["story, change (published)"] = page.locator(
            "#result_list tbody th a"
        ).first.get_attribute("href")
    page.goto(site["base"] + "/admin/articles/image/")
    urls["photo, change"] = page.locator("#result_list tbody th a").first.get_attribute("href")
    return urls


@pytest.mark.parametrize("role", ["editor", "writer"])
def test_admin_pages_have_no_axe_violations(site, browser, axe_source, writer, role):
    # axe is injected as an inline script, which the admin's CSP rightly forbids.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, site, writer if role == "writer" else site["editor"])
    for name, url in admin_urls(site, page, role).items():
        page.goto(url if url.startswith("http") else site["base"] + url)
        page.wait_for_load_state("networkidle")  # Select2 and the body editor set up
        if "story" in name:
            whole_form(page)
        found = violations_in_both_schemes(page, axe_source)
        assert found == {}, (role, name, found)
    context.close()
