"""Live coverage (issue 17): live stories, their updates on every surface, who may
post them, the breaking-news banner, and what an update costs the page cache."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.editorial import live as desk
from articles.models import Article, ContentVersion, LiveUpdate

from .factories import make_author, make_section, make_staff, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {"editor": make_staff("lou", "Editor"), "writer": make_staff("wim", "Writer")}


@pytest.fixture
def storm(people):
    """A live story with its coverage open, in a section, by an author."""
    story = make_story(
        "Storm reaches the coast",
        section=make_section("Weather", slug="weather"),
        authors=[make_author("Ana Reyes", slug="ana")],
        tags=["storm"],
        age=timedelta(hours=2),
    )
    desk.open_coverage(story, people["editor"], now=timezone.now() - timedelta(hours=1))
    return story


def post(story, user, text, publish=True, **fields):
    update = LiveUpdate(story=story, body=f"<p>{text}</p>", **fields)
    return desk.save_update(update, user, publish=publish)


def page(client, story, query=""):
    response = client.get(story.path + query)
    assert response.status_code == 200
    return response.content.decode()


def updates_of(html):
    """The page's list of updates (the head's JSON-LD names them too)."""
    return html[html.index('class="live-updates"') :]


def endpoint(client, story, query="", **headers):
    return client.get(story.path + "updates/" + query, **headers)


def json_ld(html):
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


# --- Lifecycle ----------------------------------------------------------------


def test_a_live_story_shows_its_marker_updates_newest_first_then_its_closing_time(
    client, storm, people
):
    first = post(storm, people["editor"], "Winds reach 90 km/h.")
    second = post(storm, people["editor"], "Ferries cancelled.", published_at=timezone.now())
    html = page(client, storm)
    assert 'class="live-marker"' in html
    shown = updates_of(html)
    assert shown.index("Ferries cancelled.") < shown.index("Winds reach 90 km/h.")
    assert f'id="update-{second.pk}"' in html and f'href="#update-{first.pk}"' in html
    assert "Refresh for new updates" in html and "live.js" in html
    oldest = updates_of(page(client, storm, "?order=oldest"))
    assert oldest.index("Winds reach 90 km/h.") < oldest.index("Ferries cancelled.")

    desk.close_coverage(storm, people["editor"])
    html = page(client, storm)
    assert 'class="live-marker"' not in html and "Live coverage ended" in html
    assert "live.js" not in html and "Ferries cancelled." in html


def listings(story):
    """Every kind of listing that shows ``story``: fronts, tag, author, archives, search."""
    return [
        "/",
        "/section/weather/",
        "/tag/storm/",
        "/author/ana/",
        f"/{timezone.localdate(story.published_at):%Y/%m}/",
        "/archive/?section=weather",
        "/search/?q=storm",
    ]


def last_update_time(update):
    return f'datetime="{update.published_at.isoformat(timespec="seconds")}"'


def test_every_listing_shows_the_marker_and_the_last_update_time(client, storm, people):
    first = post(storm, people["editor"], "Power cut in the harbour.")
    for address in listings(storm):  # stored, then changed by the next update
        html = client.get(address).content.decode()
        assert 'class="live-marker"' in html, address
        assert last_update_time(first) in html, address
    second = post(
        storm, people["editor"], "Power back.", published_at=timezone.now() + timedelta(seconds=1)
    )
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        for address in listings(storm):
            html = client.get(address).content.decode()
            assert last_update_time(second) in html, address


def test_the_first_screen_is_bounded_and_older_updates_page(client, storm, people):
    LiveUpdate.objects.bulk_create(
        LiveUpdate(
            story=storm,
            body=f"<p>Update number {n}.</p>",
            status=LiveUpdate.Status.PUBLISHED,
            published_at=timezone.now() - timedelta(minutes=200 - n),
        )
        for n in range(60)
    )
    html = page(client, storm)
    assert updates_of(html).count('<article class="live-update') == 20
    assert "Update number 59." in html and "Update number 39." not in html
    older = re.search(r'href="(\?before=\d+)"', html).group(1)
    more = updates_of(page(client, storm, older.replace("&amp;", "&")))
    assert "Update number 39." in more and "Update number 59." not in more
    assert client.get(storm.path + "?before=x1").status_code == 404


def test_a_story_page_costs_the_same_with_60_updates_as_with_5(
    client, storm, people, no_page_cache, django_assert_num_queries
):
    def make(count):
        LiveUpdate.objects.bulk_create(
            LiveUpdate(story=storm, body="<p>x</p>", status="published") for _ in range(count)
        )

    make(5)
    client.get(storm.path)  # warm the shared fragments
    with CaptureQueriesContext(connection) as few:
        client.get(storm.path)
    make(55)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(storm.path)


def test_a_live_first_screen_once_built_costs_what_a_plain_story_costs(
    client, storm, people, no_page_cache, django_assert_num_queries
):
    plain = make_story("Council budget passes", tags=["storm"], age=timedelta(hours=3))
    LiveUpdate.objects.bulk_create(
        LiveUpdate(
            story=storm, body=f"<p>Update {n}.</p>", status="published", key_event=n % 5 == 0
        )
        for n in range(40)
    )
    post(storm, people["editor"], "Pinned on top.", pinned=True)
    for address in (storm.path, plain.path):
        client.get(address)  # the shared fragments, and the live story's first screen
    with CaptureQueriesContext(connection) as plain_page:
        client.get(plain.path)
    with django_assert_num_queries(len(plain_page.captured_queries)):
        html = client.get(storm.path).content.decode()
    assert "Pinned on top." in html and "Update 39." in html
    post(storm, people["editor"], "Ferries cancelled.")  # a new stamp: built again
    assert "Ferries cancelled." in updates_of(page(client, storm))


# --- Visibility on every surface ------------------------------------------------


def surfaces(client, story):
    """Everything a reader can read of the story's updates, as one string each."""
    html = page(client, story)
    return {
        "page": html,
        "json-ld": json.dumps(json_ld(html)),
        "endpoint": endpoint(client, story).content.decode(),
        "atom": client.get(story.path + "updates/atom/").content.decode(),
        "json feed": client.get(story.path + "updates/feed.json").content.decode(),
    }


def test_drafts_scheduled_and_deleted_updates_reach_no_surface(client, storm, people):
    post(storm, people["editor"], "Shown to readers.")
    post(storm, people["writer"], "A writer's draft.", publish=False)
    post(
        storm, people["editor"], "Held for later.", published_at=timezone.now() + timedelta(hours=1)
    )
    gone = post(storm, people["editor"], "Posted in error.")
    desk.delete_update(gone, people["editor"])
    for surface, text in surfaces(client, storm).items():
        assert "Shown to readers." in text, surface
        for hidden in ("A writer's draft.", "Held for later.", "Posted in error."):
            assert hidden not in text, (surface, hidden)


def test_a_scheduled_update_appears_at_its_time_on_the_stored_page(client, storm, people):
    later = post(
        storm,
        people["editor"],
        "Held for later.",
        published_at=timezone.now() + timedelta(minutes=3),  # well within a page's life
    )
    shown_at = f'datetime="{later.published_at.isoformat(timespec="seconds")}"'
    assert "Held for later." not in page(client, storm)
    for address in ("/", "/section/weather/"):
        assert shown_at not in client.get(address).content.decode()  # stored
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        for surface, text in surfaces(client, storm).items():
            assert "Held for later." in text, surface
        for address in ("/", "/section/weather/"):  # the listings' last-update time
            assert shown_at in client.get(address).content.decode(), address


def test_updates_of_a_story_readers_cannot_see_stay_hidden(client, people):
    draft = make_story("Embargoed", status=Article.Status.DRAFT)
    desk.open_coverage(draft, people["editor"])
    post(draft, people["editor"], "Not yet.")
    draft.refresh_from_db()
    assert draft.path is None
    scheduled = make_story("Later", published_at=timezone.now() + timedelta(hours=1))
    desk.open_coverage(scheduled, people["editor"])
    post(scheduled, people["editor"], "Not yet either.")
    for suffix in ("", "updates/", "updates/atom/", "updates/feed.json"):
        assert client.get(scheduled.path + suffix).status_code == 404, suffix


# --- Who may do what ---------------------------------------------------------------


def test_writers_draft_updates_and_editors_publish_them(storm, people):
    writer, editor = people["writer"], people["editor"]
    with pytest.raises(PermissionDenied):
        post(storm, writer, "Straight to readers?", publish=True)
    draft = post(storm, writer, "For the editor to check.", publish=False)
    assert draft.status == LiveUpdate.Status.DRAFT
    draft.body = "<p>Checked and corrected.</p>"
    desk.save_update(draft, writer)  # their own draft: they may still change it
    desk.save_update(draft, editor, publish=True)
    assert LiveUpdate.objects.visible().filter(pk=draft.pk).exists()
    with pytest.raises(PermissionDenied):  # published now: the writer's part is done
        desk.save_update(draft, writer)
    with pytest.raises(PermissionDenied):
        desk.delete_update(draft, writer)
    with pytest.raises(PermissionDenied):
        desk.open_coverage(make_story(), writer)
    with pytest.raises(PermissionDenied):
        desk.set_breaking(storm, writer)


def test_a_writer_never_changes_another_writers_draft(storm, people):
    other = make_staff("val", "Writer")
    draft = post(storm, people["writer"], "Mine.", publish=False)
    with pytest.raises(PermissionDenied):
        desk.save_update(draft, other)


def test_an_update_is_kept_in_the_storys_revisions(storm, people):
    from reversion.models import Version

    update = post(storm, people["editor"], "First version.")
    number = update.pk
    update.body = "<p>Second version.</p>"
    desk.save_update(update, people["editor"])
    desk.delete_update(update, people["editor"])
    comments = [
        v.revision.comment for v in Version.objects.get_for_object(storm).select_related("revision")
    ]
    assert f"Live update added ({number})" in comments
    assert f"Live update changed ({number})" in comments
    assert f"Live update deleted ({number})" in comments
    texts = [v.field_dict["body"] for v in Version.objects.get_for_model(LiveUpdate)]
    assert "<p>First version.</p>" in texts and "<p>Second version.</p>" in texts


def test_an_update_body_is_sanitised_like_a_story(storm, people):
    update = post(
        storm, people["editor"], 'Safe<script>alert(1)</script><a href="javascript:x">link</a>'
    )
    assert "<script" not in update.body and "javascript:" not in update.body


# --- The breaking-news banner -----------------------------------------------------


def test_the_breaking_banner_shows_on_every_page_and_ends_by_itself(client, storm, people):
    other = make_story("Council budget passes")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        desk.set_breaking(storm, people["editor"])
        assert Article.objects.get(pk=storm.pk).breaking_until == start + timedelta(hours=1)
        for address in ("/", other.path, "/section/weather/", "/search/?q=storm", storm.path):
            html = client.get(address).content.decode()
            assert 'class="breaking-banner' in html and storm.path in html, address
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert 'class="breaking-banner' in client.get(other.path).content.decode()
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        for address in ("/", other.path, storm.path):
            assert 'class="breaking-banner' not in client.get(address).content.decode(), address


def test_removing_the_banner_takes_it_off_stored_pages_at_once(client, storm, people):
    other = make_story("Council budget passes")
    desk.set_breaking(storm, people["editor"])
    assert 'class="breaking-banner' in client.get(other.path).content.decode()
    desk.clear_breaking(storm, people["editor"])
    assert 'class="breaking-banner' not in client.get(other.path).content.decode()


def test_a_withdrawn_story_takes_its_banner_with_it(client, storm, people):
    other = make_story("Council budget passes")
    desk.set_breaking(storm, people["editor"])
    assert 'class="breaking-banner' in client.get("/").content.decode()
    storm.status = Article.Status.WITHDRAWN
    storm.save()
    for address in ("/", other.path):
        assert 'class="breaking-banner' not in client.get(address).content.decode()


# --- The page cache under a stream of updates ----------------------------------------


def rendered(client, address, **headers):
    """Whether the page's view ran for this request (a stored page costs one query)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(address, **headers)
    assert response.status_code == 200, address
    return len(context.captured_queries) > 1


def test_an_update_re_renders_only_the_pages_that_show_it(client, storm, people):
    quiet = make_story("Council budget passes", tags=["storm"])
    make_story("Harbour fair opens", tags=["other"], section=make_section("Other", slug="other"))
    post(storm, people["editor"], "First update.")
    showing = [
        storm.path,
        storm.path + "updates/",
        storm.path + "updates/atom/",
        "/",
        "/section/weather/",
        "/author/ana/",
        "/tag/storm/",  # its listing and feeds: "tag-pages:storm"
        "/tag/storm/feed/atom/",
        "/feed/",
        "/section/weather/feed/",
        f"/{timezone.localdate(storm.published_at):%Y}/",
    ]
    not_showing = [
        quiet.path,  # Related stories under "tag:storm", which a live update leaves alone
        "/tag/other/",
        "/section/other/",
        "/sitemap.xml",
    ]
    for address in showing + not_showing:
        rendered(client, address)  # stored
    assert not any(rendered(client, address) for address in showing + not_showing)
    version = ContentVersion.objects.get().version

    post(storm, people["editor"], "Second update.")
    assert ContentVersion.objects.get().version == version  # nothing site-wide moved
    renders = {address: rendered(client, address) for address in showing + not_showing}
    assert renders == {address: address in showing for address in showing + not_showing}
    assert "Second update." in client.get(storm.path).content.decode()
    # A stream of updates costs each of those pages one render per update, no more.
    assert not any(rendered(client, address) for address in showing)


# --- The endpoint ------------------------------------------------------------------


def test_the_endpoint_answers_newer_updates_and_304_when_nothing_changed(client, storm, people):
    first = post(storm, people["editor"], "First update.")
    response = endpoint(client, storm, f"?after={first.pk}")
    assert response.status_code == 200 and response["ETag"]
    assert json.loads(response.content) == {
        "updates": [],
        "latest": first.pk,
        "open": True,
        "reload": False,
    }
    control = response["Cache-Control"]
    assert "s-maxage=" in control and int(re.search(r"s-maxage=(\d+)", control).group(1)) <= 5
    again = endpoint(client, storm, f"?after={first.pk}", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304

    second = post(storm, people["editor"], "Second update.")
    fresh = endpoint(client, storm, f"?after={first.pk}", HTTP_IF_NONE_MATCH=response["ETag"])
    assert fresh.status_code == 200
    data = json.loads(fresh.content)
    assert [u["id"] for u in data["updates"]] == [second.pk] and data["latest"] == second.pk
    assert "Second update." in data["updates"][0]["html"]
    assert f'id="update-{second.pk}"' in data["updates"][0]["html"]


def test_the_endpoint_refuses_what_is_not_an_update_number(client, storm):
    for bad in ("?after=abc", "?after=-1", "?after=" + "9" * 30):
        assert endpoint(client, storm, bad).status_code == 404, bad
    plain = make_story("Not live")
    assert client.get(plain.path + "updates/").status_code == 404


# --- Structured data and feeds -------------------------------------------------------


def test_json_ld_is_a_live_blog_posting_with_the_latest_20_updates(client, storm, people):
    for n in range(25):
        post(
            storm,
            people["editor"],
            f"Update {n}.",
            published_at=timezone.now() - timedelta(minutes=30 - n),
        )
    data = json_ld(page(client, storm))
    assert data["@type"] == "LiveBlogPosting"
    assert data["coverageStartTime"] == storm.live_started_at.isoformat(timespec="seconds")
    assert "coverageEndTime" not in data
    updates = data["liveBlogUpdate"]
    assert len(updates) == 20 and updates[0]["articleBody"] == "Update 24."
    assert {u["@type"] for u in updates} == {"BlogPosting"}
    assert updates[0]["url"].endswith(storm.path + "#update-" + str(LiveUpdate.objects.first().pk))
    assert all(u["headline"] and u["datePublished"] for u in updates)
    desk.close_coverage(storm, people["editor"])
    storm.refresh_from_db()
    assert json_ld(page(client, storm))["coverageEndTime"] == storm.live_ended_at.isoformat(
        timespec="seconds"
    )


def test_the_blog_postings_are_serialised_once_per_change_not_per_request(
    client, storm, people, no_page_cache, monkeypatch
):
    """The BlogPostings are a third of a live page: they are serialised with the live
    part kept in the fragment cache, and a request only puts them into its JSON-LD,
    which stays valid and safe inside its <script> whatever the updates say."""
    import json as json_module

    from articles.reader import metadata

    post(storm, people["editor"], "Tide <b>4 m</b> &amp; rising &lt;/script&gt;&lt;!-- \ue000")
    page(client, storm)  # the live part is built and kept
    serialised, original = [], json_module.dumps

    def dumps(data, **options):
        text = original(data, **options)
        serialised.append(text)
        return text

    monkeypatch.setattr(metadata.json, "dumps", dumps)
    html = page(client, storm)
    assert serialised and not any('"BlogPosting"' in text for text in serialised)
    (update,) = json_ld(html)["liveBlogUpdate"]
    assert update["articleBody"] == "Tide 4 m & rising </script><!-- \ue000"
    script = html[html.index('type="application/ld+json">') :]
    assert script.index("</script>") > script.index("LiveBlogPosting")
    assert "<!--" not in script[: script.index("</script>")]


def test_a_long_live_page_hashes_only_what_surrounds_its_kept_part_per_request(
    client, storm, people, no_page_cache, monkeypatch
):
    """The live part (the updates' HTML and BlogPostings, two thirds of a long live
    page) is encoded and hashed once, when it is built: a request hashes the page
    around it for the ETag, and the reader still gets the whole page."""
    import hashlib

    for n in range(25):
        post(storm, people["editor"], f"Update {n}: " + "the harbour wall holds. " * 12)
    page(client, storm)  # the live part is built and kept
    hashed, md5 = [], hashlib.md5

    def counting(data=b"", **options):
        hashed.append(len(data))
        return md5(data, **options)

    monkeypatch.setattr(hashlib, "md5", counting)
    response = client.get(storm.path)
    html = response.content.decode()
    assert "Update 24: the harbour wall holds." in updates_of(html)
    assert len(json_ld(html)["liveBlogUpdate"]) == 20
    assert hashed and sum(hashed) < len(response.content) / 2


def test_a_live_page_keeps_one_etag_in_every_worker_until_it_changes(
    client, storm, people, no_page_cache
):
    """The ETag is a digest of the page and its kept part: the same wherever the part is
    built (each worker builds its own), so a 304 answers a reader from any worker, and
    a new one with each update."""
    from articles.reader import fragments

    post(storm, people["editor"], "Power cut in the harbour.")
    first = client.get(storm.path)
    fragments.cache.clear()  # another worker: the live part built again
    again = client.get(storm.path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    post(storm, people["editor"], "Power back.")
    fresh = client.get(storm.path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200 and fresh["ETag"] != first["ETag"]
    assert "Power back." in updates_of(fresh.content.decode())


def test_a_plain_story_stays_a_news_article(client):
    story = make_story("Plain")
    assert json_ld(page(client, story))["@type"] == "NewsArticle"


def test_the_live_feeds_list_updates_newest_first(client, storm, people):
    post(storm, people["editor"], "Older.", published_at=timezone.now() - timedelta(minutes=5))
    post(storm, people["editor"], "Newer.")
    atom = client.get(storm.path + "updates/atom/")
    assert atom["Content-Type"].startswith("application/atom+xml")
    text = atom.content.decode()
    assert text.index("Newer.") < text.index("Older.")
    feed = json.loads(client.get(storm.path + "updates/feed.json").content)
    assert [item["content_html"] for item in feed["items"]] == ["<p>Newer.</p>", "<p>Older.</p>"]
    assert feed["items"][0]["url"].startswith("http") and "#update-" in feed["items"][0]["url"]


SITE_FEEDS = [
    "/feed/",
    "/feed/atom/",
    "/feed/json/",
    "/section/weather/feed/atom/",
    "/tag/storm/feed/",
    "/author/ana/feed/json/",
]


def entry_updated(client, address, story):
    """The story's entry's updated time in a feed: ``<updated>`` (Atom), ``<atom:updated>``
    (RSS) or ``date_modified`` (JSON Feed); and the feed's ETag."""
    response = client.get(address)
    assert response.status_code == 200, address
    text = response.content.decode()
    if address.endswith("json/"):
        (item,) = [i for i in json.loads(text)["items"] if i["url"].endswith(story.path)]
        return item["date_modified"], response["ETag"]
    start = text.index(f"{story.path}")
    found = re.search(r"<(?:atom:)?updated>([^<]+)</(?:atom:)?updated>", text[start:])
    return found.group(1), response["ETag"]


def test_the_sites_feeds_show_a_live_storys_last_update_as_its_updated_time(client, storm, people):
    first = post(storm, people["editor"], "Winds reach 90 km/h.")
    before = {address: entry_updated(client, address, storm) for address in SITE_FEEDS}
    for address, (updated, _) in before.items():
        assert updated == first.published_at.isoformat(), address
    second = post(storm, people["editor"], "Ferries cancelled.")
    for address in SITE_FEEDS:  # stored feeds are re-stamped by the update
        updated, etag = entry_updated(client, address, storm)
        assert updated == second.published_at.isoformat(), address
        assert etag != before[address][1], address
        assert client.get(address, HTTP_IF_NONE_MATCH=etag).status_code == 304, address


def test_a_feed_listing_live_coverage_costs_the_same_with_60_updates_as_with_5(
    client, storm, people, no_page_cache, django_assert_num_queries
):
    from articles.reader import fragments

    def make(count):
        LiveUpdate.objects.bulk_create(
            LiveUpdate(story=storm, body="<p>x</p>", status="published") for _ in range(count)
        )

    make(5)
    client.get("/feed/atom/")  # warm the shared fragments
    fragments.cache.clear()
    with CaptureQueriesContext(connection) as few:
        client.get("/feed/atom/")
    make(55)
    fragments.cache.clear()
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/feed/atom/")


# --- The edge cache ------------------------------------------------------------------


def test_an_update_purges_only_the_pages_that_show_it_at_the_edge(
    client, storm, people, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    from .test_edge_purge import EdgeStub

    with EdgeStub() as stub:
        settings.EDGE_PURGE_BACKEND = "varnish"
        settings.EDGE_PURGE_URLS = [stub.url]
        settings.EDGE_PURGE_RETRY_SECONDS = 0
        assert client.get("/")["xkey"].split() == ["all", "site", "live", "front"]
        with django_capture_on_commit_callbacks(execute=True):
            post(storm, people["editor"], "Ferries cancelled.")
        assert stub.xkeys() == [
            {f"story:{storm.path}", "section:weather", "author:ana", "tag-pages:storm", "live"}
        ]
