"""The archive's django-filter form: unknown slugs, impossible and far-off dates,
unknown orderings and pages; a bad value shows the form's errors with a 400."""

import pytest
from hypothesis import given

from .fuzzer import Fuzzer, fuzz
from .hostile import AUTHOR, DATE, PAGE, SECTION, TAG, Param, edge_queries, query_strings

pytestmark = pytest.mark.django_db


def test_malformed_archive_filters_never_fail(newsroom):
    fuzzer = Fuzzer("archive")
    fuzzer.warm_up("/archive/", "/archive/?section=politics&start=2024-01-01&order=oldest")
    params = {
        "section": SECTION,
        "tag": TAG,
        "author": AUTHOR,
        "start": DATE,
        "end": DATE,
        "from": DATE,
        "to": DATE,
        "order": Param(("newest", "oldest"), ("", "random", "-newest", "Newest", "oldest,newest")),
        "page": PAGE,
    }
    for query in edge_queries(params):
        fuzzer.send(f"/archive/?{query}")

    @fuzz(250)
    @given(query=query_strings(params))
    def check(query):
        fuzzer.send(f"/archive/?{query}")

    check()
    fuzzer.check()
