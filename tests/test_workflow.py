"""States and roles: writers draft and submit, editors publish, schedule and withdraw.

Every refusal here is enforced by the server: the requests are crafted as a
browser could send them, whatever the page showed.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Author

from .factories import make_section, make_staff, make_story

pytestmark = pytest.mark.django_db


def form_data(story=None, **overrides):
    """What the admin's change form posts for ``story`` (or a new story)."""
    data = {
        "headline": story.headline if story else "A new story",
        "dek": story.dek if story else "",
        "body": story.body if story else "<p>Body.</p>",
        "section": story.section_id or "" if story else "",
        "tags": "",
        "dateline": "",
        "status": story.status if story else "draft",
        "slug": story.slug if story else "a-new-story",
        "opened_version": story.edit_version if story else "",
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
    }
    if story and story.published_at:
        local = timezone.localtime(story.published_at)
        data["published_at_0"], data["published_at_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
    else:
        data["published_at_0"] = data["published_at_1"] = ""
    data.update(overrides)
    return data


def change_url(story):
    return reverse("admin:articles_article_change", args=[story.pk])


@pytest.fixture
def writer(client):
    user = make_staff("wendy", "Writer")
    client.force_login(user)
    return user


def test_writer_creates_a_draft_and_submits_it_for_review(client, writer):
    response = client.post(reverse("admin:articles_article_add"), form_data(status="draft"))
    assert response.status_code == 302
    story = Article.objects.get()
    assert story.created_by == writer and story.status == "draft"
    response = client.post(change_url(story), form_data(story, status="review"))
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == "review" and story.updated_by == writer


@pytest.mark.parametrize("status", ["published", "withdrawn"])
def test_writer_crafting_a_publish_post_is_refused_and_nothing_changes(client, writer, status):
    story = make_story("Writer's draft", status="draft", created_by=writer)
    before = Article.objects.values().get(pk=story.pk)
    response = client.post(
        change_url(story),
        form_data(
            story,
            status=status,
            published_at_0="2020-01-01",
            published_at_1="10:00:00",
            featured="on",
            headline="Changed headline",
        ),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Article.objects.values().get(pk=story.pk) == before


def test_writer_cannot_schedule_or_feature_through_a_crafted_post(client, writer):
    story = make_story("Writer's draft", status="draft", created_by=writer)
    client.post(
        change_url(story),
        form_data(
            story,
            status="review",
            published_at_0="2030-01-01",
            published_at_1="10:00:00",
            featured="on",
        ),
    )
    story.refresh_from_db()
    assert story.status == "review"
    assert story.published_at is None and story.featured is False


def test_writer_cannot_publish_with_the_bulk_action(client, writer):
    story = make_story("Writer's draft", status="draft", created_by=writer)
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [story.pk]},
    )
    story.refresh_from_db()
    assert story.status == "draft"
    assert response.status_code == 302  # back to the list: the action is not offered to writers


def test_writer_cannot_see_or_edit_another_writers_story(client, writer):
    other = make_staff("otto", "Writer")
    theirs = make_story("Otto's secret draft", status="draft", created_by=other)
    assert client.get(change_url(theirs)).status_code in (302, 403, 404)
    response = client.post(change_url(theirs), form_data(theirs, headline="Hijacked"))
    assert response.status_code in (302, 403, 404)
    theirs.refresh_from_db()
    assert theirs.headline == "Otto's secret draft"
    changelist = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Otto&#x27;s secret draft" not in changelist and "Otto's secret draft" not in changelist


def test_writer_cannot_edit_their_own_story_once_published(client, writer):
    story = make_story("Published piece", created_by=writer)
    response = client.post(
        change_url(story), form_data(story, status="draft", headline="Sneaky edit")
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.headline == "Published piece" and story.is_live


def test_editor_publishes_schedules_and_withdraws(client, editor):
    story = make_story("Desk story", status="review")
    client.post(change_url(story), form_data(story, status="published"))
    story.refresh_from_db()
    assert story.is_live

    later = timezone.localtime(timezone.now() + timedelta(days=1)).replace(microsecond=0)
    scheduled = make_story("Embargoed", status="review")
    client.post(
        change_url(scheduled),
        form_data(
            scheduled,
            status="published",
            published_at_0=f"{later:%Y-%m-%d}",
            published_at_1=f"{later:%H:%M:%S}",
        ),
    )
    scheduled.refresh_from_db()
    assert scheduled.status == "published" and scheduled.published_at == later
    assert not scheduled.is_live

    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "withdraw", "_selected_action": [story.pk]},
    )
    story.refresh_from_db()
    assert story.status == "withdrawn" and not story.is_live
    assert client.get(story.path).status_code == 404


def test_editor_edits_any_writers_published_story(client, editor):
    writer = make_staff("wendy", "Writer")
    story = make_story("Their story", created_by=writer)
    response = client.post(change_url(story), form_data(story, headline="Their story, edited"))
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.headline == "Their story, edited"


def test_admin_list_shows_every_state_plainly(client, editor):
    make_story("Draft one", status="draft")
    make_story("Waiting one", status="review")
    make_story("Live one")
    make_story("Gone one", status="withdrawn", published_at=timezone.now())
    when = timezone.localtime(timezone.now() + timedelta(days=2)).replace(hour=9, minute=0)
    make_story("Later one", published_at=when)
    html = client.get(reverse("admin:articles_article_changelist")).content.decode()
    for label in [
        "Draft",
        "In review",
        "Published",
        "Withdrawn",
        f"Scheduled · {when:%a} {when.day} {when:%b} 09:00",
    ]:
        assert label in html, label


def test_create_staff_makes_accounts_in_a_role():
    out = StringIO()
    call_command("create_staff", "ana", "--role", "writer", "--name", "Ana Reyes", stdout=out)
    password = out.getvalue().split("Password: ")[1].split()[0]
    user = authenticate(RequestFactory().post("/admin/login/"), username="ana", password=password)
    assert user.is_staff and [g.name for g in user.groups.all()] == ["Writer"]
    assert not user.has_perm("articles.publish_article")
    assert Author.objects.get(user=user).name == "Ana Reyes"
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_staff", "ana", "--role", "editor", stdout=StringIO())


def test_roles_have_the_permissions_the_desk_expects():
    writer, editor = make_staff("w", "Writer"), make_staff("e", "Editor")
    assert writer.has_perm("articles.add_article") and writer.has_perm("articles.change_article")
    assert not writer.has_perm("articles.publish_article")
    assert not writer.has_perm("articles.delete_article")
    assert not writer.has_perm("articles.add_correction")
    for perm in ["publish_article", "edit_any_article", "delete_article", "add_correction"]:
        assert editor.has_perm(f"articles.{perm}"), perm
    assert make_section()  # sections exist for the desk to file into
