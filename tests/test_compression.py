"""Reader pages go out gzipped to clients that take gzip, compressed once when stored.

Runs with the pages in the worker's memory and in a real Redis (``page_store``)."""

import copy
import gzip
from datetime import timedelta

import pytest
from django.test import Client

from articles.reader import encoding

from .conftest import rows_for_the_module
from .factories import make_section, make_staff, make_story

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_store")]

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture(scope="module")
def stories_rows(request, django_db_setup, django_db_blocker):
    """Written once for the module: a section and eight stories."""
    yield from rows_for_the_module(request, django_db_blocker, stories_built)


@pytest.fixture
def stories(stories_rows, db):
    return copy.deepcopy(stories_rows)


def stories_built():
    section = make_section("Harbour", slug="harbour")
    return [
        make_story(
            f"Ferry timetable changes {n}",
            section=section,
            tags=["ferries"],
            body="<p>The morning crossing moves to seven.</p>" * 20,
            age=timedelta(hours=n + 1),
        )
        for n in range(8)
    ]


@pytest.fixture
def compressions(monkeypatch):
    """How many times a page was gzipped (the real function, counted)."""
    calls = []
    real = encoding.compress

    def counted(content):
        calls.append(len(content))
        return real(content)

    monkeypatch.setattr(encoding, "compress", counted)
    return calls


def plain_and_gzipped(client, url):
    plain = client.get(url)
    zipped = client.get(url, **GZIP)
    assert plain.status_code == zipped.status_code == 200
    return plain, zipped


@pytest.mark.parametrize("page", ["front", "story", "section", "feed"])
def test_a_reader_page_is_the_same_page_gzipped(client, stories, page):
    url = {
        "front": "/",
        "story": stories[0].path,
        "section": "/section/harbour/",
        "feed": "/feed/",
    }[page]
    plain, zipped = plain_and_gzipped(client, url)
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain.content) / 2
    for response in (plain, zipped):
        assert "Accept-Encoding" in response["Vary"]
    # Two representations, two ETags, each answered with a 304 by its own.
    assert zipped["ETag"] != plain["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=zipped["ETag"], **GZIP)
    assert again.status_code == 304


def test_a_stored_page_is_compressed_once_not_on_each_serve(client, stories, compressions):
    for _ in range(5):
        response = client.get("/", **GZIP)
        assert response["Content-Encoding"] == "gzip"
    assert len(compressions) == 1


def test_a_story_page_with_holes_is_compressed_once_per_filled_copy(client, stories, compressions):
    for _ in range(5):
        response = client.get(stories[0].path, **GZIP)
        assert response["Content-Encoding"] == "gzip"
        assert b"Ferry timetable changes 1" in gzip.decompress(response.content)  # Latest
    assert len(compressions) == 1


def test_a_client_that_refuses_gzip_gets_plain_html(client, stories):
    for refusal in ("identity", "gzip;q=0", "br", ""):
        response = client.get("/", HTTP_ACCEPT_ENCODING=refusal)
        assert "Content-Encoding" not in response, refusal
        assert b"Ferry timetable changes 0" in response.content


def test_pages_for_a_signed_in_editor_are_never_compressed(stories):
    """They carry a CSRF token: compressing them next to text an attacker can put in
    the page is what BREACH reads secrets through."""
    editor = Client()
    editor.force_login(make_staff("ed", "Editor"))
    for url in ("/", stories[0].path, "/admin/articles/article/"):
        response = editor.get(url, **GZIP)
        assert response.status_code == 200
        assert "Content-Encoding" not in response, url


def test_a_small_answer_is_not_worth_compressing(client, stories):
    response = client.get("/robots.txt", **GZIP)
    assert response.status_code == 200
    assert len(response.content) < encoding.MINIMUM_SIZE
    assert "Content-Encoding" not in response
