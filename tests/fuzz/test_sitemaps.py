"""Sitemaps (hostile sitemap names and ``?p=`` pages), robots.txt and /healthz."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from .fuzzer import Fuzzer, fuzz
from .hostile import PAGE_EDGES, Param, edge_queries, numbers, query_strings, segment, swept

pytestmark = pytest.mark.django_db


def test_malformed_sitemap_robots_and_health_requests_never_fail(newsroom):
    fuzzer = Fuzzer("sitemaps")
    month = timezone.localtime(timezone.now() - timedelta(hours=1))
    stories = reverse("sitemap-stories", args=[month.year, month.month])
    fuzzer.warm_up("/sitemap.xml", stories, "/news-sitemap.xml", "/robots.txt")
    fixed = ["/sitemap.xml", "/news-sitemap.xml", "/robots.txt", "/healthz"]
    for path in swept(["/sitemap-{}.xml"]):
        fuzzer.send(path)
    pages = Param(("1",), PAGE_EDGES, numbers)
    for query in edge_queries({"p": pages}):
        for path in [stories, "/sitemap-tags.xml", *fixed]:
            fuzzer.send(f"{path}?{query}")

    names = st.one_of(st.sampled_from(["stories", "sections", "tags", "authors"]), segment)
    paths = st.one_of(st.sampled_from(fixed), names.map(lambda name: f"/sitemap-{name}.xml"))

    @fuzz(150)
    @given(path=paths, query=query_strings({"p": pages}))
    def check(path, query):
        fuzzer.send(f"{path}?{query}")

    check()
    fuzzer.check()
