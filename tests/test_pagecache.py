"""The page cache: anonymous readers get stored pages, and never a stale one.

Every test here runs twice, with the pages kept in the worker's memory (embedded
mode) and in a real Redis (``page_store``).
"""

import copy
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone
from taggit.models import Tag

from articles.editorial.previews import share_url
from articles.models import Article, Correction, Image, Pin, PreviewLink
from articles.reader.pagecache import reader_page

from .conftest import rows_for_the_module
from .factories import make_author, make_draft, make_scheduled, make_section, make_staff, make_story
from .pictures import picture_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_store")]


def queries_for(client, url, **headers):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **headers)
    return response, len(context.captured_queries)


@pytest.fixture(scope="module")
def desk_rows(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """``desk``'s rows and its photo's files, written once for the module (45 tests, a
    photo's renditions each before)."""
    media = tmp_path_factory.mktemp("pagecache") / "media"

    def build():
        with override_settings(MEDIA_ROOT=media):
            return media, desk_built()

    yield from rows_for_the_module(request, django_db_blocker, build)


@pytest.fixture
def desk(desk_rows, db, settings):
    """A section, a tag, an author and a published story filed under all three,
    with a lead photo."""
    media, rows = desk_rows
    settings.MEDIA_ROOT = media
    return copy.deepcopy(rows)


def desk_built():
    photo = Image.objects.create(file=upload(picture_bytes()), alt_text="The ferry at the quay")
    section = make_section("Harbour", slug="harbour")
    author = make_author("Ana Reyes", slug="ana")
    story = make_story(
        "Ferry timetable changes",
        section=section,
        authors=[author],
        tags=["ferries"],
        body="<p>The morning crossing moves to seven.</p>",
        age=timedelta(hours=2),
        lead_image=photo,
    )
    return {"section": section, "author": author, "story": story}


DATED = re.compile(r"/\d{4}/(\d{2}/){0,2}")  # a year, month or day archive


def pages_showing(story):
    """Every reader address that shows ``story``'s headline."""
    local = timezone.localtime(story.published_at)
    return [
        "/",
        story.path,
        "/section/harbour/",
        "/tag/ferries/",
        "/author/ana/",
        f"/{local:%Y}/",
        f"/{local:%Y/%m}/",
        f"/{local:%Y/%m/%d}/",
        "/archive/?section=harbour",
        "/search/?q=ferry",
        "/feed/",
        "/feed/atom/",
        "/feed/json/",
        "/section/harbour/feed/",
        "/tag/ferries/feed/atom/",
        "/author/ana/feed/json/",
        "/news-sitemap.xml",
        "/api/articles/",
        f"/api/articles/{story.pk}/",
    ]


def warm(client, urls):
    for url in urls:
        assert client.get(url).status_code == 200, url
        response, count = queries_for(client, url)
        assert count == 1, f"{url} was not served from the cache ({count} queries)"


# --- Stored pages --------------------------------------------------------------


def test_a_stored_page_costs_one_query_and_is_the_same_page(client, desk):
    first = client.get(desk["story"].path)
    again, count = queries_for(client, desk["story"].path)
    assert count == 1  # the content version
    assert again.content == first.content
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert again["Content-Type"] == first["Content-Type"]


def test_pages_carry_cdn_headers_an_etag_and_last_modified(client, desk):
    for response in (client.get("/"), client.get("/")):  # rendered, then stored
        control = response["Cache-Control"]
        assert control == "public, max-age=0, s-maxage=60, stale-while-revalidate=30"
        assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
        assert response["Last-Modified"].endswith(" GMT")


def test_a_reader_holding_the_page_gets_a_304(client, desk):
    page = client.get("/")
    for headers in (
        {"HTTP_IF_NONE_MATCH": page["ETag"]},
        {"HTTP_IF_MODIFIED_SINCE": page["Last-Modified"]},
    ):
        response, count = queries_for(client, "/", **headers)
        assert response.status_code == 304 and response.content == b""
        assert response["ETag"] == page["ETag"] and count == 1
    make_story("Something new")
    assert client.get("/", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 200


def test_feeds_keep_their_own_validators_through_the_cache(client, desk):
    feed = client.get("/feed/")
    stored = client.get("/feed/")
    assert stored["ETag"] == feed["ETag"] and stored["Last-Modified"] == feed["Last-Modified"]
    assert client.get("/feed/", HTTP_IF_NONE_MATCH=feed["ETag"]).status_code == 304


def test_missing_pages_are_not_stored_and_revalidate(client, desk):
    for _ in range(2):
        response, count = queries_for(client, "/section/nowhere/")
        assert response.status_code == 404 and count > 1
    assert "no-cache" in response["Cache-Control"]


# --- Exact invalidation --------------------------------------------------------


def edit_headline(desk):
    story = desk["story"]
    story.headline = "Ferry timetable changes again"
    story.save()
    return {"shows": "Ferry timetable changes again"}


def withdraw(desk):
    story = desk["story"]
    story.status = Article.Status.WITHDRAWN
    story.save()
    return {"hides": "Ferry timetable changes"}


def publish_a_draft(desk):
    draft = make_draft(
        "Night bus returns", section=desk["section"], authors=[desk["author"]], tags=["ferries"]
    )
    draft.body = "<p>The ferry connection runs late.</p>"
    draft.status = Article.Status.PUBLISHED
    # The same moment (newer by id): on the same day's archive whatever the hour, where a
    # minute later could fall on the next day.
    draft.published_at = desk["story"].published_at
    draft.save()
    # Every listing, feed and search shows it; the story page in its Latest stories.
    return {"shows": "Night bus returns", "except": f"/api/articles/{desk['story'].pk}/"}


def rename_author(desk):
    author = desk["author"]
    author.name = "Ana Reyes-Okafor"
    author.save()
    return {"shows": "Ana Reyes-Okafor", "on": ["story", "author", "feeds", "api"]}


def rename_section(desk):
    section = desk["section"]
    section.name = "Waterfront"
    section.save()
    return {"shows": "Waterfront", "on": ["story", "section", "front"]}


def rename_tag(desk):
    tag = Tag.objects.get(slug="ferries")
    tag.name = "Ferry services"
    tag.save()
    return {"shows": "Ferry services", "on": ["story", "tag"]}


def correct(desk):
    Correction.objects.create(article=desk["story"], text="The crossing moves to seven, not six.")
    return {"shows": "not six", "on": ["story"]}


def describe_the_photo(desk):
    image = desk["story"].lead_image
    image.alt_text = "The morning ferry at the quay"
    image.save()
    return {"shows": "The morning ferry at the quay", "on": ["story"]}


def pin_elsewhere(desk):
    other = make_story("Harbour dredging begins", section=desk["section"], age=timedelta(days=30))
    Pin.objects.create(article=other, section=desk["section"], position=0)
    return {"shows": "Harbour dredging begins", "on": ["section"]}


KINDS = {
    "front": lambda url: url == "/",
    "story": lambda url: re.fullmatch(r"/\d{4}/\d\d/\d\d/.+/", url),
    "section": lambda url: url == "/section/harbour/",
    "tag": lambda url: url == "/tag/ferries/",
    "author": lambda url: url == "/author/ana/",
    "feeds": lambda url: "feed" in url,
    "api": lambda url: url.startswith("/api/"),
}


@pytest.mark.parametrize(
    "change",
    [
        edit_headline,
        withdraw,
        publish_a_draft,
        rename_author,
        rename_section,
        rename_tag,
        correct,
        describe_the_photo,
        pin_elsewhere,
    ],
)
def test_every_page_showing_a_change_is_fresh_on_the_next_request(client, desk, change):
    urls = pages_showing(desk["story"])
    warm(client, urls)
    expected = change(desk)
    kinds = expected.get("on")
    affected = [
        url
        for url in urls
        if (not kinds or any(KINDS[kind](url) for kind in kinds)) and url != expected.get("except")
    ]
    for url in affected:
        response = client.get(url)
        text = response.content.decode()
        if "shows" in expected:
            assert response.status_code == 200, url
            assert expected["shows"] in text or expected["shows"].replace("&", "&amp;") in text, url
        else:
            assert expected["hides"] not in text, url


def test_a_changed_story_moves_in_the_sitemap_too(client, desk):
    story = desk["story"]
    published = timezone.localtime(story.published_at)
    sitemap = reverse("sitemap-stories", args=[published.year, published.month])
    before = client.get(sitemap).content
    story.slug = "ferry-timetable-revised"
    story.save()
    after = client.get(sitemap).content.decode()
    assert "ferry-timetable-revised" in after and after.encode() != before


# --- Scheduled stories ---------------------------------------------------------


def test_a_scheduled_story_appears_at_its_time_on_cached_pages(client, desk):
    scheduled = make_scheduled(
        "Harbour bridge opens",
        delay=timedelta(minutes=10),
        body="<p>The ferry queue is gone.</p>",
        section=desk["section"],
        authors=[desk["author"]],
        tags=["ferries"],
    )
    detail = f"/api/articles/{desk['story'].pk}/"  # another story's own record
    # The date archives of the day it goes out. Just after midnight that is not the
    # desk story's day, and the day's page is a 404 until the story is out.
    local = timezone.localtime(scheduled.published_at)
    dated = [f"/{local:%Y}/", f"/{local:%Y/%m}/", f"/{local:%Y/%m/%d}/"]
    urls = [
        url for url in pages_showing(desk["story"]) if url != detail and not DATED.fullmatch(url)
    ]
    warm(client, urls + [url for url in dated if client.get(url).status_code == 200])
    urls += dated
    for url in urls:
        assert "Harbour bridge opens" not in client.get(url).content.decode(), url
    assert client.get(scheduled.path).status_code == 404

    with time_machine.travel(scheduled.published_at + timedelta(seconds=1)):
        for url in [*urls, scheduled.path]:
            response = client.get(url)
            assert "Harbour bridge opens" in response.content.decode(), url


def test_cdn_lifetimes_never_run_past_the_next_scheduled_story(client, desk):
    make_scheduled("In twenty seconds", delay=timedelta(seconds=20))
    for response in (client.get("/"), client.get("/")):
        control = dict(
            part.strip().partition("=")[::2] for part in response["Cache-Control"].split(",")
        )
        assert int(control["s-maxage"]) <= 20
        assert int(control["s-maxage"]) + int(control.get("stale-while-revalidate", 0)) <= 20


def test_the_news_sitemap_drops_a_story_48_hours_after_publication(client, desk):
    client.get("/news-sitemap.xml")
    later = desk["story"].published_at + timedelta(hours=48, seconds=1)
    with time_machine.travel(later):
        assert "Ferry timetable" not in client.get("/news-sitemap.xml").content.decode()


# --- What is never stored ----------------------------------------------------------


def test_editors_always_see_the_live_site_and_nothing_they_see_is_stored(client, desk):
    editor = Client()
    editor.force_login(make_staff("desk", "Editor"))
    for _ in range(2):
        response, count = queries_for(editor, "/")
        assert count > 1
        assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    # What the editor was shown did not become the readers' copy.
    response, count = queries_for(client, "/")
    assert count > 1


def test_a_shared_preview_is_never_stored(client, desk):
    draft = make_draft("Embargoed merger")
    url = share_url(PreviewLink.objects.create(article=draft))
    for _ in range(2):
        response, count = queries_for(client, url)
        assert response.status_code == 200 and count > 1
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "Embargoed merger" not in client.get("/").content.decode()


@reader_page
def sets_a_cookie(request):
    response = HttpResponse("Welcome back")
    response.set_cookie("visited", "yes")
    return response


urlpatterns = [path("welcome/", sets_a_cookie)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_response_that_sets_a_cookie_is_never_stored(desk):
    client = Client()
    for _ in range(2):
        response, count = queries_for(client, "/welcome/")
        assert response.cookies["visited"].value == "yes"  # sent each time: never stored
        assert "private" in response["Cache-Control"]


def test_a_wrong_host_is_refused_even_for_a_stored_page(client, desk):
    client.get("/")
    assert Client(headers={"host": "evil.example"}).get("/").status_code == 400


def test_turning_the_page_cache_off_renders_every_request(client, desk, settings):
    settings.PAGE_CACHE = False
    client.get("/")
    response, count = queries_for(client, "/")
    assert count > 1 and response["ETag"]


def test_with_the_page_cache_off_a_page_keeps_its_headers_and_its_host_check(
    client, desk, settings
):
    """Off, nothing is kept, so no page key or stored copy is made: the answer is the
    same, its security headers from SecurityMiddleware itself, and a wrong host is still
    refused (CommonMiddleware asks for it)."""
    settings.PAGE_CACHE = False
    story = desk["story"].path
    page = client.get(story)
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] and page["Cross-Origin-Opener-Policy"]
    assert page["Vary"] == "Accept-Encoding" and page["Last-Modified"].endswith(" GMT")
    assert page["Cache-Control"] == "public, max-age=0, s-maxage=60, stale-while-revalidate=30"
    again = client.get(story, HTTP_IF_NONE_MATCH=page["ETag"])
    assert again.status_code == 304 and again["ETag"] == page["ETag"]
    gzipped = client.get(story, HTTP_ACCEPT_ENCODING="gzip")
    assert gzipped["Content-Encoding"] == "gzip" and gzipped["ETag"] == page["ETag"][:-1] + '-gz"'
    assert Client(headers={"host": "evil.example"}).get(story).status_code == 400
