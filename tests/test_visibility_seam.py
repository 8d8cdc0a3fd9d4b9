"""One rule for readers, whatever asks: every public reader query and the search
backend return exactly what ``Article.objects.live()`` allows, table-driven.

The archive holds a story in every state readers must not see (draft, in review,
scheduled, withdrawn, and a draft that once had a time), pinned, tagged, bylined,
redirected and corrected like the live ones, and enough live stories for the
deep-page branch of the listing queries. A new public function in
``articles.reader.queries`` fails ``test_the_table_covers_every_public_query`` until it
is added to the table (or named as returning no stories).
"""

import inspect
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.models import Article, Correction, Pin, StoryRedirect
from articles.reader import queries, search

from .factories import make_author, make_draft, make_scheduled, make_section, make_story

pytestmark = pytest.mark.django_db
Status = Article.Status

# Public functions that return no stories: names, moments, labels of given ids.
NOT_STORIES = {
    "read",  # the row helper every query and the search backends use
    "reading",  # which database connection they read through (primary or replica)
    "db_time",
    "live_at",  # the rule itself
    "bylines",
    "labels",
    "sections",
    "section_by_slug",
    "author_by_slug",
    "tag_by_slug",
    "renamed_tag",
    "content_stamp",
    "publication_moments",
    "corrections",  # a story's notes: test_a_note_reaches_readers_at_its_time_everywhere
}


@pytest.fixture
def archive():
    section, author = make_section(slug="harbour"), make_author(slug="ana")
    shared = {"section": section, "authors": [author], "tags": ["ferries", "harbour"]}
    live = [make_story(f"Ferry live {n}", age=timedelta(hours=n + 1), **shared) for n in range(6)]
    Article.objects.filter(pk=live[4].pk).update(featured=True)
    hidden = [  # featured too, so a lead that ignored the rule would pick them
        make_draft("Ferry draft", featured=True, **shared),
        make_story("Ferry in review", status=Status.REVIEW, featured=True, **shared),
        make_scheduled("Ferry scheduled", delay=timedelta(hours=2), featured=True, **shared),
        make_draft("Ferry dated draft", published_at=timezone.now() - timedelta(hours=3), **shared),
    ]
    withdrawn = make_story("Ferry withdrawn", age=timedelta(minutes=30), **shared)
    withdrawn.status = Status.WITHDRAWN
    withdrawn.save()
    hidden.append(withdrawn)
    for position, story in enumerate([hidden[0], live[0], hidden[2], live[1]]):
        Pin.objects.create(section=None, article=story, position=position)
        Pin.objects.create(section=section, article=story, position=position)
    StoryRedirect.objects.create(old_path="/old/withdrawn/", article=withdrawn)
    # The breaking-news banner (issue 17): hidden stories hold the newest banners.
    later = timezone.now() + timedelta(hours=5)
    Article.objects.filter(pk__in=[s.pk for s in [*hidden, live[2]]]).update(breaking_until=later)
    StoryRedirect.objects.create(old_path="/old/live/", article=live[2])
    now = timezone.now()
    for story in (live[0], withdrawn):
        Correction.objects.create(article=story, text="A past correction.")
    future = Correction.objects.create(
        article=live[1], text="Not yet.", published_at=now + timedelta(hours=1)
    )
    # Enough older live stories to reach the deep-page branch (offset >= queries.DEEP).
    Article.objects.bulk_create(
        Article(
            headline=f"Old ferry {n}",
            body="<p>Old.</p>",
            status=Status.PUBLISHED,
            published_at=now - timedelta(days=2, minutes=n),
            section=section,
        )
        for n in range(queries.DEEP + 10)
    )
    search.rebuild()
    return {
        "section": section,
        "author": author,
        "live": live,
        "hidden": hidden,
        "future_note": future,
        "tag_ids": [t.pk for t in live[0].tags.all()],
    }


def call_every_query(archive, now):
    """{name: rows} for every public reader query returning stories."""
    section, live, hidden = archive["section"], archive["live"], archive["hidden"]
    everyone = [*live, *hidden]
    tag_id = queries.tag_by_slug("ferries", now)["id"]
    deep = queries.DEEP + 2
    pins = [live[0].pk, live[1].pk]
    return {
        "latest": queries.latest(now, 20),
        "latest (deep, pins left out)": queries.latest(now, 20, deep, exclude_ids=pins),
        "lead": [row for row in [queries.lead(now)] if row],
        "in_section": queries.in_section(section.pk, now, 20),
        "in_section (deep)": queries.in_section(section.pk, now, 20, deep, exclude_ids=pins),
        "pinned (home)": queries.front_top(None, now)[1],
        "pinned (section)": queries.front_top(section.pk, now)[1],
        "section_heads": queries.section_heads([section.pk], now, 20),
        "related": queries.related(live[3].pk, archive["tag_ids"], now, 20),
        "with_tag": queries.with_tag(tag_id, now, 20),
        "by_author": queries.by_author(archive["author"].pk, now, 20),
        "between": queries.between(now - timedelta(days=1), now + timedelta(days=1), now, 20),
        "story": [row for s in everyone if s.path for row in [queries.story(s.path, now)] if row],
        "stories_by_id": queries.stories_by_id([s.pk for s in everyone], now),
        "moved_story": [
            {"path": path}
            for path in (queries.moved_story(p, now) for p in ("/old/withdrawn/", "/old/live/"))
            if path
        ],
        "all_corrections": queries.all_corrections(now, 50),
        "search": search.search("ferry", now, 50),
        "moments_and_banner": [b for b in [queries.moments_and_banner(now)[2]] if b],
    }


def test_the_table_covers_every_public_query():
    public = {
        name
        for name, function in inspect.getmembers(queries, inspect.isfunction)
        if not name.startswith("_") and function.__module__ == queries.__name__
    }
    source = inspect.getsource(call_every_query)
    missing = {name for name in public - NOT_STORIES if f"queries.{name}(" not in source}
    assert not missing, f"add these to the visibility table: {sorted(missing)}"


@pytest.mark.parametrize("hours", [0, 3])  # now, and once the scheduled story is out
def test_every_reader_query_returns_only_live_stories(archive, hours):
    now = timezone.now() + timedelta(hours=hours)
    allowed = set(Article.objects.live(now).values_list("id", flat=True))
    allowed_paths = set(Article.objects.live(now).values_list("path", flat=True))
    hidden_ids = {s.pk for s in archive["hidden"]} - allowed
    assert hidden_ids, "the archive must hold stories readers may not see"
    for name, rows in call_every_query(archive, now).items():
        assert rows, f"{name} returned nothing: the table would prove nothing"
        for row in rows:
            if "id" in row and name != "all_corrections":
                assert row["id"] in allowed, (name, row.get("headline"))
            if row.get("path"):
                assert row["path"] in allowed_paths, (name, row["path"])


def test_listings_return_exactly_the_live_stories_in_order(archive):
    now = timezone.now()
    live = Article.objects.live(now).order_by("-published_at", "-id")
    section = archive["section"]
    assert [r["id"] for r in queries.latest(now, 500)] == list(live.values_list("id", flat=True))
    in_section = queries.in_section(section.pk, now, 500)
    assert [r["id"] for r in in_section] == list(
        live.filter(section=section).values_list("id", flat=True)
    )
    pins = [archive["live"][0].pk]
    deep = queries.DEEP + 1
    expected = [i for i in live.values_list("id", flat=True) if i not in pins][deep : deep + 5]
    assert [r["id"] for r in queries.latest(now, 5, deep, exclude_ids=pins)] == expected


def test_a_note_reaches_readers_at_its_time_everywhere(archive):
    """The corrections rule (queries.VISIBLE_NOTE), on every query that shows notes."""
    story, note = archive["live"][1], archive["future_note"]
    for now, shown in ((timezone.now(), False), (note.published_at + timedelta(seconds=1), True)):
        texts = [n["text"] for n in queries.corrections(story.pk, now)]
        assert ("Not yet." in texts) is shown
        row = queries.story(story.path, now)
        assert (row["revised_at"] == note.published_at) is shown
        assert row["revised_at"] is None or row["revised_at"] <= now
        feed_rows = queries.latest(now, 50, columns=queries.STORY_COLUMNS)
        revised = next(r["revised_at"] for r in feed_rows if r["id"] == story.pk)
        assert revised is None or revised <= now
        by_id = queries.stories_by_id([story.pk], now)[0]
        assert by_id["revised_at"] is None or by_id["revised_at"] <= now


@pytest.mark.parametrize("hours", [0, 3])
def test_is_live_agrees_with_live(archive, hours):
    """Article.is_live, the rule for one story in memory (admin pages, previews), says
    what live() says, before and after the scheduled story's time."""
    with time_machine.travel(timezone.now() + timedelta(hours=hours)):
        live = set(Article.objects.live().values_list("id", flat=True))
        for story in Article.objects.all():
            assert story.is_live == (story.pk in live), story.headline
