"""Feeds in three formats for every listing, conditional GET, and sharing metadata."""

import json
import re
from datetime import timedelta
from xml.etree import ElementTree

import feedparser
import pytest
import time_machine
from django.utils import timezone
from django.utils.http import http_date

from articles.models import Correction

from .factories import make_author, make_draft, make_scheduled, make_section, make_story

pytestmark = pytest.mark.django_db

FORMATS = {"rss": "feed/", "atom": "feed/atom/", "json": "feed/json/"}
CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
VERSIONS = {"rss": "rss20", "atom": "atom10", "json": "json11"}
# The newer story's body as feeds carry it: cleaned on save, its links made absolute.
FULL_BODY = (
    '<p>See <a href="http://127.0.0.1:8000/tag/harbour/" rel="noopener noreferrer">more</a>.</p>'
)


@pytest.fixture
def newsroom():
    section = make_section("City", slug="city")
    author = make_author("Zoë Marsh", slug="zoe-marsh")
    older = make_story(
        "Older story", section=section, authors=[author], tags=["harbour"], age=timedelta(days=1)
    )
    newer = make_story(
        "Newer story",
        section=section,
        authors=[author],
        tags=["harbour", "council"],
        dek="The dek.",
        body='<p>See <a href="/tag/harbour/">more</a>.</p>',
        age=timedelta(hours=1),
    )
    return older, newer


def feed_urls(kinds=("latest", "section", "tag", "author")):
    bases = {
        "latest": "/",
        "section": "/section/city/",
        "tag": "/tag/harbour/",
        "author": "/author/zoe-marsh/",
    }
    return [(kind, fmt, bases[kind] + path) for kind in kinds for fmt, path in FORMATS.items()]


def parse(client, url):
    """feedparser for RSS and Atom; JSON Feed (which feedparser does not read) by its spec."""
    response = client.get(url)
    assert response.status_code == 200, url
    if not response["Content-Type"].startswith("application/feed+json"):
        return response, feedparser.parse(response.content)
    data = json.loads(response.content)
    entries = [
        feedparser.FeedParserDict(
            title=item["title"],
            link=item["url"],
            summary=item["summary"],
            id=item["id"],
            content=[feedparser.FeedParserDict(value=item["content_html"])],
            author=item["authors"][0]["name"] if item["authors"] else "",
            authors=item["authors"],
            tags=[feedparser.FeedParserDict(term=t) for t in item["tags"]],
        )
        for item in data["items"]
    ]
    return response, feedparser.FeedParserDict(
        bozo=0,
        entries=entries,
        version="json11",
        feed=feedparser.FeedParserDict(title=data["title"]),
    )


@pytest.mark.parametrize(("kind", "fmt", "url"), feed_urls())
def test_every_feed_parses_newest_first_with_full_items(client, newsroom, kind, fmt, url):
    older, newer = newsroom
    response, feed = parse(client, url)
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == VERSIONS[fmt]
    assert [e.title for e in feed.entries] == ["Newer story", "Older story"]
    assert feed.entries[0].id != feed.entries[1].id
    first = feed.entries[0]
    assert first.link == "http://127.0.0.1:8000" + newer.path
    assert first.summary == "The dek."
    body = (
        first.content[0].value
        if fmt != "json"
        else json.loads(response.content)["items"][0]["content_html"]
    )
    assert '<a href="http://127.0.0.1:8000/tag/harbour/"' in body  # absolute in feed readers
    assert body == FULL_BODY  # the whole body, as stored
    assert first.author == "Zoë Marsh" or first.authors[0]["name"] == "Zoë Marsh"
    assert sorted(t.term for t in first.tags) == ["council", "harbour"]
    assert first.id.startswith("tag:127.0.0.1,2024:story:")
    if fmt != "json":
        assert first.published_parsed[:5] == newer.published_at.utctimetuple()[:5]
    else:
        published = json.loads(response.content)["items"][0]["date_published"]
        assert published == newer.published_at.isoformat()


def test_json_feed_has_the_specs_required_fields(client, newsroom):
    data = json.loads(client.get("/feed/json/").content)
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] and isinstance(data["items"], list)
    assert data["feed_url"] == "http://127.0.0.1:8000/feed/json/"
    for item in data["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item["content_html"] and item["url"].startswith("http://127.0.0.1:8000/")
        assert item["date_published"].endswith("+00:00")
        assert item["authors"] == [
            {"name": "Zoë Marsh", "url": "http://127.0.0.1:8000/author/zoe-marsh/"}
        ]


@pytest.mark.parametrize(
    "headline",
    [
        "Fish & chips <b>not</b> bold",
        "Quotes \"double\" and 'single' ]]> end",
        "Emoji 🎉 and ünïcödé",
        "Control\x01char\x0bacter\x1f here",  # (PostgreSQL cannot even store \x00)
    ],
)
@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_feeds_stay_well_formed_whatever_the_text(client, headline, fmt):
    from articles.models import Article

    story = make_story("placeholder", dek="d", body="<p>b</p>")
    # Write the raw text past save()'s cleaning, as a bulk import or another tool might.
    Article.objects.filter(pk=story.pk).update(
        headline=headline, dek=headline, body=f"<p>{headline}</p>"
    )
    content = client.get("/" + FORMATS[fmt]).content
    expected = re.sub(r"[\x00-\x1f]", "", headline)
    if fmt == "json":
        assert json.loads(content)["items"][0]["title"] == expected
    else:
        ElementTree.fromstring(content)
        feed = feedparser.parse(content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.entries[0].title == expected  # as text: neither lost nor marked up


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_feeds_hold_the_20_latest_live_stories_only(client, fmt):
    stories = [make_story(f"Story {n}", age=timedelta(hours=n)) for n in range(1, 25)]
    make_draft("Secret draft")
    make_scheduled("Embargoed story")
    _, feed = parse(client, "/" + FORMATS[fmt])
    assert [entry.title for entry in feed.entries] == [story.headline for story in stories[:20]]


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_empty_feeds_are_still_valid(client, fmt):
    _, feed = parse(client, "/" + FORMATS[fmt])
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries == []
    assert feed.feed.title == "Newsroom"


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_feeds_are_sent_as_one_piece(client, fmt):
    for n in range(5):
        make_story(f"Story {n}", tags=["a", "b"], authors=[make_author()])
    response = client.get("/" + FORMATS[fmt])
    assert not response.streaming
    assert len(response._container) == 1  # one write, not hundreds of small chunks


def test_guid_survives_new_headline_slug_and_date(client, newsroom):
    _, newer = newsroom
    before = {fmt: parse(client, "/" + path)[1].entries[0].id for fmt, path in FORMATS.items()}
    newer.headline, newer.slug = "Renamed", "renamed"
    newer.published_at -= timedelta(minutes=5)
    newer.save()
    after = {fmt: parse(client, "/" + path)[1].entries[0] for fmt, path in FORMATS.items()}
    assert before == {fmt: entry.id for fmt, entry in after.items()}
    assert {entry.title for entry in after.values()} == {"Renamed"}


def test_a_correction_moves_the_update_time_once_it_is_out(client, newsroom):
    _, newer = newsroom
    before = parse(client, "/feed/atom/")[1].entries[0].updated_parsed
    Correction.objects.create(
        article=newer, text="Fixed a name.", published_at=timezone.now() + timedelta(minutes=1)
    )
    # Dated a minute ahead: readers see it, and the new time, only then.
    assert parse(client, "/feed/atom/")[1].entries[0].updated_parsed == before
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        after = parse(client, "/feed/atom/")[1].entries[0].updated_parsed
    assert after > before


def test_lead_image_travels_in_every_format(client, settings, tmp_path):
    from .pictures import picture_bytes, upload

    settings.MEDIA_ROOT = tmp_path
    from articles.models import Image

    image = Image(file=upload(picture_bytes((1600, 1000))), alt_text="A crane")
    image.save()
    make_story("With photo", lead_image=image)
    largest = image.renditions["full"][-1]
    url = f"http://127.0.0.1:8000/media/{largest['fallback']}"
    rss = client.get("/feed/").content.decode()
    assert f'<enclosure url="{url}" length="{largest["fallback_bytes"]}" type="image/jpeg"/>' in rss
    assert f'<media:content url="{url}" medium="image"' in rss
    atom = client.get("/feed/atom/").content.decode()
    assert f'rel="enclosure" type="image/jpeg" length="{largest["fallback_bytes"]}"' in atom
    assert json.loads(client.get("/feed/json/").content)["items"][0]["image"] == url
    assert (tmp_path / largest["fallback"]).stat().st_size == largest["fallback_bytes"]


@pytest.mark.parametrize(("kind", "fmt", "url"), feed_urls())
def test_repeat_polls_get_304_without_a_body(client, newsroom, kind, fmt, url):
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    older = http_date(timezone.now().timestamp() - 10 * 86400)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=older).status_code == 200


def test_a_new_story_changes_the_etag(client, newsroom):
    etag = client.get("/feed/")["ETag"]
    make_story("Breaking")
    response = client.get("/feed/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and b"Breaking" in response.content


def test_a_304_poll_costs_one_query(client, newsroom, django_assert_num_queries):
    etag = client.get("/section/city/feed/")["ETag"]
    with django_assert_num_queries(1):
        assert client.get("/section/city/feed/", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize(
    ("page", "own"),
    [
        ("/section/city/", "/section/city/feed/"),
        ("/tag/harbour/", "/tag/harbour/feed/atom/"),
        ("/author/zoe-marsh/", "/author/zoe-marsh/feed/json/"),
        ("/", "/feed/json/"),
    ],
)
def test_listing_pages_advertise_their_own_feeds(client, newsroom, page, own):
    html = client.get(page).content.decode()
    assert f'href="{own}"' in html
    assert 'type="application/rss+xml"' in html and 'type="application/atom+xml"' in html
    assert 'type="application/feed+json"' in html and 'href="/feed/"' in html


def test_unknown_feed_is_a_404(client):
    for url in ["/section/nowhere/feed/", "/tag/nothing/feed/atom/", "/author/x/feed/json/"]:
        assert client.get(url).status_code == 404


def test_story_page_carries_news_article_json_ld_and_sharing_tags(client):
    story = make_story(
        'The "</script><script>alert(1)</script>" headline & more',
        dek="A <b>dek</b>",
        authors=[make_author("Ana Reyes", slug="ana")],
        tags=["x"],
        section=make_section("City", slug="city"),
    )
    html = client.get(story.path).content.decode()
    block = html.split('<script type="application/ld+json">')[1]
    block = block.split("</script>")[0]
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == story.headline
    assert data["author"] == [
        {"@type": "Person", "name": "Ana Reyes", "url": "http://127.0.0.1:8000/author/ana/"}
    ]
    assert data["publisher"]["logo"]["url"].startswith("http://127.0.0.1:8000/static/")
    assert data["mainEntityOfPage"]["@id"] == "http://127.0.0.1:8000" + story.path
    assert data["datePublished"] == story.published_at.isoformat(timespec="seconds")
    assert data["articleSection"] == "City"
    assert html.count("<script") == 1  # the headline could not open a second one
    assert f'<meta property="og:url" content="http://127.0.0.1:8000{story.path}">' in html
    # A story without a photo is shared with the site card, a large picture.
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="og:image" content="http://127.0.0.1:8000/static/newsroom-card' in html
    assert [image["width"] for image in data["image"]] == [1200]
    assert '<link rel="canonical"' in html
