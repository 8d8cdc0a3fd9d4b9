"""The read API: a bad filter, page or page size is a 400 with JSON errors; a bad or
unknown id is a 404."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .fuzzer import Fuzzer, fuzz
from .hostile import (
    AUTHOR,
    DATE,
    NASTY_PIECES,
    PAGE,
    PAGE_EDGES,
    SEARCH,
    SECTION,
    TAG,
    Param,
    edge_queries,
    numbers,
    query_strings,
    segment,
    swept,
)

pytestmark = pytest.mark.django_db


def test_malformed_api_requests_never_fail(newsroom):
    fuzzer = Fuzzer("api")
    fuzzer.warm_up("/api/articles/", f"/api/articles/{newsroom['story'].pk}/")
    params = {
        "section": SECTION,
        "tag": TAG,
        "author": AUTHOR,
        "published_after": DATE,
        "published_before": DATE,
        "q": SEARCH,
        "page": PAGE,
        "page_size": Param(("1", "20", "100"), ("101", *PAGE_EDGES), numbers),
    }

    def send(path, query):
        response, _ = fuzzer.send(f"{path}?{query}")
        if path == "/api/articles/" and response.status_code in (200, 400):
            assert response["Content-Type"] == "application/json", query

    for query in edge_queries(params):
        send("/api/articles/", query)
    for path in swept(["/api/articles/{}/"], [*NASTY_PIECES, *PAGE_EDGES]):
        send(path, "")

    @fuzz(250)
    @given(
        path=st.one_of(
            st.just("/api/articles/"),
            st.one_of(numbers, segment).map(lambda value: f"/api/articles/{value}/"),
        ),
        query=query_strings(params),
    )
    def check(path, query):
        send(path, query)

    check()
    fuzzer.check()
