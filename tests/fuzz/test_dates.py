"""Year, month and day archives and story addresses with impossible dates (2024-02-30,
0000, month 13, 9999-12-31) and hostile slugs; an impossible date is a plain 404."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .fuzzer import Fuzzer, fuzz
from .hostile import PAGE, edge_queries, piece, query_strings, segment, swept

pytestmark = pytest.mark.django_db

IMPOSSIBLE = [
    "/0000/",
    "/0000/01/01/",
    "/2024/00/",
    "/2024/13/",
    "/2024/02/30/",
    "/2023/02/29/",
    "/2024/04/31/",
    "/2024/01/00/",
    "/2024/01/32/",
    "/9999/",
    "/9999/12/",
    "/9999/12/31/",
    "/0001/01/01/",
]


def date_part(width):
    digits = st.integers(min_value=0, max_value=10**width - 1).map(lambda n: f"{n:0{width}d}")
    return st.one_of(digits, digits, st.sampled_from(["２０２４", "０３", "-1", "1", "x"]), piece)


def test_malformed_dated_addresses_never_fail(newsroom):
    fuzzer = Fuzzer("dates")
    story = newsroom["story"]
    # A piece may end the path early ("/?..."): the front page, whose cached copy serves
    # any query string it does not read.
    fuzzer.warm_up("/", story.path, "/2024/", "/2024/03/", "/2024/03/07/")
    for path in IMPOSSIBLE:
        response, _ = fuzzer.send(path)
        assert response.status_code == 404, path
    templates = ["/{}/", "/2024/{}/", "/2024/03/{}/", "/2024/03/07/{}/", "/{}/03/07/pier/"]
    for path in swept(templates):
        fuzzer.send(path)
    for query in edge_queries({"page": PAGE}):
        fuzzer.send(f"/2024/?{query}")

    slugs = st.one_of(st.sampled_from([story.slug, "old-pier-story"]), segment)
    paths = st.tuples(
        date_part(4), date_part(2), date_part(2), slugs, st.integers(min_value=1, max_value=4)
    ).map(lambda t: "/" + "/".join(t[: t[4]]) + "/")

    @fuzz(250)
    @given(path=paths, query=query_strings({"page": PAGE}))
    def check(path, query):
        fuzzer.send(f"{path}?{query}")

    check()
    fuzzer.check()
