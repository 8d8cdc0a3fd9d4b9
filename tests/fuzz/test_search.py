"""Search takes whatever a reader types: FTS syntax, unbalanced quotes and parentheses,
NEAR(, operators, control characters and 2,000+ character queries."""

import pytest
from hypothesis import given

from .fuzzer import Fuzzer, fuzz
from .hostile import PAGE, SEARCH, edge_queries, query_strings

pytestmark = pytest.mark.django_db


def test_malformed_search_queries_never_fail(newsroom):
    fuzzer = Fuzzer("search")
    fuzzer.warm_up("/search/", "/search/?q=harbour")
    params = {"q": SEARCH, "page": PAGE}
    for query in edge_queries(params):
        fuzzer.send(f"/search/?{query}")

    @fuzz(250)
    @given(query=query_strings(params))
    def check(query):
        fuzzer.send(f"/search/?{query}")

    check()
    fuzzer.check()
