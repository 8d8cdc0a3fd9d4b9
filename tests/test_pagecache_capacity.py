"""What a worker's page cache holds: every page of a busy mix, each kept once, gzipped.

Under load (issue 13, 64 readers on ~700 addresses while a story is published every
6 s) most renders were pages that had fallen out of a worker's cache, not pages a
publication made stale (``bench/renders.py``): the cache held 400 pages, each in both
encodings. Pages are now stored gzipped only, and the cache holds four times as many
in less memory. A render is counted as a request the view ran for.
"""

import gzip
from datetime import timedelta

import pytest
from django.core.cache import caches

from articles.reader import pagecache

from .factories import make_author, make_section, make_story

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
MIX_ADDRESSES = 700  # bench/load.py's mix: 400 stories, 150 tags, 40 authors, feeds, searches


def rendered(response):
    return response.wsgi_request.resolver_match is not None  # the view ran


@pytest.fixture
def story():
    section = make_section("Harbour", slug="harbour")
    author = make_author("Ana Reyes", slug="ana")
    for number in range(12):  # a front page worth compressing, Latest and Related blocks
        make_story(
            f"Ferry timetable changes, part {number}",
            section=section,
            authors=[author],
            tags=["ferries"],
            body="<p>The morning crossing moves to seven.</p>" * 20,
            age=timedelta(hours=number + 1),
        )
    return make_story("Quay repairs begin", section=section, tags=["ferries"], authors=[author])


def stored_sizes():
    """The bytes the worker's page cache keeps, per stored page (LocMem keeps pickles)."""
    return [len(value) for value in caches["pages"]._cache.values()]


def test_a_page_is_stored_once_gzipped_and_served_the_same_in_both_encodings(client, story):
    addresses = ["/", story.path, "/section/harbour/", "/feed/"]
    plain = {address: client.get(address).content for address in addresses}
    zipped = {address: client.get(address, **GZIP) for address in addresses}
    for address in addresses:
        assert zipped[address]["Content-Encoding"] == "gzip", address
        assert gzip.decompress(zipped[address].content) == plain[address], address

    # What the worker keeps is about the gzipped size, not the page's.
    assert len(stored_sizes()) == len(addresses)
    assert sum(stored_sizes()) < sum(len(page) for page in plain.values()) / 2

    # Read back from the stored copy (as a worker that did not serve it last does): the
    # same bytes, in both encodings, without rendering.
    for headers in ({}, GZIP, {}):
        pagecache.recent.clear()
        for address in addresses:
            response = client.get(address, **headers)
            assert not rendered(response), address
            body = gzip.decompress(response.content) if headers else response.content
            assert body == plain[address], address


def test_a_worker_keeps_every_page_of_a_busy_mix(client, story):
    """After one pass over as many addresses as the load mix has, a second pass is
    served entirely from the cache (it held 400, and culled a third when full)."""
    addresses = ["/", story.path] + [f"/search/?q=nothing{number}" for number in range(698)]
    assert len(addresses) == MIX_ADDRESSES
    first = [rendered(client.get(address)) for address in addresses]
    assert all(first)
    again = sum(rendered(client.get(address)) for address in addresses)
    assert again == 0
    assert len(stored_sizes()) == MIX_ADDRESSES
