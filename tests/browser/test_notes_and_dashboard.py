"""The desk in a real browser, as a writer and an editor: notes with an @mention, an
assignment found under "assigned to me", changes requested with a reason, and the
dashboard's blocks."""

import itertools

import pytest

from ..servers import manage
from .test_accessibility import WCAG, violations

pytestmark = pytest.mark.slow

_numbers = itertools.count(1)


@pytest.fixture
def writer(site):
    """A new writer account for each test, with a name for their byline."""
    username = f"writer{next(_numbers)}"
    created = manage(
        site["env"], "create_staff", username, "--role", "writer", "--name", "Wren Hale"
    )
    return username, created.split("Password: ")[1].split()[0]


def log_in(browser, site, account):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    username, password = account
    page.goto(site["base"] + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#inbox")
    return page


def write_story(page, site, headline, status="draft"):
    page.goto(site["base"] + "/admin/articles/article/add/")
    page.fill("#id_headline", headline)
    page.locator(".prose-editor > .ProseMirror").click()
    page.keyboard.type("The ferry leaves at seven.")
    page.select_option("#id_status", status)
    page.click("input[name=_continue]")
    assert "was added successfully" in page.inner_text(".messagelist")
    return page.url


def block(page, key):
    return page.locator(f"#desk-{key}")


def test_a_note_with_an_mention_reaches_the_writer_who_resolves_it(site, browser, writer):
    author = log_in(browser, site, writer)
    change_url = write_story(author, site, "Ferry timetable changes from Monday")
    editor = log_in(browser, site, site["editor"])
    editor.goto(change_url)
    editor.fill("#new-note", f"@{writer[0]} is the Sunday sailing still at nine?")
    editor.click("text=Add note")
    assert "Note added" in editor.inner_text(".messagelist")
    assert "Sunday sailing" in editor.inner_text("#notes")

    author.goto(site["base"] + "/admin/")
    item = author.locator("#inbox li", has_text="Sunday sailing")
    assert "Mentioned" in item.inner_text() and "(unread)" in item.inner_text()
    item.locator("a").click()
    author.fill("#notes textarea[name=body] >> nth=0", "Yes, nine o'clock, checked with the port.")
    author.click("#notes .desk-reply-form button")
    assert "checked with the port" in author.inner_text("#notes")
    author.click("#notes button:has-text('Resolve')")
    assert "Resolved by Wren Hale" in author.inner_text("#notes")
    # The editor's desk no longer lists it among open notes.
    editor.goto(site["base"] + "/admin/")
    assert "Ferry timetable changes" not in block(editor, "notes").inner_text()
    # Marking the mention read.
    author.goto(site["base"] + "/admin/")
    author.locator("#inbox li", has_text="Sunday sailing").locator("text=Mark read").click()
    assert "(unread)" not in author.locator("#inbox li", has_text="Sunday sailing").inner_text()
    author.context.close()
    editor.context.close()


def test_an_editor_assigns_and_the_writer_finds_it_assigned_to_them(site, browser, writer):
    editor = log_in(browser, site, site["editor"])
    change_url = write_story(editor, site, "Council budget vote preview")
    editor.goto(change_url)
    editor.select_option("#id_assignee", label=writer[0])
    editor.fill("#id_target_words", "650")
    editor.click("input[name=_continue]")
    assert "was changed successfully" in editor.inner_text(".messagelist")

    author = log_in(browser, site, writer)
    assert "Council budget vote preview" in block(author, "assigned").inner_text()
    assert "assigned “Council budget vote preview” to you" in author.inner_text("#inbox")
    author.goto(site["base"] + "/admin/articles/article/")
    author.click("#changelist-filter >> text=Assigned to me")
    rows = author.locator("#result_list tbody tr")
    assert rows.count() == 1 and "Council budget vote preview" in rows.first.inner_text()
    author.context.close()
    editor.context.close()


def test_an_editor_requests_changes_with_a_reason(site, browser, writer):
    author = log_in(browser, site, writer)
    change_url = write_story(author, site, "Harbour wall repairs delayed", status="review")
    editor = log_in(browser, site, site["editor"])
    assert "Harbour wall repairs delayed" in block(editor, "review").inner_text()
    editor.goto(change_url)
    editor.click("text=Request changes")
    editor.click("input[value='Send back for changes']")  # no reason given
    assert "Say what needs to change" in editor.inner_text("#content-main")
    editor.fill("#id_reason", "Name the contractor and add the council's reply.")
    editor.click("input[value='Send back for changes']")
    assert "went back to Draft" in editor.inner_text(".messagelist")
    assert editor.input_value("#id_status") == "draft"
    assert "Name the contractor" in editor.inner_text("#notes")

    author.goto(site["base"] + "/admin/")
    item = author.locator("#inbox li", has_text="Harbour wall repairs delayed")
    assert "Changes requested" in item.inner_text() and "Name the contractor" in item.inner_text()
    assert "Harbour wall repairs delayed" in block(author, "drafts").inner_text()
    author.context.close()
    editor.context.close()


def test_the_dashboard_blocks_of_an_editor_and_a_writer(site, browser, writer):
    editor = log_in(browser, site, site["editor"])
    headings = editor.locator("#content-main section h2").all_inner_texts()
    for title in (
        "Inbox",
        "My drafts",
        "Assigned to me",
        "Waiting for review",
        "Scheduled in the next 24 hours",
        "Published today",
        "Stories with open notes",
    ):
        assert any(heading.startswith(title) for heading in headings), title
    editor.click("text=this week")
    assert "Planning: the week of" in editor.inner_text("h1")
    editor.context.close()

    author = log_in(browser, site, writer)
    assert author.locator("#desk-review").count() == 0  # the review queue is for editors
    write_story(author, site, "Lighthouse open day")
    author.goto(site["base"] + "/admin/")
    assert "Lighthouse open day" in block(author, "drafts").inner_text()
    author.context.close()


def test_the_desk_pages_have_no_axe_violations(site, browser, writer, axe_source):
    author = log_in(browser, site, writer)
    change_url = write_story(author, site, "Axe check story", status="review")
    author.context.close()
    editor = log_in(browser, site, site["editor"])
    editor.goto(change_url)
    editor.fill("#new-note", f"@{writer[0]} a note to check")
    editor.click("text=Add note")
    editor.context.close()
    # axe is injected as an inline script, which a strict CSP rightly forbids.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(site["base"] + "/admin/login/")
    page.fill("#id_username", site["editor"][0])
    page.fill("#id_password", site["editor"][1])
    page.click("input[type=submit]")
    page.wait_for_selector("#inbox")
    pages = {"dashboard": "/admin/"}
    page.goto(change_url)
    pages["request changes"] = page.locator("text=Request changes").get_attribute("href")
    page.goto(site["base"] + "/admin/")
    pages["planning, day"] = page.locator("text=today").first.get_attribute("href")
    pages["planning, week"] = page.locator("text=this week").get_attribute("href")
    for name, url in pages.items():
        page.goto(url if url.startswith("http") else site["base"] + url)
        found = violations(page, axe_source)
        assert found == [], (name, found)
    # The change form's own widgets (the body editor, select2, breadcrumbs) are issue 14's
    # other half; the notes panel on it is checked here.
    page.goto(change_url)
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "tags => axe.run('#notes', {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    assert [v["id"] for v in result["violations"]] == []
    context.close()
