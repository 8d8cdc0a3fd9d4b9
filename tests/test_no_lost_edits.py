"""Two people edit one story: the second save is refused, and their text is kept in the form."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

from .factories import make_staff, make_story
from .test_workflow import change_url, form_data

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_second_save_is_refused_naming_who_saved_and_keeping_the_text():
    ana = make_staff("ana", "Editor", first_name="Ana", last_name="Reyes")
    ben = make_staff("ben", "Editor")
    story = make_story("Original headline", body="<p>Original body.</p>")
    opened = Article.objects.get(pk=story.pk)  # both open the same version
    first = logged_in(ana).post(change_url(story), form_data(opened, body="<p>Ana's fix.</p>"))
    assert first.status_code == 302

    second = logged_in(ben).post(
        change_url(story),
        form_data(opened, body="<p>Ben's long rewrite that must not be lost.</p>"),
    )
    assert second.status_code == 200
    html = second.content.decode()
    saved_at = timezone.localtime(Article.objects.get(pk=story.pk).updated_at)
    assert f"Ana Reyes saved this story at {saved_at:%-d %b %Y, %H:%M}" in html
    assert (
        "Ben&#x27;s long rewrite that must not be lost." in html
        or "Ben's long rewrite that must not be lost." in html
    )
    story.refresh_from_db()
    assert story.body == "<p>Ana's fix.</p>"


def test_saving_again_after_reloading_works():
    ana, ben = make_staff("ana", "Editor"), make_staff("ben", "Editor")
    story = make_story("Headline")
    opened = Article.objects.get(pk=story.pk)
    logged_in(ana).post(change_url(story), form_data(opened, dek="Ana's dek"))
    reloaded = Article.objects.get(pk=story.pk)
    response = logged_in(ben).post(change_url(story), form_data(reloaded, dek="Ben's dek"))
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.dek == "Ben's dek"


def test_one_person_saving_twice_in_a_row_is_not_refused():
    ana = make_staff("ana", "Editor")
    client = logged_in(ana)
    story = make_story("Headline")
    client.post(change_url(story), form_data(story, dek="First"))
    story.refresh_from_db()
    assert client.post(change_url(story), form_data(story, dek="Second")).status_code == 302


def test_opening_a_story_someone_else_opened_shows_who_is_editing():
    ana = make_staff("ana", "Editor", first_name="Ana", last_name="Reyes")
    ben = make_staff("ben", "Editor")
    story = make_story("Headline")
    with time_machine.travel(timezone.now() - timedelta(minutes=3)):
        logged_in(ana).get(change_url(story))
    html = logged_in(ben).get(change_url(story)).content.decode()
    assert "Ana Reyes opened this story for editing 3 min ago." in html
    own_page = logged_in(ana).get(change_url(story)).content.decode()
    assert "Ana Reyes opened" not in own_page  # nobody is warned about themselves
    assert "opened this story for editing just now" in own_page  # ben, a moment ago


def test_an_old_visit_is_not_reported():
    ana, ben = make_staff("ana", "Editor"), make_staff("ben", "Editor")
    story = make_story("Headline")
    with time_machine.travel(timezone.now() - timedelta(hours=2)):
        logged_in(ana).get(change_url(story))
    assert "opened this story" not in logged_in(ben).get(change_url(story)).content.decode()


def test_stale_check_survives_a_revert_in_between():
    """A revert restores old field values; a form opened before it must still be stale."""
    from reversion.models import Version

    ana, ben = make_staff("ana", "Editor"), make_staff("ben", "Editor")
    story = make_story("Version one")
    client = logged_in(ana)
    client.post(change_url(story), form_data(story, headline="Version two"))
    story.refresh_from_db()
    client.post(change_url(story), form_data(story, headline="Version three"))
    opened_by_ben = Article.objects.get(pk=story.pk)
    first = Version.objects.get_for_object(story).order_by("pk").first()
    revert_url = reverse("admin:articles_article_revision", args=[story.pk, first.pk])
    page = client.get(revert_url)
    assert page.status_code == 200
    reverting = Article.objects.get(pk=story.pk)
    response = client.post(
        revert_url,
        form_data(
            reverting,
            headline="Version two",
            opened_version=page.context["adminform"].form.initial.get("opened_version", ""),
        ),
    )
    assert response.status_code == 302
    refused = logged_in(ben).post(change_url(story), form_data(opened_by_ben, headline="Ben's"))
    assert refused.status_code == 200
    story.refresh_from_db()
    assert story.headline == "Version two"
