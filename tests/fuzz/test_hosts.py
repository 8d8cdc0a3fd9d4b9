"""A Host header that is not the site's is refused with 400 Bad Request, before any
view (or query) runs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .fuzzer import Fuzzer, fuzz
from .hostile import garbage_header

pytestmark = pytest.mark.django_db

BAD_HOSTS = [
    "evil.example",
    "127.0.0.1.evil.example",
    "localhost:-1",
    "localhost:80:80",
    "[::1",
    "::1",
    "[::1]]",
    "[::1]:x",
    "127.0.0.1 evil",
    "127.0.0.1/evil",
    "127.0.0.1@evil",
    "user:pass@localhost",
    "localhost\x00",
    "%00",
    "\x00",
    "😀",
    "l\u043ecalhost",  # with a Cyrillic o
    "xn--",
    "a" * 300,
    ".",
    ":",
    ":80",
]


def test_bad_host_headers_are_a_400_not_a_500(newsroom, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    fuzzer = Fuzzer("hosts")
    fuzzer.warm_up("/")
    story = newsroom["story"]
    targets = ["/", story.path, "/feed/", "/search/?q=x", "/api/articles/", "/sitemap.xml"]

    def send(target, host):
        response, _ = fuzzer.send(target, {"Host": host})
        assert response.status_code == 400, host

    for n, host in enumerate(BAD_HOSTS):
        send(targets[n % len(targets)], host)

    hosts = st.tuples(st.sampled_from(["bad-", "x.", "127.0.0.2"]), garbage_header).map("".join)

    @fuzz(80)
    @given(target=st.sampled_from(targets), host=st.one_of(st.sampled_from(BAD_HOSTS), hosts))
    def check(target, host):
        send(target, host)

    check()
    fuzzer.check()
