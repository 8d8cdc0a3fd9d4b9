"""The admin under the same Content Security Policy as the reader site, in Chromium.

Walks the screens an editor uses (the desk, the story list, the story form with its
body editor, photo picker and live preview, live coverage's quick-add form with its photo
box, history, a revision, the photo library and a photo, the calendar and the planning
budget, pins, a breaking-news alert's confirmation page) and fails on any script, style,
frame or connection the policy refused: a widget that needed inline script would
otherwise break silently in front of an editor, or the policy would have to be loosened.
"""

import re

import pytest
from playwright.sync_api import expect

from .signin import log_in

pytestmark = pytest.mark.slow

# Registered before any page script runs; Playwright injects it outside the page's CSP.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(
    event.violatedDirective + ' ' + (event.blockedURI || 'inline') + ' @' + event.sourceFile
  );
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return page, console


def refused(page, console):
    return page.evaluate("window.__cspViolations || []") + console


def test_the_admin_sends_a_policy_without_unsafe_inline_scripts(site, page):
    log_in(page, site)
    for address in ("/admin/", "/admin/articles/article/add/", "/admin/articles/image/"):
        response = page.goto(site["base"] + address)
        policy = response.headers.get("content-security-policy", "")
        script_src = re.search(r"script-src ([^;]*)", policy)
        assert script_src, (address, policy)
        assert "'unsafe-inline'" not in script_src.group(1)
        assert "'unsafe-eval'" not in script_src.group(1)
        assert "frame-ancestors 'none'" in policy
    # Only the story form, which carries the body editor's import map, gets a nonce;
    # each response its own.
    first = page.goto(site["base"] + "/admin/articles/article/add/")
    second = page.goto(site["base"] + "/admin/articles/article/add/")
    nonces = [
        re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"]).group(1)
        for r in (first, second)
    ]
    assert nonces[0] != nonces[1]
    assert "'nonce-" not in page.goto(site["base"] + "/admin/").headers.get(
        "content-security-policy"
    )


def test_an_editors_screens_run_under_the_policy(site, watched):
    page, console = watched
    log_in(page, site, fresh=True)  # the login page runs under the policy too
    base = site["base"]

    page.goto(base + "/admin/articles/article/add/")
    editor = page.locator(".prose-editor > .ProseMirror")
    editor.wait_for()  # the editor's modules loaded through the nonce'd import map
    page.fill("#id_headline", "Ferry timetable changes")
    editor.click()
    page.keyboard.type("The winter timetable starts on Monday.")
    preview = page.frame_locator("#nr-live-preview-frame")
    expect(preview.locator(".story-body")).to_contain_text("winter timetable")
    page.click(".prose-menubar button[aria-label='Photo from the library']")
    expect(page.locator("dialog.photo-library .photo-library__photo").first).to_be_visible()
    page.keyboard.press("Escape")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    change_url = page.url

    # Live coverage opened from the list: the quick-add form, its photo autocomplete
    # (the story form's) and its script posting an update without a reload.
    story_id = re.search(r"/article/(\d+)/change/", change_url).group(1)
    page.goto(base + "/admin/articles/article/")
    page.check(f"input.action-select[value='{story_id}']")
    page.select_option("select[name=action]", "open_coverage")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("Live coverage opened")
    page.goto(change_url)
    quick = page.locator("#live-quick-add")
    quick.locator(".select2-selection").click()
    expect(page.locator(".select2-results__option").first).to_be_visible()
    page.keyboard.press("Escape")
    quick.locator("textarea").fill("Ferries stop at noon.")
    quick.locator("button[type=submit]").click()
    expect(quick.locator(".live-quick-add-status")).to_contain_text("Update")

    page.goto(change_url.replace("/change/", "/history/"))
    page.locator("#change-history tbody tr").last.locator("a").click()  # a revision
    page.locator(".prose-editor > .ProseMirror").first.wait_for()  # the body (and an update's)

    for address in (
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/calendar/",
        "/admin/articles/image/",
        "/admin/articles/pin/",
    ):
        page.goto(base + address)
        expect(page.locator("#content")).to_be_visible()
    page.goto(base + "/admin/articles/image/")
    page.locator("#result_list a[href*='/change/']").first.click()
    expect(page.locator(".focal-picker img")).to_be_visible()

    # A published story's breaking-news alert: the confirmation page shows the email
    # in a sandboxed frame (srcdoc, so the policy's frame-src needs nothing added).
    page.goto(base + "/admin/articles/article/?status__exact=published")
    page.locator("#result_list a[href*='/change/']").first.click()
    page.get_by_role("link", name="Send breaking-news alert…").click()
    expect(page.locator(".nr-alert-recipients")).to_be_visible()
    expect(page.frame_locator("iframe.nr-email-preview").locator("body")).to_contain_text(
        "Breaking news"
    )

    assert refused(page, console) == []
