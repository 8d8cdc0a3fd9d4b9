"""RSS, Atom and JSON feeds of the site, sections, tags and authors: hostile slugs and
a feed reader's conditional headers (If-None-Match, If-Modified-Since) with garbage."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.reader.addresses import FEED_PATHS

from .fuzzer import Fuzzer, fuzz
from .hostile import HTTP_DATE_EDGES, conditional_headers, query_strings, segment, swept

pytestmark = pytest.mark.django_db


def test_malformed_feed_requests_never_fail(newsroom):
    fuzzer = Fuzzer("feeds")
    suffixes = list(FEED_PATHS.values())
    fuzzer.warm_up(*(f"/{suffix}" for suffix in suffixes))
    fuzzer.warm_up(*(f"/section/politics/{suffix}" for suffix in suffixes))
    for path in swept(
        [f"/{kind}/{{}}/{s}" for kind in ("section", "tag", "author") for s in suffixes]
    ):
        fuzzer.send(path)
    for value in HTTP_DATE_EDGES:
        fuzzer.send("/feed/", {"If-Modified-Since": value})
        fuzzer.send("/feed/json/", {"If-Modified-Since": value, "If-None-Match": '"x"'})

    feed_paths = st.one_of(
        st.sampled_from([f"/{suffix}" for suffix in suffixes]),
        st.tuples(
            st.sampled_from(["section", "tag", "author"]),
            st.one_of(st.sampled_from(["politics", "harbour", "harbor", "ian-po"]), segment),
            st.sampled_from(suffixes),
        ).map(lambda t: f"/{t[0]}/{t[1]}/{t[2]}"),
        segment.map(lambda junk: f"/feed/{junk}/"),
    )

    @fuzz(250)
    @given(path=feed_paths, query=query_strings({}), headers=conditional_headers())
    def check(path, query, headers):
        fuzzer.send(f"{path}?{query}", headers)

    check()
    fuzzer.check()
