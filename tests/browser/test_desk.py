"""The desk's first-day breakages of issue 14, in Chromium: a revert keeps a published
story published, a share link is created, copied, opened logged out and revoked, and a
refused stale save shows the other version and saves once merged."""

import json
import re

import pytest
from playwright.sync_api import expect

from ..servers import manage
from .signin import log_in

pytestmark = pytest.mark.slow

SETUP = """
import json, reversion
from django.contrib.auth import get_user_model
from articles.models import Article, Correction

desk = get_user_model().objects.get(username="desk")
story = Article(headline={headline!r}, slug={slug!r}, body={body!r}, status={status!r})
for change in {changes!r}:
    with reversion.create_revision():
        for field, value in change.items():
            setattr(story, field, value)
        story.save()
        reversion.set_user(desk)
for text in {corrections!r}:
    Correction.objects.create(article=story, text=text, created_by=desk)
print(json.dumps({{"pk": story.pk, "path": story.path}}))
"""


def make_story(site, headline, slug, body, status, changes=({},), corrections=()):
    """A story saved through the ORM with one revision per change, as the desk would have
    left it; returns its id and address."""
    script = SETUP.format(
        headline=headline,
        slug=slug,
        body=body,
        status=status,
        changes=list(changes),
        corrections=list(corrections),
    )
    return json.loads(manage(site["env"], "shell", "-c", script).strip().splitlines()[-1])


def change_url(site, story):
    return f"{site['base']}/admin/articles/article/{story['pk']}/change/"


def test_reverting_a_published_story_keeps_it_published_with_its_correction(site, page, browser):
    story = make_story(
        site,
        "Harbour reopens to ferries",
        "harbour-reopens",
        "<p>The harbour reopened on Monday.</p>",
        "review",
        changes=[
            {},
            {"status": "published"},
            {"slug": "harbour-reopens-today", "body": "<p>Ferries sailed again at noon.</p>"},
        ],
        corrections=["An earlier version gave the wrong harbour master."],
    )
    old_path = story["path"].replace("harbour-reopens-today", "harbour-reopens")
    log_in(page, site)
    page.goto(change_url(site, story).replace("/change/", "/history/"))
    page.locator("#change-history tbody tr").last.locator("a").click()  # the first revision

    # The revision's words, but the story's present status and time.
    editor = page.locator(".prose-editor > .ProseMirror")
    assert "The harbour reopened on Monday." in editor.inner_text()
    assert page.input_value("#id_status") == "published"
    assert page.input_value("#id_published_at_0") != ""
    box = page.locator("#id_restore_publication")
    assert not box.is_checked()
    label = page.locator("label[for=id_restore_publication]").inner_text()
    assert "Also restore status and publication time — this takes the story offline" in label
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")

    reader = browser.new_context()
    try:
        story_page = reader.new_page()
        response = story_page.goto(site["base"] + story["path"])
        assert response.status == 200
        expect(story_page.locator(".story-body")).to_contain_text("The harbour reopened on Monday.")
        expect(story_page.locator("body")).to_contain_text("wrong harbour master")
        moved = reader.request.get(site["base"] + old_path, max_redirects=0)
        assert moved.status == 301 and moved.headers["location"].endswith(story["path"])
        corrections = story_page.goto(site["base"] + "/corrections/")
        assert corrections.status == 200
        expect(story_page.locator("body")).to_contain_text("wrong harbour master")
    finally:
        reader.close()


def test_share_link_is_created_copied_opened_logged_out_and_revoked(site, page, browser):
    story = make_story(
        site, "Embargoed budget leak", "budget-leak", "<p>The leaked figures.</p>", "draft"
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site["base"])
    log_in(page, site)
    page.goto(change_url(site, story))
    page.click("text=Create a share link")
    expect(page.locator(".messagelist")).to_contain_text("Share link created")
    address = page.input_value("#share-link-1")
    assert re.fullmatch(re.escape(site["base"]) + r"/preview/[^/]+/", address)

    page.click("[data-copy=share-link-1]")
    page.wait_for_function("document.getElementById('share-link-status').textContent !== ''")
    assert page.inner_text("#share-link-status") == "Address copied."
    assert page.evaluate("navigator.clipboard.readText()") == address

    stranger = browser.new_context()
    try:
        preview = stranger.new_page()
        assert preview.goto(address).status == 200
        assert preview.inner_text("h1.headline") == "Embargoed budget leak"

        page.click("button[aria-label='Revoke share link 1']")
        expect(page.locator(".messagelist")).to_contain_text("revoked")
        assert page.locator("#share-link-1").count() == 0
        assert preview.goto(address).status == 404
    finally:
        stranger.close()


def test_a_refused_stale_save_shows_the_diff_and_the_merge_saves(site, page, browser):
    story = make_story(
        site,
        "Ferry strike ends",
        "ferry-strike-ends",
        "<p>The strike ended on Monday.</p>",
        "draft",
    )
    created = manage(site["env"], "create_staff", "night", "--role", "editor", "--name", "Nia Kerr")
    other_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        other = other_context.new_page()
        log_in(other, site, ("night", re.search(r"Password: (\S+)", created).group(1)))
        log_in(page, site)
        other.goto(change_url(site, story))
        page.goto(change_url(site, story))  # both have the same version open

        other.fill("#id_dek", "Talks lasted all weekend.")
        other.click("input[name=_continue]")
        expect(other.locator(".messagelist")).to_contain_text("changed successfully")

        page.fill("#id_headline", "Ferry strike ends after six weeks")
        page.locator(".prose-editor > .ProseMirror").click()
        page.keyboard.press("Control+End")
        page.keyboard.type(" Ferries run again on Tuesday.")
        page.click("input[name=_continue]")
        refusal = page.locator(".errornote + ul, .errorlist").first
        expect(refusal).to_contain_text("Nia Kerr saved this story")
        panel = page.locator("#stale-save")
        assert panel.locator("th[scope=row]", has_text="Dek").count() == 1
        assert panel.locator(".stale-save-theirs ins").inner_text().strip() == (
            "Talks lasted all weekend."
        )
        # Nothing of the second editor's work was lost.
        assert page.input_value("#id_headline") == "Ferry strike ends after six weeks"
        assert (
            "Ferries run again on Tuesday."
            in page.locator(".prose-editor > .ProseMirror").inner_text()
        )

        page.fill("#id_dek", "Talks lasted all weekend.")  # the merge
        page.click("input[name=_continue]")
        expect(page.locator(".messagelist")).to_contain_text("changed successfully")
        page.reload()
        assert page.input_value("#id_headline") == "Ferry strike ends after six weeks"
        assert page.input_value("#id_dek") == "Talks lasted all weekend."
        body = page.locator(".prose-editor > .ProseMirror").inner_text()
        assert "The strike ended on Monday. Ferries run again on Tuesday." in body
    finally:
        other_context.close()
