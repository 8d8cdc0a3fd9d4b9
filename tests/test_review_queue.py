"""The review queue waits in order of submission (issue 14): a story's "submitted for
review at" is stamped when it goes into review, kept while it waits (an editor's fixes
do not send it to the back), cleared when it goes back to draft, and it is what the
desk's "waiting for review" and the story list's review queue are ordered by."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.editorial import workflow
from articles.models import Article

from .factories import make_draft, make_staff, make_story
from .test_workflow import form_data

pytestmark = pytest.mark.django_db

Status = Article.Status
STORY_LIST = reverse("admin:articles_article_changelist")


@pytest.fixture
def editor():
    return make_staff("ed", "Editor")


@pytest.fixture
def anna():
    return make_staff("anna", "Writer")


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def submitted(story, ago):
    """The story as if submitted ``ago``, then edited just now."""
    Article.objects.filter(pk=story.pk).update(submitted_at=timezone.now() - ago)
    story.refresh_from_db()
    return story


def test_going_into_review_stamps_the_time_and_editing_keeps_the_place(editor, anna):
    story = make_draft("Harbour dredging", created_by=anna)
    assert story.submitted_at is None
    before = timezone.now()
    assert workflow.transition(story, Status.REVIEW, anna)
    story.refresh_from_db()
    assert story.submitted_at >= before
    stamped = story.submitted_at
    # An editor's fix while it waits keeps its place in the queue.
    story.headline = "Harbour dredging to start in May"
    workflow.stamp_submission(story, Status.REVIEW)
    story.save()
    story.refresh_from_db()
    assert story.submitted_at == stamped and story.updated_at > stamped


def test_sent_back_it_waits_for_nothing_and_resubmitted_it_joins_the_back(editor, anna):
    story = make_draft("Harbour dredging", created_by=anna)
    workflow.transition(story, Status.REVIEW, anna)
    story = submitted(story, timedelta(days=2))
    workflow.request_changes(story, editor, "Name the second source.")
    story.refresh_from_db()
    assert story.status == Status.DRAFT and story.submitted_at is None
    workflow.transition(story, Status.REVIEW, anna)
    story.refresh_from_db()
    assert timezone.now() - story.submitted_at < timedelta(minutes=1)


def test_publishing_keeps_when_the_story_was_handed_over(editor, anna):
    story = make_draft("Harbour dredging", created_by=anna)
    workflow.transition(story, Status.REVIEW, anna)
    story = submitted(story, timedelta(hours=3))
    stamped = story.submitted_at
    workflow.transition(story, Status.PUBLISHED, editor)
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED and story.submitted_at == stamped


def test_the_change_form_stamps_a_submission_and_an_editors_save_keeps_it(editor, anna):
    story = make_draft("Harbour dredging", created_by=anna)
    change = reverse("admin:articles_article_change", args=[story.pk])
    response = logged_in(anna).post(change, form_data(story, status="review"))
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == Status.REVIEW and story.submitted_at is not None
    story = submitted(story, timedelta(days=1))
    stamped = story.submitted_at
    response = logged_in(editor).post(change, form_data(story, headline="Dredging in May"))
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.headline == "Dredging in May" and story.submitted_at == stamped
    # Straight into review from the add form: stamped too.
    response = logged_in(anna).post(
        reverse("admin:articles_article_add"), form_data(status="review", headline="New pier")
    )
    assert response.status_code == 302
    assert Article.objects.get(headline="New pier").submitted_at is not None


def queue():
    """Two stories in review: the one submitted first was edited last."""
    first = submitted(make_story("Submitted on Monday", status=Status.REVIEW), timedelta(days=3))
    second = submitted(make_story("Submitted this noon", status=Status.REVIEW), timedelta(hours=5))
    Article.objects.filter(pk=second.pk).update(updated_at=timezone.now() - timedelta(hours=5))
    Article.objects.filter(pk=first.pk).update(updated_at=timezone.now())  # a late fix
    return first, second


def test_the_desk_shows_the_longest_waiting_submission_first(editor):
    queue()
    html = logged_in(editor).get(reverse("admin:index")).content.decode()
    start = html.index('id="desk-review"')
    block = html[start : html.index("</section>", start)]
    assert block.index("Submitted on Monday") < block.index("Submitted this noon")


def test_the_story_lists_review_queue_is_in_order_of_submission(editor):
    queue()
    html = logged_in(editor).get(STORY_LIST).content.decode()
    assert html.index("Submitted on Monday") < html.index("Submitted this noon")


def test_the_migration_dates_stories_already_in_review_from_their_last_save():
    waiting = make_story("Waiting", status=Status.REVIEW)
    draft = make_draft("A draft")
    last_save = timezone.now() - timedelta(days=4)
    Article.objects.filter(pk__in=[waiting.pk, draft.pk]).update(
        submitted_at=None, updated_at=last_save
    )
    migration = importlib.import_module("articles.migrations.0018_submitted_for_review_at")
    migration.stories_in_review_waited_since_their_last_save(apps, None)
    waiting.refresh_from_db()
    draft.refresh_from_db()
    assert waiting.submitted_at == last_save and draft.submitted_at is None
