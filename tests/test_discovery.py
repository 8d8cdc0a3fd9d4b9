"""Sitemaps, the News sitemap, robots.txt and the read API; nothing unpublished leaks into them."""

import json
import re
from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.reader import fragments

from .factories import make_author, make_draft, make_section, make_story

pytestmark = pytest.mark.django_db
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
W3C_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d"  # a time with its zone


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return ElementTree.fromstring(response.content)


def locs(tree):
    return [el.text for el in tree.iter(f"{SM}loc")]


@pytest.fixture
def newsroom():
    section, author = make_section("City", slug="city"), make_author("Ana", slug="ana")
    live = make_story(
        "Live story", section=section, authors=[author], tags=["harbour"], age=timedelta(hours=3)
    )
    old = make_story("Old story", section=section, age=timedelta(days=5), tags=["history"])
    return section, author, live, old


HIDDEN = {
    "draft": lambda **kw: make_draft("Hidden draft", **kw),
    "review": lambda **kw: make_story("Hidden review", status="review", **kw),
    "withdrawn": lambda **kw: make_story("Hidden withdrawn", status="withdrawn", **kw),
    "scheduled": lambda **kw: make_story("Hidden scheduled", **kw),
}


def month_sitemap(moment):
    local = timezone.localtime(moment)
    return reverse("sitemap-stories", args=[local.year, local.month])


def test_sitemap_index_lists_each_month_with_stories_then_sections_tags_and_authors(
    client, newsroom
):
    _, _, live, old = newsroom
    months = list(dict.fromkeys(month_sitemap(s.published_at) for s in (live, old)))
    index = xml(client, "/sitemap.xml")
    assert locs(index) == [f"http://127.0.0.1:8000{m}" for m in months] + [
        f"http://127.0.0.1:8000/sitemap-{n}.xml" for n in ("sections", "tags", "authors")
    ]
    assert len(list(index.iter(f"{SM}lastmod"))) == 3


def test_the_index_jumps_empty_months_and_leaves_out_hidden_stories(client, newsroom):
    _, _, live, old = newsroom
    ancient = make_story("Ancient", age=timedelta(days=800))
    make_draft("Draft of long ago", age=timedelta(days=400))
    make_story("Withdrawn long ago", status="withdrawn", age=timedelta(days=600))
    listed = locs(xml(client, "/sitemap.xml"))
    months = dict.fromkeys(month_sitemap(s.published_at) for s in (live, old, ancient))
    assert listed[: len(months)] == [f"http://127.0.0.1:8000{m}" for m in months]
    assert len(listed) == len(months) + 3
    for gone in (timedelta(days=400), timedelta(days=600)):
        address = month_sitemap(timezone.now() - gone)
        assert f"http://127.0.0.1:8000{address}" not in listed
        assert client.get(address).status_code == 404


def test_sitemaps_list_live_pages_with_lastmod(client, newsroom):
    _, _, live, old = newsroom
    stories = []
    for address in dict.fromkeys(month_sitemap(s.published_at) for s in (live, old)):
        tree = xml(client, address)
        stories += list(zip(locs(tree), [el.text for el in tree.iter(f"{SM}lastmod")], strict=True))
    # lastmod is a full time with its zone (the newsroom's), not a date.
    assert [(loc, datetime.fromisoformat(lastmod)) for loc, lastmod in stories] == [
        (f"http://127.0.0.1:8000{live.path}", live.updated_at),
        (f"http://127.0.0.1:8000{old.path}", old.updated_at),
    ]
    assert all(re.fullmatch(W3C_TIME, lastmod) for _, lastmod in stories), stories
    sections = xml(client, "/sitemap-sections.xml")
    assert all(re.fullmatch(W3C_TIME, el.text) for el in sections.iter(f"{SM}lastmod"))
    assert locs(xml(client, "/sitemap-sections.xml")) == ["http://127.0.0.1:8000/section/city/"]
    assert locs(xml(client, "/sitemap-tags.xml")) == [
        "http://127.0.0.1:8000/tag/harbour/",
        "http://127.0.0.1:8000/tag/history/",
    ]
    assert locs(xml(client, "/sitemap-authors.xml")) == ["http://127.0.0.1:8000/author/ana/"]
    assert client.get("/sitemap-nothing.xml").status_code == 404
    assert client.get("/sitemap-stories.xml").status_code == 404
    for bad in (
        "/sitemap-stories-2026-13.xml",
        "/sitemap-stories-0000-01.xml",
        "/sitemap-stories-1999-01.xml",
    ):
        assert client.get(bad).status_code == 404, bad
    assert client.get(month_sitemap(live.published_at) + "?p=abc").status_code == 404
    assert client.get(month_sitemap(live.published_at) + "?p=99").status_code == 404


def test_news_sitemap_holds_only_the_last_48_hours(client, newsroom):
    _, _, live, old = newsroom
    tree = xml(client, "/news-sitemap.xml")
    assert locs(tree) == [f"http://127.0.0.1:8000{live.path}"]
    assert [el.text for el in tree.iter(f"{NEWS}title")] == ["Live story"]
    assert [el.text for el in tree.iter(f"{NEWS}name")] == ["Newsroom"]
    assert [el.text for el in tree.iter(f"{NEWS}language")] == ["en"]
    # A time to the second, in the newsroom's zone with its offset.
    assert [el.text for el in tree.iter(f"{NEWS}publication_date")] == [
        timezone.localtime(live.published_at).isoformat(timespec="seconds")
    ]
    assert all(re.fullmatch(W3C_TIME, el.text) for el in tree.iter(f"{NEWS}publication_date"))


def test_robots_txt_names_the_sitemaps(client):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in text
    assert "Sitemap: http://127.0.0.1:8000/news-sitemap.xml" in text
    assert "Disallow: /admin/" in text and "Disallow: /preview/" in text


def api(client, query=""):
    response = client.get("/api/articles/" + query)
    return response.status_code, json.loads(response.content)


def test_api_lists_live_stories_as_json_feed_items(client, newsroom):
    _, _, live, old = newsroom
    status, data = api(client)
    assert status == 200
    assert [item["title"] for item in data["items"]] == ["Live story", "Old story"]
    item = data["items"][0]
    assert item["url"] == f"http://127.0.0.1:8000{live.path}"
    assert item["authors"][0]["name"] == "Ana" and item["tags"] == ["harbour"]
    assert item["section"] == {"name": "City", "slug": "city"}
    assert {"id", "summary", "content_html", "date_published", "date_modified"} <= set(item)
    status, one = (
        client.get(f"/api/articles/{live.pk}/").status_code,
        json.loads(client.get(f"/api/articles/{live.pk}/").content),
    )
    assert status == 200 and one["title"] == "Live story"


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("?section=city", ["Live story", "Old story"]),
        ("?tag=harbour", ["Live story"]),
        ("?author=ana", ["Live story"]),
        ("?q=old", ["Old story"]),
        ("?q=story+live", ["Live story"]),
        ("?section=nowhere", []),
    ],
)
def test_api_filters(client, newsroom, query, titles):
    status, data = api(client, query)
    assert status == 200 and [item["title"] for item in data["items"]] == titles


def test_api_date_filters(client, newsroom):
    since = (timezone.now() - timedelta(days=1)).isoformat()
    status, data = api(client, f"?published_after={since.replace('+', '%2B')}")
    assert [item["title"] for item in data["items"]] == ["Live story"]
    status, data = api(client, f"?published_before={since.replace('+', '%2B')}")
    assert [item["title"] for item in data["items"]] == ["Old story"]


def test_api_pages(client):
    for n in range(5):
        make_story(f"Story {n}", age=timedelta(hours=n + 1))
    status, first = api(client, "?page_size=2")
    assert [i["title"] for i in first["items"]] == ["Story 0", "Story 1"]
    assert first["next"].endswith("page_size=2&page=2") and first["previous"] is None
    status, last = api(client, "?page_size=2&page=3")
    assert [i["title"] for i in last["items"]] == ["Story 4"] and last["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?published_after=yesterday", "published_after"),
        ("?published_before=2024-13-45", "published_before"),
        ("?page=0", "page"),
        ("?page=abc", "page"),
        ("?page_size=1000", "page_size"),
        ("?q=" + "x" * 300, "q"),
    ],
)
def test_api_bad_values_answer_400_with_field_errors(client, newsroom, query, field):
    status, data = api(client, query)
    assert status == 400 and field in data["errors"]


@pytest.mark.parametrize("kind", list(HIDDEN))
def test_nothing_unpublished_leaks_into_feeds_sitemaps_or_the_api(client, newsroom, kind):
    section, author, live, _ = newsroom
    when = timezone.now() + timedelta(hours=1 if kind == "scheduled" else -1)
    hidden = HIDDEN[kind](section=section, authors=[author], tags=["harbour"], published_at=when)
    if month_sitemap(when) != month_sitemap(live.published_at):
        # Near a month's end the hidden story may be alone in its month: then that
        # month has no sitemap at all.
        assert client.get(month_sitemap(when)).status_code == 404
    urls = [
        "/sitemap.xml",
        month_sitemap(live.published_at),
        "/news-sitemap.xml",
        "/api/articles/",
        "/api/articles/?section=city",
        "/api/articles/?tag=harbour",
        "/api/articles/?q=hidden",
    ]
    for base in ["/", "/section/city/", "/tag/harbour/", "/author/ana/"]:
        urls += [base + "feed/", base + "feed/atom/", base + "feed/json/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Hidden" not in response.content, (kind, url)
        assert (hidden.path or "/nowhere/").encode() not in response.content, (kind, url)
    assert client.get(f"/api/articles/{hidden.pk}/").status_code == 404


def count(client, url):
    fragments.cache.clear()
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200, url
    return len(context.captured_queries)


URLS = [
    "/feed/",
    "/feed/atom/",
    "/feed/json/",
    "/section/city/feed/",
    "/tag/common/feed/atom/",
    "/author/writer-0/feed/json/",
    "/sitemap-sections.xml",
    "/sitemap-tags.xml",
    "/sitemap-authors.xml",
    "/news-sitemap.xml",
    "/api/articles/",
    "/api/articles/?tag=common&page=2&page_size=2",
]


@pytest.mark.usefixtures("no_page_cache")
def test_query_counts_stay_constant_as_stories_tags_and_authors_grow(client):
    section = make_section("City", slug="city")
    writers = [make_author(f"Writer {n}", slug=f"writer-{n}") for n in range(3)]

    def add(n, offset):
        for i in range(n):
            make_story(
                f"S{offset + i}",
                section=section,
                authors=writers[: 1 + i % 3],
                tags=["common", f"t{offset + i}", f"u{i % 4}"],
                age=timedelta(hours=offset + i + 1),
            )

    add(5, 0)
    # A month's stories: the newest story's month (the 1st at 2 a.m. is still last month's).
    urls = [*URLS, month_sitemap(timezone.now() - timedelta(hours=1))]
    small = {url: count(client, url) for url in urls}
    add(55, 100)
    large = {url: count(client, url) for url in urls}
    assert small == large
    assert max(small.values()) <= 10, small


@pytest.mark.usefixtures("no_page_cache")
def test_the_sitemap_index_asks_once_per_month_listed(client):
    for months_ago in (0, 1, 3, 14):
        for n in range(4):
            make_story(f"Story {months_ago}-{n}", age=timedelta(days=31 * months_ago, hours=n + 1))
    listed = len(locs(xml(client, "/sitemap.xml"))) - 3
    queries = count(client, "/sitemap.xml")
    for n in range(40):
        make_story(f"More {n}", age=timedelta(days=31 * 3, hours=n + 1))
    assert count(client, "/sitemap.xml") == queries
    # The content stamp, the next publication, one lookup per month and one past the
    # last, and the latest change of sections, tags and authors.
    assert queries <= listed + 1 + 2 + 3 + 1, (queries, listed)
