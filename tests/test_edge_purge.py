"""Surrogate keys on reader pages, and exact purges sent to the edge after a commit.

The purge backends talk to a local HTTP stub (a tiny http.server on a free port)
that records each call, as Varnish, Fastly's and Cloudflare's APIs would receive it.
"""

import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from articles.editorial.workflow import transition
from articles.models import Article, Correction
from articles.reader import addresses, fragments
from newsroom import purge

from .factories import (
    make_author,
    make_draft,
    make_scheduled,
    make_section,
    make_staff,
    make_story,
)
from .servers import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_store")]


class EdgeStub:
    """Records every call; answers ``status`` (or the next of ``failures`` first)."""

    def __init__(self):
        self.calls = []
        self.failures = []
        self.body = b'{"success": true}'
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.calls.append(
                    (self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = stub.failures.pop(0) if stub.failures else 200
                self.send_response(status)
                self.send_header("Content-Length", str(len(stub.body)))
                self.end_headers()
                self.wfile.write(stub.body)

            do_PURGE = do_POST = do_GET = answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def xkeys(self):
        """The keys of every PURGE received, as one set per call."""
        return [set(headers["xkey"].split()) for method, _, headers, _ in self.calls]


@pytest.fixture
def edge(settings, immediate_tasks):
    """Varnish purges to a stub, tasks run inline once the transaction commits."""
    with EdgeStub() as stub:
        settings.EDGE_PURGE_BACKEND = "varnish"
        settings.EDGE_PURGE_URLS = [stub.url]
        settings.EDGE_PURGE_RETRY_SECONDS = 0
        yield stub


@pytest.fixture
def newsroom(django_capture_on_commit_callbacks):
    # Committed (as far as the test's transaction goes): a test's purges are its own.
    with django_capture_on_commit_callbacks(execute=True):
        section = make_section("Harbour", slug="harbour")
        author = make_author("Ana Reyes", slug="ana")
        story = make_story(
            "Ferry timetable changes", section=section, authors=[author], tags=["ferries"]
        )
    return {"section": section, "author": author, "story": story}


# The header each edge reads a page's keys from, and their separator.
EDGE_HEADERS = {
    "varnish": ("xkey", " "),
    "fastly": ("Surrogate-Key", " "),
    "cloudflare": ("Cache-Tag", ","),
}
KEY_HEADERS = [header for header, _ in EDGE_HEADERS.values()]


def keys_of(response):
    return response["xkey"].split()


def key_headers(response):
    return [header for header in KEY_HEADERS if header in response]


@pytest.fixture
def varnish_keys(settings):
    """Pages carry the keys Varnish reads (its purges are not what the test is about)."""
    settings.EDGE_PURGE_BACKEND = "varnish"


def expected_keys(story):
    return {
        story.path: ["all", f"story:{story.path}", "latest", "tag:ferries"],
        "/section/harbour/": ["all", "section:harbour"],
        "/tag/ferries/": ["all", "tag-pages:ferries"],  # tag:ferries keys Related stories
        "/author/ana/": ["all", "author:ana"],
        "/section/harbour/feed/": ["all", "section:harbour", "feeds"],
        "/": ["all", "site", "live", "front"],  # the front shows live updates' times
        "/feed/": ["all", "site", "live", "feeds"],  # listings show live updates' times
        "/sitemap.xml": ["all", "site", "sitemaps"],
        "/corrections/": ["all", "site", "corrections"],
        "/api/articles/": ["all", "site", "api"],
        "/search/?q=ferry": ["all", "site", "live", "search"],
        f"/{timezone.localtime(story.published_at).year}/": ["all", "site", "live", "archive"],
    }


@pytest.mark.parametrize("backend", EDGE_HEADERS)
def test_reader_pages_name_what_they_show_to_their_edge_and_stored_copies_keep_the_names(
    client, newsroom, backend
):
    """Each edge gets the keys in the one header it reads, and only that one."""
    header, separator = EDGE_HEADERS[backend]
    with override_settings(EDGE_PURGE_BACKEND=backend):
        for address, keys in expected_keys(newsroom["story"]).items():
            for attempt in ("rendered", "stored"):
                response = client.get(address)
                assert response.status_code == 200, address
                assert response[header].split(separator) == keys, (address, attempt)
                assert key_headers(response) == [header], (address, attempt)


def test_a_site_without_an_edge_sends_no_surrogate_keys(client, settings, newsroom):
    """The default install tells no edge of changes: its pages carry no keys at all."""
    assert settings.EDGE_PURGE_BACKEND == "none"
    for address in expected_keys(newsroom["story"]):
        for attempt in ("rendered", "stored"):
            response = client.get(address)
            assert response.status_code == 200, address
            assert key_headers(response) == [], (address, attempt)


def test_a_stored_page_carries_the_keys_of_the_edge_it_is_served_for(client, newsroom):
    """The backend is part of the page's key: a page stored for one edge is never served,
    with its headers, to another (or to a site that has none)."""
    story = newsroom["story"]
    for backend in ["none", *EDGE_HEADERS, "none"]:
        with override_settings(EDGE_PURGE_BACKEND=backend):
            expected = [EDGE_HEADERS[backend][0]] if backend != "none" else []
            for address in (story.path, "/section/harbour/", "/"):
                for attempt in ("rendered", "stored"):
                    found = key_headers(client.get(address))
                    assert found == expected, (backend, address, attempt)


def test_a_tag_in_another_script_has_the_same_ascii_key_on_its_pages_and_in_purges(
    client, edge, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        story = make_story("Polls close", tags=["東京", "Élection présidentielle"])
    slugs = [tag.slug for tag in story.tags.all()]
    keys = [f"tag:{quote(slug)}" for slug in slugs]
    pages = [f"tag-pages:{quote(slug)}" for slug in slugs]
    for slug, key, page in zip(slugs, keys, pages, strict=True):
        response = client.get(addresses.tag(slug))
        assert response.status_code == 200
        assert page in keys_of(response)
        assert all(part.isascii() and "," not in part for part in keys_of(response))
        assert key in keys_of(client.get(story.path))
    edge.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Correction.objects.create(article=story, text="The polls closed at eight.")
    (purged,) = edge.xkeys()
    assert set(keys + pages) <= purged


def test_editors_pages_carry_no_keys(client, newsroom, varnish_keys):
    client.force_login(make_staff("desk", role="Editor"))
    response = client.get(newsroom["story"].path)
    assert "private" in response["Cache-Control"]
    assert "xkey" not in response


def test_with_purging_on_the_edge_may_keep_pages_for_an_hour(client, settings, newsroom):
    settings.CDN_MAX_AGE = 3600
    for response in (client.get("/"), client.get(newsroom["story"].path)):
        assert "s-maxage=3600" in response["Cache-Control"]


def test_publishing_purges_the_story_its_lists_and_the_site_pages(
    edge, newsroom, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = make_draft(
            "Night ferry returns",
            section=newsroom["section"],
            authors=[newsroom["author"]],
            tags=["ferries", "night"],
        )
    edge.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        transition(draft, Article.Status.PUBLISHED, make_staff("chief", role="Editor"))
    draft.refresh_from_db()
    # One purge for the whole transaction, with exactly the scopes the page cache stamps.
    assert edge.xkeys() == [
        {
            "site",
            f"story:{draft.path}",
            "section:harbour",
            "tag:ferries",
            "tag:night",
            "tag-pages:ferries",
            "tag-pages:night",
            "author:ana",
        }
    ]
    method, path, _, _ = edge.calls[0]
    assert (method, path) == ("PURGE", "/")


def test_a_correction_purges_its_story_not_the_other_stories(
    edge, newsroom, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        other = make_story("Tram works", section=make_section("City", slug="city"), tags=["trams"])
    edge.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Correction.objects.create(
            article=newsroom["story"],
            text="The crossing is at seven, not six.",
        )
    (keys,) = edge.xkeys()
    assert f"story:{newsroom['story'].path}" in keys
    assert {"site", "section:harbour", "tag:ferries", "author:ana"} <= keys
    assert not {f"story:{other.path}", "section:city", "tag:trams", "latest", "all"} & keys


def test_a_withdrawal_also_purges_every_latest_block(
    edge, newsroom, django_capture_on_commit_callbacks
):
    edge.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        transition(newsroom["story"], Article.Status.WITHDRAWN, make_staff("chief", role="Editor"))
    (keys,) = edge.xkeys()
    assert {"latest", "site", f"story:{newsroom['story'].path}", "tag:ferries"} <= keys


def test_a_change_every_page_shows_purges_all(edge, newsroom, django_capture_on_commit_callbacks):
    edge.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        newsroom["section"].name = "Harbour and shipping"
        newsroom["section"].save()
    assert edge.xkeys() == [{"all"}]


def test_nothing_is_purged_for_a_change_rolled_back(
    edge, newsroom, django_capture_on_commit_callbacks
):
    edge.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                newsroom["section"].name = "Rolled back"
                newsroom["section"].save()
                raise RuntimeError
        except RuntimeError:
            pass
        Correction.objects.create(article=newsroom["story"], text="Kept.")
    (keys,) = edge.xkeys()
    assert "section:harbour" in keys and "all" not in keys


def test_a_failed_purge_is_retried(edge, newsroom, django_capture_on_commit_callbacks):
    edge.failures = [503, 502]
    edge.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Correction.objects.create(article=newsroom["story"], text="Fixed.")
    assert len(edge.calls) == 3 and edge.xkeys()[0] == edge.xkeys()[2]


def test_a_purge_that_keeps_failing_is_logged_and_the_save_stands(
    edge, newsroom, caplog, django_capture_on_commit_callbacks, request
):
    edge.failures = [500] * 5
    edge.calls.clear()
    failed = []
    purge.purge_failed.connect(
        lambda sender, keys, error, **kwargs: failed.append(keys), weak=False, dispatch_uid="t"
    )
    request.addfinalizer(lambda: purge.purge_failed.disconnect(dispatch_uid="t"))
    with (
        caplog.at_level(logging.WARNING, logger="newsroom.purge"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        Correction.objects.create(article=newsroom["story"], text="Fixed.")
    assert len(edge.calls) == 3  # EDGE_PURGE_ATTEMPTS
    assert [sorted(keys) for keys in failed] == [sorted(edge.xkeys()[0])]  # told once
    failures = [
        r for r in caplog.records if r.levelno == logging.ERROR and r.name == "newsroom.purge"
    ]
    assert len(failures) == 1 and "section:harbour" in failures[0].getMessage()
    assert Correction.objects.filter(text="Fixed.").exists()


def test_fastly_is_told_the_surrogate_keys(edge, settings):
    settings.EDGE_PURGE_BACKEND = "fastly"
    settings.FASTLY_API_URL = edge.url
    settings.FASTLY_SERVICE_ID = "svc123"
    settings.FASTLY_API_TOKEN = "fastly-token"
    purge.purge_keys.call(["site", "tag:ferries"])
    ((method, path, headers, body),) = edge.calls
    assert (method, path) == ("POST", "/service/svc123/purge")
    assert headers["fastly-key"] == "fastly-token"
    assert json.loads(body) == {"surrogate_keys": ["site", "tag:ferries"]}


def test_cloudflare_is_told_the_cache_tags_thirty_at_a_time(edge, settings):
    settings.EDGE_PURGE_BACKEND = "cloudflare"
    settings.CLOUDFLARE_API_URL = edge.url + "/client/v4"
    settings.CLOUDFLARE_ZONE_ID = "zone9"
    settings.CLOUDFLARE_API_TOKEN = "cf-token"
    keys = [f"tag:t{number}" for number in range(31)]
    purge.purge_keys.call(keys)
    assert [(method, path) for method, path, _, _ in edge.calls] == [
        ("POST", "/client/v4/zones/zone9/purge_cache")
    ] * 2
    assert all(headers["authorization"] == "Bearer cf-token" for _, _, headers, _ in edge.calls)
    sent = [json.loads(body)["tags"] for _, _, _, body in edge.calls]
    assert sent == [keys[:30], keys[30:]]


def test_cloudflare_refusing_is_a_failure(edge, settings, caplog):
    settings.EDGE_PURGE_BACKEND = "cloudflare"
    settings.CLOUDFLARE_API_URL = edge.url
    settings.CLOUDFLARE_ZONE_ID = "zone9"
    settings.CLOUDFLARE_API_TOKEN = "wrong"
    edge.body = b'{"success": false, "errors": [{"code": 10000}]}'
    with pytest.raises(purge.PurgeFailed):
        purge.purge_keys.call(["site"])
    assert len(edge.calls) == 3


def test_with_no_backend_nothing_is_sent(
    edge, settings, newsroom, django_capture_on_commit_callbacks
):
    settings.EDGE_PURGE_BACKEND = "none"
    edge.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Correction.objects.create(article=newsroom["story"], text="Fixed.")
    assert edge.calls == []


def test_a_queue_that_can_wait_purges_again_a_little_later(
    settings, newsroom, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "mail", "purge"],
        }
    }
    settings.EDGE_PURGE_BACKEND = "varnish"
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:9"]
    settings.EDGE_PURGE_REPEAT_SECONDS = 5
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        Correction.objects.create(article=newsroom["story"], text="Fixed.")
    first, second = default_task_backend.results
    assert first.task.queue_name == second.task.queue_name == "purge"
    assert first.args == second.args and "section:harbour" in first.args[0]
    assert first.task.run_after is None
    assert second.task.run_after >= before + timedelta(seconds=5)


def test_a_queue_that_refuses_the_purge_never_undoes_or_fails_the_save(
    edge, settings, newsroom, caplog, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default"],  # no "purge" queue: enqueueing fails
        }
    }
    edge.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Correction.objects.create(article=newsroom["story"], text="Still saved.")
    assert Correction.objects.filter(text="Still saved.").exists()
    assert edge.calls == []
    assert any("purge" in record.getMessage().lower() for record in caplog.records)


@pytest.mark.django_db(transaction=True)  # the worker closes its connections
def test_the_database_queue_carries_the_purge_to_its_worker(edge, settings):
    """The default deployment: the purge waits in the database until db_worker runs it
    (and its repeat waits EDGE_PURGE_REPEAT_SECONDS more)."""
    from django.core.management import call_command

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "mail", "purge"],
        }
    }
    story = make_story("Queued", section=make_section("Harbour", slug="harbour"))
    call_command("db_worker", "--batch", "--queue-name", "purge", "--no-startup-delay")
    edge.calls.clear()
    Correction.objects.create(article=story, text="Queued.")  # committed: autocommit
    assert edge.calls == []  # nothing sent from the saving process itself
    call_command("db_worker", "--batch", "--queue-name", "purge", "--no-startup-delay")
    (keys,) = edge.xkeys()  # the first purge; the repeat is not due yet
    assert {"site", "section:harbour", f"story:{story.path}"} <= keys


def test_an_import_batch_purges_every_page_once(edge, django_capture_on_commit_callbacks):
    from articles.signals import stamping_held

    edge.calls.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), stamping_held():
        make_story("Imported one", tags=["wire"])
        make_story("Imported two", section=make_section("Wire", slug="wire"))
    assert edge.xkeys() == [{"all"}]


def test_a_restored_revision_purges_every_page(edge, newsroom, django_capture_on_commit_callbacks):
    from reversion.models import Version

    from articles.editorial import revisions

    with django_capture_on_commit_callbacks(execute=True):
        story = make_story("Bare story", section=newsroom["section"])  # no byline, no tag
        revisions.record_revision(story, "First")
        story.headline = "Bare story, edited"
        story.save()
    (first,) = Version.objects.get_for_object(story)
    edge.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        revisions.revert_story(first)
    assert set.union(*edge.xkeys()) >= {"all"}


# --- EDGE_ESI: the edge fills story pages' Latest block itself ------------------


@pytest.fixture
def esi(settings, varnish_keys):
    """ESI as deploy/varnish/default.vcl does it: Varnish fills the holes, and reads xkey."""
    settings.EDGE_ESI = True


@pytest.fixture
def latest_news(newsroom, django_capture_on_commit_callbacks):
    """Stories around the newsroom's: a newer live one, a draft and a scheduled one."""
    with django_capture_on_commit_callbacks(execute=True):
        newer = make_story("Tram works on the bridge", age=timedelta(minutes=5))
        make_draft("Harbour strike talks (draft)")
        make_scheduled("Budget vote tonight (scheduled)")
    return {**newsroom, "newer": newer}


def test_with_esi_a_story_page_leaves_its_latest_block_to_the_edge(client, esi, latest_news):
    story = latest_news["story"]
    fragment = reverse("latest-fragment", kwargs={"exclude_id": story.pk})
    for attempt in ("rendered", "stored"):
        response = client.get(story.path)
        html = response.content.decode()
        assert f'<esi:include src="{fragment}"/>' in html, attempt
        assert "Tram works on the bridge" not in html, attempt  # the edge puts it there
        assert response["Surrogate-Control"] == 'content="ESI/1.0"'
        # Not "latest": other stories' changes purge the fragment, not this page.
        assert keys_of(response) == ["all", f"story:{story.path}", "tag:ferries"], attempt


def test_with_esi_older_story_pages_share_one_latest_fragment(
    client, esi, newsroom, django_capture_on_commit_callbacks
):
    """Only the newest stories' pages need a Latest fragment that leaves them out: the
    others share one, so a publication retires a dozen fragments at the edge, not one
    per story page."""
    with django_capture_on_commit_callbacks(execute=True):
        older = make_story("Harbour history", age=timedelta(days=30))
        newer = [
            make_story(f"Bulletin {number}", age=timedelta(minutes=number + 1))
            for number in range(fragments.EDGE_OWN_LATEST)
        ]
    for story, exclude_id in [(older, 0), (newsroom["story"], 0), (newer[-1], newer[-1].pk)]:
        source = reverse("latest-fragment", kwargs={"exclude_id": exclude_id})
        assert f'<esi:include src="{source}"/>' in client.get(story.path).content.decode()
    shared = client.get(reverse("latest-fragment", kwargs={"exclude_id": 0})).content.decode()
    assert [f"Bulletin {number}" in shared for number in range(6)] == [True] * 5 + [False]


def test_the_latest_fragment_shows_public_stories_only_under_keys_every_change_purges(
    client, esi, latest_news
):
    story = latest_news["story"]
    response = client.get(reverse("latest-fragment", kwargs={"exclude_id": story.pk}))
    assert response.status_code == 200
    assert keys_of(response) == ["all", "site", "latest"]
    html = response.content.decode()
    assert "Tram works on the bridge" in html
    assert "Ferry timetable changes" not in html  # the page it fills shows it already
    assert "(draft)" not in html and "(scheduled)" not in html
    # Any number is harmless: the same public list, nothing left out.
    other = client.get(reverse("latest-fragment", kwargs={"exclude_id": 10**17})).content
    assert b"Ferry timetable changes" in other and b"(draft)" not in other


def test_editors_and_a_site_without_esi_get_the_latest_block_in_the_page(
    client, settings, latest_news
):
    story = latest_news["story"]
    for esi_on in (False, True):
        settings.EDGE_ESI = esi_on
        client.logout()
        if esi_on:  # an editor sees the live site, put together by the origin
            client.force_login(make_staff("desk", role="Editor"))
        response = client.get(story.path)
        assert b"Tram works on the bridge" in response.content, esi_on
        assert b"esi:include" not in response.content, esi_on
        assert "Surrogate-Control" not in response, esi_on
