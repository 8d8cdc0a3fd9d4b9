"""The reader lane (newsroom/lane.py): a cookieless reader's GET of a reader page skips
the session, auth, messages and axes middleware, and answers exactly as the full stack.

The pages are fetched through Django's WSGI handler, as gunicorn calls it, once built
from MIDDLEWARE as shipped and once from the same list without the lane."""

import copy
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.test.utils import override_settings
from django.urls import path, reverse

from articles.editorial import live as desk
from articles.editorial import previews
from articles.models import LiveUpdate, PreviewLink
from articles.reader.pagecache import reader_page
from newsroom import lane
from newsroom.urls import urlpatterns as site_patterns

from .conftest import rows_for_the_module
from .factories import make_author, make_draft, make_section, make_staff, make_story

pytestmark = pytest.mark.django_db

STORY = "Council approves the harbour budget"


@pytest.fixture(scope="module")
def site_rows(request, django_db_setup, django_db_blocker):
    """``site``'s rows, written once for the module (21 tests, ~1 s each to write)."""
    yield from rows_for_the_module(request, django_db_blocker, site_built)


@pytest.fixture
def site(site_rows, db):
    """A small site with a story of every kind a reader page shows: bylines, tags, a
    section, a correction-free live story with updates, and older stories for paging."""
    return copy.deepcopy(site_rows)


def site_built():
    harbour = make_section("Harbour", slug="harbour")
    writer = make_author("Mira Holt", slug="mira-holt")
    story = make_story(
        STORY, section=harbour, authors=[writer], tags=["budget"], age=timedelta(hours=2)
    )
    for n in range(25):
        make_story(f"Ferry notice {n}", section=harbour, tags=["ferries"], age=timedelta(days=n))
    storm = make_story("Storm reaches the coast", section=harbour, tags=["budget"])
    editor = make_staff("lou", "Editor")
    desk.open_coverage(storm, editor)
    desk.save_update(LiveUpdate(story=storm, body="<p>Winds at 90 km/h.</p>"), editor, publish=True)
    return {"story": story, "storm": storm, "editor": editor}


def reader_addresses(site):
    story, storm = site["story"], site["storm"]
    day = story.published_at
    return [
        "/",
        "/?page=2",
        "/?utm_source=newsletter",
        story.path,
        storm.path,
        storm.path + "updates/",
        storm.path + "updates/atom/",
        storm.path + "updates/feed.json",
        "/section/harbour/",
        "/section/harbour/?page=2",
        "/tag/budget/",
        "/author/mira-holt/",
        f"/{day:%Y}/",
        f"/{day:%Y}/{day:%m}/",
        f"/{day:%Y}/{day:%m}/{day:%d}/",
        "/search/?q=harbour",
        "/archive/",
        "/corrections/",
        "/feed/",
        "/feed/atom/",
        "/feed/json/",
        reverse("section-feed-rss", kwargs={"slug": "harbour"}),
        "/sitemap.xml",
        f"/sitemap-stories-{day:%Y}-{day:%m}.xml",
        "/sitemap-sections.xml",
        "/news-sitemap.xml",
        "/robots.txt",
        "/favicon.ico",
        "/manifest.webmanifest",
        "/api/articles/",
        f"/api/articles/{story.pk}/",
        reverse("latest-fragment", kwargs={"exclude_id": story.pk}),
        # Reader addresses that answer 404: the not-found page, through the lane too.
        "/2020/01/01/no-such-story/",
        "/section/no-such-section/",
        "/?page=999",
    ]


@pytest.fixture(autouse=True)
def connections_kept():
    """As Django's test client does: the handler's request signals would close the
    database connection, inside the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def handler(with_lane):
    """Django's WSGI handler, as gunicorn runs it, with or without the lane."""
    middleware = list(settings.MIDDLEWARE)
    assert lane.LANE in middleware
    if not with_lane:
        middleware.remove(lane.LANE)
    with override_settings(MIDDLEWARE=middleware):
        application = WSGIHandler()
    return application


def fetch(application, address, method="GET", **headers):
    """(status, headers less the request id, body) of one request, no cookie sent."""
    url, _, query = address.partition("?")
    environ = RequestFactory().generic(method, url).environ
    environ.pop("HTTP_COOKIE")  # as a browser with no cookie sends it: no header at all
    environ.update(QUERY_STRING=query, **headers)
    answered = []
    response = application(environ, lambda status, headers, exc_info=None: answered.append(status))
    try:
        body = b"".join(response)
        listed = sorted((k, v) for k, v in response.items() if k != "X-Request-ID")
        cookies = response.cookies.output()
    finally:
        response.close()
    return answered[0], listed, cookies, body


@pytest.mark.parametrize("page_cache", [False, True], ids=["uncached", "cached"])
def test_every_reader_page_is_the_same_through_the_lane(site, settings, page_cache):
    """Status, headers (less the request id), cookies and body, for every kind of reader
    page and a few 404s, rendered and (with the page cache on) stored and served."""
    from django.core.cache import caches

    from articles.reader import fragments, pagecache

    settings.PAGE_CACHE = page_cache
    full, laned = handler(with_lane=False), handler(with_lane=True)
    assert laned._middleware_chain is not None
    addresses = reader_addresses(site)
    asked = [(address, "GET", {}) for address in addresses]
    asked += [(address, "GET", {"HTTP_ACCEPT_ENCODING": "gzip"}) for address in addresses[:12]]
    asked += [(address, "HEAD", {}) for address in ("/", site["story"].path, "/feed/")]
    for address, method, headers in asked:
        answers = []
        for application in (full, laned):
            # Each renders (and stores) its own copy, then serves it from the cache.
            fragments.cache.clear()
            caches["pages"].clear()
            pagecache.recent.clear()
            answers.append([fetch(application, address, method, **headers) for _ in range(2)])
        assert answers[0] == answers[1], (address, method, headers)
    statuses = {address: fetch(laned, address)[0] for address in addresses}
    assert statuses["/?page=999"].startswith("404") and statuses[site["story"].path] == "200 OK"


def test_a_bad_host_is_refused_through_the_lane_as_through_the_full_stack(site):
    full, laned = handler(with_lane=False), handler(with_lane=True)
    for address in ("/", site["story"].path):
        answers = [fetch(app, address, HTTP_HOST="evil.example") for app in (full, laned)]
        assert answers[0][0].startswith("400")
        assert answers[0] == answers[1]


def test_a_cookieless_reader_takes_the_lane(client, site):
    """No session, no message storage: the stack below the lane that a reader does not
    need did not run; views and templates still see an anonymous user."""
    for address in ("/", site["story"].path, "/section/harbour/", "/feed/"):
        response = client.get(address)
        assert response.status_code == 200
        request = response.wsgi_request
        assert not hasattr(request, "session") and not hasattr(request, "_messages")
        assert isinstance(request.user, AnonymousUser)
    assert not client.cookies


@pytest.mark.parametrize(
    "cookie",
    ["csrftoken=" + "a" * 32, "sessionid=not-a-real-session", "tracking=1", "theme=dark"],
)
def test_any_cookie_takes_the_full_stack(client, site, cookie):
    name, value = cookie.split("=")
    client.cookies[name] = value
    response = client.get(site["story"].path)
    assert response.status_code == 200
    assert hasattr(response.wsgi_request, "session")
    assert hasattr(response.wsgi_request, "_messages")


def test_a_signed_in_editor_gets_the_full_stack_and_a_private_page(client, site):
    client.force_login(site["editor"])
    response = client.get(site["story"].path)
    assert response.wsgi_request.user == site["editor"]
    assert "private" in response["Cache-Control"]


def test_only_get_and_head_take_the_lane(site):
    client = Client(enforce_csrf_checks=True)
    head = client.head(site["story"].path)
    assert head.status_code == 200 and not hasattr(head.wsgi_request, "session")
    # A POST to a reader page is refused by CSRF as through the full stack.
    post = client.post(site["story"].path)
    assert post.status_code == 403
    assert hasattr(post.wsgi_request, "session")


@pytest.mark.parametrize(
    "address",
    [
        "/admin/",
        "/admin/login/",
        "/newsletters/confirm/not-a-token/",  # its form prints a CSRF token
        "/newsletters/unsubscribe/not-a-token/",
        "/healthz",
        "/no-such-address",  # not a reader page: APPEND_SLASH and the 404 as before
    ],
)
def test_pages_that_are_not_reader_pages_take_the_full_stack(client, site, address):
    response = client.get(address)
    assert hasattr(response.wsgi_request, "session")


def test_the_login_page_still_sets_its_csrf_cookie(client, site):
    """The login form is not a reader page: it gets its CSRF cookie (and axes still
    watches it: tests/test_security.py's lockout test)."""
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    assert hasattr(response.wsgi_request, "session")


def test_a_share_link_takes_the_full_stack(client, site):
    draft = make_draft("Secret merger plans")
    link = PreviewLink.objects.create(article=draft, created_by=site["editor"])
    response = client.get(previews.share_url(link))
    assert response.status_code == 200
    assert "Secret merger plans" in response.content.decode()
    assert hasattr(response.wsgi_request, "session")
    assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]


@reader_page
def sign_up_box(request):
    """A reader page that prints a CSRF token, as a sign-up form could."""
    return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')


urlpatterns = [path("sign-up-box/", sign_up_box), *site_patterns]


@override_settings(ROOT_URLCONF=__name__)
def test_a_reader_page_that_prints_a_csrf_token_sets_its_cookie_as_before(site):
    """get_token on a lane request: the CSRF cookie is set, with Vary: Cookie, exactly
    as through the full stack, and the token printed matches the cookie."""
    answers = [fetch(handler(with_lane=flag), "/sign-up-box/") for flag in (False, True)]
    for status, headers, cookies, body in answers:
        assert status == "200 OK"
        assert "csrftoken=" in cookies
        assert ("Vary", "Cookie") in headers
        assert re.search(rb'value="[A-Za-z0-9]{64}"', body)
    # Tokens and cookies are random: the same shape, the same header names.
    assert [name for name, _ in answers[0][1]] == [name for name, _ in answers[1][1]]
    client = Client(enforce_csrf_checks=True)
    response = client.get("/sign-up-box/")
    assert not hasattr(response.wsgi_request, "session")  # it did take the lane
    assert "csrftoken" in response.cookies


def test_the_lane_is_off_when_the_csrf_token_lives_in_the_session(site, settings):
    settings.CSRF_USE_SESSIONS = True
    response = Client().get(site["story"].path)
    assert response.status_code == 200
    assert hasattr(response.wsgi_request, "session")


def test_the_lane_is_off_when_the_stack_below_is_not_what_middleware_lists(site):
    """A lane built around a chain it does not recognise sends everything down it."""
    middleware = lane.ReaderLaneMiddleware(lambda request: HttpResponse("below"))
    assert middleware.lane is None
    request = RequestFactory().get(site["story"].path)
    del request.META["HTTP_COOKIE"]
    assert middleware(request).content == b"below"
