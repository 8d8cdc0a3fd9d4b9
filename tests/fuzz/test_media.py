"""Photos under /media/images/: traversal, NUL, encoded slashes and over-long names are
a 4xx, and no request ever reads a file outside MEDIA_ROOT."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .fuzzer import SECRET_MARKER, Fuzzer, fuzz
from .hostile import conditional_headers, segment, swept

pytestmark = pytest.mark.django_db

TRAVERSALS = [
    "../../secret.txt",
    "..%2F..%2Fsecret.txt",
    "%2e%2e/%2e%2e/secret.txt",
    "ab/../../../secret.txt",
    "/../secret.txt",
    "....//....//secret.txt",
    "..\\..\\secret.txt",
    "ab/photo.jpg%00.png",
    "ab/photo.jpg/",
    "ab/",
    "ab",
    "",
]


def test_malformed_media_paths_never_fail_or_leave_the_media_folder(newsroom):
    fuzzer = Fuzzer("media")
    fuzzer.warm_up("/media/images/ab/photo.jpg")

    def send(path, headers=None):
        _, body = fuzzer.send(f"/media/images/{path}", headers)
        assert SECRET_MARKER.encode() not in body, path

    for path in [*TRAVERSALS, *swept(["{}", "ab/{}", "ab/photo.jpg{}", "{}/photo.jpg"])]:
        send(path)

    paths = st.lists(st.one_of(st.sampled_from(TRAVERSALS), segment), min_size=1, max_size=3)

    @fuzz(150)
    @given(path=paths.map("/".join), headers=st.one_of(st.just({}), conditional_headers()))
    def check(path, headers):
        send(path, headers)

    check()
    fuzzer.check()
