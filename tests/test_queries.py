"""Every reader query rests on the same rule as Article.objects.live()."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from articles.reader import queries

from .factories import make_author, make_draft, make_scheduled, make_section, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom():
    """Live, draft, scheduled and unpublished stories sharing one section, tag and author."""
    section, author = make_section(), make_author()
    shared = {"section": section, "authors": [author], "tags": ["shared"]}
    stories = [make_story(age=timedelta(hours=hours), **shared) for hours in (1, 2, 30)] + [
        make_draft(**shared),
        make_draft(published_at=timezone.now() - timedelta(hours=3), **shared),
        make_scheduled(delay=timedelta(seconds=5), **shared),
        make_scheduled(delay=timedelta(days=3), **shared),
    ]
    withdrawn = make_story(age=timedelta(hours=4), **shared)
    withdrawn.status = Article.Status.DRAFT
    withdrawn.save()
    return section, author, [*stories, withdrawn]


def live_ids(now, **filters):
    return list(
        Article.objects.live(now)
        .filter(**filters)
        .order_by("-published_at", "-id")
        .values_list("id", flat=True)
    )


def ids(rows):
    return [row["id"] for row in rows]


def test_listing_queries_return_exactly_the_live_stories(newsroom):
    section, author, _ = newsroom
    tag_id = queries.tag_by_slug("shared", timezone.now())["id"]
    for now in (
        timezone.now(),
        timezone.now() + timedelta(seconds=10),
        timezone.now() + timedelta(days=5),
    ):
        expected = live_ids(now)
        assert ids(queries.latest(now, 100)) == expected
        assert ids(queries.latest(now, 100, columns=queries.STORY_COLUMNS)) == expected
        assert ids(queries.in_section(section.id, now, 100)) == expected
        full = queries.STORY_COLUMNS
        assert ids(queries.in_section(section.id, now, 100, columns=full)) == expected
        assert ids(queries.with_tag(tag_id, now, 100, columns=full)) == expected
        assert ids(queries.by_author(author.id, now, 100, columns=full)) == expected
        assert ids(queries.with_tag(tag_id, now, 100)) == expected
        assert ids(queries.by_author(author.id, now, 100)) == expected
        assert (
            ids(
                queries.between(
                    datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC), now, 100
                )
            )
            == expected
        )


def test_story_query_finds_only_live_stories(newsroom):
    _, _, stories = newsroom
    now = timezone.now()
    live = set(live_ids(now))
    for story in stories:
        found = queries.story(story.path, now) if story.path else None
        assert (found is not None) == (story.id in live), story


def test_lead_is_the_newest_live_featured_story():
    make_story("Old lead", featured=True, age=timedelta(days=2))
    newest = make_story("New lead", featured=True, age=timedelta(hours=5))
    make_scheduled("Future lead", featured=True)
    make_draft("Draft lead", featured=True, published_at=timezone.now())
    assert queries.lead(timezone.now())["id"] == newest.id


def test_next_publication_is_the_earliest_scheduled_time():
    soon = make_scheduled(delay=timedelta(minutes=10))
    make_scheduled(delay=timedelta(days=1))
    make_draft(published_at=timezone.now() + timedelta(minutes=1))
    assert queries.publication_moments(timezone.now())[0] == soon.published_at


def test_rows_carry_aware_datetimes_and_paths():
    story = make_story()
    row = queries.latest(timezone.now(), 1)[0]
    assert row["published_at"] == story.published_at
    assert row["path"] == story.path
