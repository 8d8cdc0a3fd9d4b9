"""The RSS feed: valid, complete, newest first, and safe whatever the headlines hold."""

from datetime import timedelta
from xml.etree import ElementTree

import feedparser
import pytest

from .factories import make_author, make_draft, make_scheduled, make_story

pytestmark = pytest.mark.django_db


def fetch(client):
    response = client.get("/feed/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    return response.content


def test_feed_parses_without_error_newest_first(client):
    author = make_author("Zoë Marsh")
    old = make_story("Older story", age=timedelta(days=2), authors=[author], tags=["ferries"])
    new = make_story(
        "Newer story",
        age=timedelta(hours=1),
        dek="The dek.",
        body="<p>Full <em>body</em>.</p>",
        tags=["harbour", "council"],
    )
    feed = feedparser.parse(fetch(client))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert [entry.title for entry in feed.entries] == ["Newer story", "Older story"]
    first = feed.entries[0]
    assert first.link == "http://127.0.0.1:8000" + new.path
    assert first.summary == "The dek."
    assert first.content[0].value == "<p>Full <em>body</em>.</p>"
    assert sorted(tag.term for tag in first.tags) == ["council", "harbour"]
    assert first.published_parsed[:5] == new.published_at.utctimetuple()[:5]
    assert feed.entries[1].author == "Zoë Marsh"
    assert feed.entries[1].id != feed.entries[0].id
    assert old.headline in feed.entries[1].title


def test_feed_holds_the_20_latest_live_stories_only(client):
    stories = [make_story(f"Story {n}", age=timedelta(hours=n)) for n in range(1, 25)]
    make_draft("Secret draft")
    make_scheduled("Embargoed story")
    feed = feedparser.parse(fetch(client))
    titles = [entry.title for entry in feed.entries]
    assert titles == [story.headline for story in stories[:20]]


def test_feed_guid_survives_a_new_headline_and_slug(client):
    story = make_story("First headline")
    before = feedparser.parse(fetch(client)).entries[0].id
    story.headline, story.slug = "Second headline", "second-headline"
    story.save()
    after = feedparser.parse(fetch(client)).entries[0]
    assert after.id == before
    assert after.title == "Second headline"


@pytest.mark.parametrize(
    "headline",
    [
        "Fish & chips <b>not</b> bold",
        "Quotes \"double\" and 'single' ]]> end",
        "Emoji 🎉 and ünïcödé",
        "Control\x00char\x0bacter\x1f here",
    ],
)
def test_feed_is_well_formed_whatever_the_headline_holds(client, headline):
    make_story(headline, dek=headline, body=f"<p>{headline}</p>")
    content = fetch(client)
    ElementTree.fromstring(content)  # raises on malformed XML
    feed = feedparser.parse(content)
    assert not feed.bozo, feed.get("bozo_exception")
    expected = "".join(ch for ch in headline if ch >= " ")
    assert feed.entries[0].title == expected


def test_empty_feed_is_still_valid(client):
    feed = feedparser.parse(fetch(client))
    assert not feed.bozo
    assert feed.entries == []
    assert feed.feed.title == "Newsroom"


def test_feed_is_sent_as_one_piece(client):
    for n in range(5):
        make_story(f"Story {n}", tags=["a", "b"], authors=[make_author()])
    response = client.get("/feed/")
    assert not response.streaming
    assert len(response._container) == 1  # one write, not hundreds of small chunks
