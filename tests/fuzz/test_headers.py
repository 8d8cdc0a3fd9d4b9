"""Garbage in conditional, content negotiation, cookie and proxy headers, on pages of
every kind."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .fuzzer import Fuzzer, fuzz
from .hostile import HTTP_DATE_EDGES, NASTY_PIECES, reader_headers

pytestmark = pytest.mark.django_db


def test_malformed_headers_never_fail(newsroom):
    fuzzer = Fuzzer("headers")
    story = newsroom["story"]
    targets = [
        "/",
        story.path,
        "/section/politics/",
        "/tag/harbour/",
        "/feed/",
        "/tag/harbour/feed/atom/",
        "/feed/json/",
        "/search/?q=harbour",
        "/archive/?section=politics",
        "/api/articles/",
        f"/api/articles/{story.pk}/",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz",
        "/media/images/ab/photo.jpg",
        "/no-such-page/",
    ]
    fuzzer.warm_up(*targets)
    for n, value in enumerate([*NASTY_PIECES, *HTTP_DATE_EDGES]):
        target = targets[n % len(targets)]
        for name in ("If-None-Match", "If-Modified-Since", "Cookie", "Accept-Language"):
            fuzzer.send(target, {name: value})

    @fuzz(250)
    @given(target=st.sampled_from(targets), headers=reader_headers())
    def check(target, headers):
        fuzzer.send(target, headers)

    check()
    fuzzer.check()
