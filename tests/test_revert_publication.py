"""Reverting a published story puts back what it said, never whether or where it is
published, unless an editor ticks the box that says what that does to readers."""

import re

import pytest
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Correction

from .factories import make_draft, make_staff
from .test_attacks import as_user, revision_url
from .test_workflow import change_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    """A story saved in review, published, given a new slug and body, then
    corrected: the case of issue 14."""
    editor = make_staff("ed", "Editor")
    client = as_user(editor)
    story = make_draft("Harbour reopens", body="<p>First text.</p>")
    assert client.post(change_url(story), form_data(story, status="review")).status_code == 302
    story.refresh_from_db()
    assert client.post(change_url(story), form_data(story, status="published")).status_code == 302
    story.refresh_from_db()
    data = form_data(story, body="<p>Second text.</p>", slug="harbour-reopens-today")
    assert client.post(change_url(story), data).status_code == 302
    story.refresh_from_db()
    Correction.objects.create(article=story, text="The harbour master's name was wrong.")
    first = Version.objects.get_for_object(story).order_by("pk").first()
    assert first.field_dict["status"] == "review"
    return {"story": story, "first": first, "editor": client}


def selected_status(html):
    return re.search(r'<option value="(\w+)" selected>', html).group(1)


def test_the_revert_form_offers_the_current_status_and_time(published):
    story, first = published["story"], published["first"]
    html = published["editor"].get(revision_url(story, first)).content.decode()
    assert "First text." in html  # the revision's words
    assert selected_status(html) == "published"
    local = Article.objects.get(pk=story.pk).published_at
    assert f'name="published_at_0" value="{timezone.localtime(local):%Y-%m-%d}"' in html
    assert "Also restore status and publication time — this takes the story offline" in html
    assert (
        'name="restore_publication"' in html
        and " checked" not in html.split('name="restore_publication"')[1].split(">")[0]
    )


def test_reverting_a_published_story_keeps_it_published_with_its_correction(published):
    story, first, client = published["story"], published["first"], published["editor"]
    path = story.path
    client.get(revision_url(story, first))
    story.refresh_from_db()
    data = form_data(story, body="<p>First text.</p>")
    assert client.post(revision_url(story, first), data).status_code == 302
    story.refresh_from_db()
    assert story.body == "<p>First text.</p>"
    assert story.status == "published" and story.path == path and story.is_live
    reader = Client()
    assert reader.get(path).status_code == 200
    old = reader.get(path.replace("harbour-reopens-today", "harbour-reopens"))
    assert old.status_code == 301 and old["Location"].endswith(path)
    assert "harbour master" in reader.get("/corrections/").content.decode()


def test_an_editor_may_restore_the_old_status_after_the_warning(published):
    story, first, client = published["story"], published["first"], published["editor"]
    path = story.path
    client.get(revision_url(story, first))
    story.refresh_from_db()
    data = form_data(story, body="<p>First text.</p>", restore_publication="on")
    assert client.post(revision_url(story, first), data).status_code == 302
    story.refresh_from_db()
    assert story.status == "review" and story.published_at is None and not story.is_live
    assert Client().get(path).status_code == 404
    assert story.corrections.count() == 1  # corrections are never taken back


def test_a_writer_is_not_offered_the_box_and_cannot_tick_it():
    writer = make_staff("wendy", "Writer")
    client = as_user(writer)
    story = make_draft("Wendy's draft", created_by=writer, body="<p>One.</p>")
    client.post(change_url(story), form_data(story, body="<p>Two.</p>"))
    story.refresh_from_db()
    client.post(change_url(story), form_data(story, status="review"))
    story.refresh_from_db()
    first = Version.objects.get_for_object(story).order_by("pk").first()
    html = client.get(revision_url(story, first)).content.decode()
    assert "restore_publication" not in html
    story.refresh_from_db()
    data = form_data(story, body="<p>Two.</p>", restore_publication="on")
    assert client.post(revision_url(story, first), data).status_code == 302
    story.refresh_from_db()
    assert story.status == "review"


def test_no_box_when_the_revision_was_published_the_same_way(published):
    story, client = published["story"], published["editor"]
    client.post(change_url(story), form_data(story, dek="A new dek."))
    story.refresh_from_db()
    second = Version.objects.get_for_object(story).order_by("pk")[2]  # the new slug's
    html = client.get(revision_url(story, second)).content.decode()
    assert "restore_publication" not in html
