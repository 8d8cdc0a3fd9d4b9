"""Fronts, section, tag and author pages and the corrections page: hostile slugs and
pages never fail; a page that is not a number from 1 to MAX_PAGE is a 404."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.reader.paging import MAX_PAGE

from .fuzzer import Fuzzer, fuzz
from .hostile import PAGE, edge_queries, query_strings, segment, swept

pytestmark = pytest.mark.django_db

LISTINGS = ["/section/{}/", "/tag/{}/", "/author/{}/"]
EXISTING_LISTINGS = {"/", "/corrections/", "/section/politics/", "/tag/harbour/"}


def is_page_number(raw):
    return raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_PAGE


def test_malformed_listing_addresses_never_fail(newsroom):
    fuzzer = Fuzzer("listings")
    fuzzer.warm_up("/", "/corrections/", "/section/politics/", "/tag/harbour/", "/author/ian-po/")

    def send(path, query):
        response, _ = fuzzer.send(f"{path}?{query}")
        page = response.wsgi_request.GET.get("page", "1")  # what the view read
        if path in EXISTING_LISTINGS and not is_page_number(page):
            assert response.status_code == 404, (path, query)

    for path in swept(LISTINGS):
        send(path, "")
    for query in edge_queries({"page": PAGE}):
        for path in ["/", "/corrections/", "/section/politics/", "/tag/harbour/"]:
            send(path, query)

    @fuzz(250)
    @given(
        path=st.one_of(
            st.sampled_from(sorted(EXISTING_LISTINGS)),
            st.tuples(st.sampled_from(LISTINGS), segment).map(lambda t: t[0].format(t[1])),
        ),
        query=query_strings({"page": PAGE}),
    )
    def check(path, query):
        send(path, query)

    check()
    fuzzer.check()
