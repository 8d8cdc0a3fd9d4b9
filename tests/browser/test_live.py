"""Live coverage in Chromium (issue 17): a reader's open page shows an update an editor
posts, without a reload and without taking their focus; without JavaScript the refresh
link shows it; and a live story has no axe violations."""

import json

import pytest

from ..servers import manage
from .signin import log_in
from .test_accessibility import violations

pytestmark = pytest.mark.slow

OPEN_COVERAGE = """
from articles.editorial import live
from articles.models import Article, LiveUpdate
from django.contrib.auth import get_user_model
editor = get_user_model().objects.get(username="desk")
story = Article.objects.live().exclude(path=None).order_by("-published_at").first()
live.open_coverage(story, editor)
live.set_breaking(story, editor)
for n, text in enumerate(["Winds reach 90 km/h on the coast.", "Ferries stay in port."]):
    live.save_update(LiveUpdate(story=story, body=f"<p>{text}</p>", key_event=n == 0),
                     editor, publish=True)
print(json.dumps({"id": story.pk, "path": story.path}))
"""


# The served site is shared with the other browser tests: put the story back as it was.
PUT_BACK = """
from articles.editorial import live
from articles.models import Article, LiveUpdate
from django.contrib.auth import get_user_model
editor = get_user_model().objects.get(username="desk")
story = Article.objects.get(pk=%d)
for update in LiveUpdate.objects.filter(story=story):
    live.delete_update(update, editor)
live.clear_breaking(story, editor)
Article.objects.filter(pk=story.pk).update(live_started_at=None, live_ended_at=None)
Article.objects.get(pk=story.pk).save()  # a save stamps the pages that show it
"""


@pytest.fixture(scope="module")
def storm(site):
    out = manage(site["env"], "shell", "-c", "import json\n" + OPEN_COVERAGE)
    story = json.loads(out.strip().splitlines()[-1])
    yield story
    manage(site["env"], "shell", "-c", PUT_BACK % story["id"])


def post_update(browser, site, storm, text):
    """An editor posts ``text`` from the quick form on the story's admin page."""
    context = browser.new_context()
    editor = context.new_page()
    log_in(editor, site)
    editor.goto(f"{site['base']}/admin/articles/article/{storm['id']}/change/")
    editor.fill("#id_text", text)
    editor.check("#id_publish")
    editor.click("#live-quick-add button[type=submit]")
    editor.wait_for_selector("text=Update published.")
    assert editor.input_value("#id_text") == ""  # the change form was not reloaded
    context.close()


def test_a_reader_sees_a_new_update_appear_after_an_editor_posts_it(site, browser, storm, page):
    # The page's timers run on a clock the test moves: the next poll is one interval
    # away (static/live.js, 20 s), which the test skips rather than waits for.
    page.clock.install()
    page.goto(site["base"] + storm["path"])
    assert page.locator(".live-update").count() == 2
    assert not page.locator(".live-reload").is_visible()  # the script refreshes instead
    page.focus("#masthead-q")
    post_update(browser, site, storm, "The bridge is closed to traffic.")
    button = page.locator("button.live-new")
    assert not button.is_visible()
    page.clock.run_for(20_000)  # one poll interval: the poll that finds the update
    button.wait_for(state="visible")
    assert button.inner_text() == "1 new update"
    assert page.locator(".live-status").inner_text() == "1 new update"
    assert page.locator(".live-status").get_attribute("aria-live") == "polite"
    assert page.evaluate("document.activeElement.id") == "masthead-q"  # focus not taken
    assert page.locator(".live-update").count() == 2  # nothing moved before the reader asked
    button.click()
    first = page.locator("#live-updates .live-update").first
    assert "The bridge is closed to traffic." in first.inner_text()
    assert page.locator(".live-update").count() == 3


def test_without_javascript_the_refresh_link_shows_new_updates(site, browser, storm):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site["base"] + storm["path"])
    link = page.locator("a.live-reload")
    assert link.inner_text() == "Refresh for new updates"
    post_update(browser, site, storm, "Power is back in the harbour.")
    link.click()
    page.wait_for_load_state()
    assert "Power is back in the harbour." in page.locator("#live-updates").inner_text()
    context.close()


def test_a_live_story_has_no_axe_violations(site, browser, storm, axe_source):
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, bypass_csp=True)
        page = context.new_page()
        page.goto(site["base"] + storm["path"])
        assert page.locator(".live-marker").count() >= 1
        assert page.locator(".breaking-banner").count() == 1
        assert violations(page, axe_source) == [], scheme
        context.close()
