"""The desk's rules without the admin: what an importer, an API or a job calls."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from reversion.models import Version
from taggit.models import Tag

from articles.editorial import workflow
from articles.editorial.taxonomy import merge_tags
from articles.models import Article

from .factories import make_draft, make_staff, make_story

pytestmark = pytest.mark.django_db
Status = Article.Status


@pytest.fixture
def people():
    return make_staff("wendy", "Writer"), make_staff("otto", "Writer"), make_staff("ed", "Editor")


def test_a_writer_submits_their_own_draft_and_nothing_more(people):
    wendy, otto, _ = people
    mine = make_draft("Mine", created_by=wendy)
    assert workflow.transition(mine, Status.REVIEW, wendy) is True
    assert Article.objects.get(pk=mine.pk).status == Status.REVIEW
    with pytest.raises(PermissionDenied):
        workflow.transition(mine, Status.PUBLISHED, wendy)
    theirs = make_draft("Theirs", created_by=otto)
    with pytest.raises(PermissionDenied):
        workflow.transition(theirs, Status.REVIEW, wendy)
    assert Article.objects.get(pk=theirs.pk).status == Status.DRAFT


def test_an_editor_publishes_withdraws_and_republishes(people):
    *_, ed = people
    story = make_draft("Ready", body="<p>Text.</p>")
    assert workflow.transition(story, Status.PUBLISHED, ed)
    assert Article.objects.get(pk=story.pk).is_live
    assert workflow.transition(story, Status.WITHDRAWN, ed)
    assert Client().get(story.path).status_code == 404
    assert workflow.transition(story, Status.PUBLISHED, ed)
    assert Client().get(story.path).status_code == 200


def test_moves_a_story_never_makes_change_nothing(people):
    *_, ed = people
    story = make_story("Live")
    assert workflow.transition(story, Status.PUBLISHED, ed) is False  # already there
    assert workflow.transition(story, Status.REVIEW, ed) is False  # withdraw first
    assert Article.objects.get(pk=story.pk).status == Status.PUBLISHED


def test_an_empty_story_cannot_be_published(people):
    *_, ed = people
    story = make_draft("Empty", body="")
    with pytest.raises(ValidationError) as refused:
        workflow.transition(story, Status.PUBLISHED, ed)
    assert "needs a body" in str(refused.value)
    assert Article.objects.get(pk=story.pk).status == Status.DRAFT


def test_each_move_is_a_revision_of_its_own_story(people):
    *_, ed = people
    first, second = make_draft("One"), make_draft("Two")
    for story in (first, second):
        workflow.transition(story, Status.PUBLISHED, ed)
    for story in (first, second):
        version = Version.objects.get_for_object(story).get()
        assert version.revision.user == ed
        stories = version.revision.version_set.filter(content_type__model="article")
        assert [v.object_id for v in stories] == [str(story.pk)]


def test_tags_merge_without_the_admin(client):
    make_story("A", tags=["ferry"])
    make_story("B", tags=["ferries"])
    merge_tags([Tag.objects.get(slug="ferry")], Tag.objects.get(slug="ferries"))
    response = client.get("/tag/ferry/")
    assert response.status_code == 301 and response["Location"].endswith("/tag/ferries/")
    assert client.get("/tag/ferries/").content.decode().count('<article class="story-item') == 2
