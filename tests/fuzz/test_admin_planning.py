"""The calendar and the planning budget (issue 14), signed in as a writer and as an
editor, with hostile periods and dates (impossible days, year 0 and 99999, huge numbers,
time zones beyond PostgreSQL's): never a 500; a bad date shows today, and a writer's
budget never lists a colleague's draft."""

import pytest
from hypothesis import given

from .fuzzer import desk_fuzzer, fuzz
from .hostile import DATE, Param, edge_queries, query_strings, slug_param

pytestmark = pytest.mark.django_db

PERIOD = Param(("day", "week"), ("", "DAY", "month", "year", "day ", "week\x00"))
PARAMS = {"period": PERIOD, "date": DATE, "p": slug_param("1")}


@pytest.mark.parametrize("role", ["writer", "editor"])
def test_hostile_planning_dates_never_fail_nor_leak(desk, role):
    fuzzer = desk_fuzzer(desk, role, "admin_planning")
    calendar = "/admin/articles/article/calendar/"
    fuzzer.warm_up(calendar, f"{calendar}?period=day", f"{calendar}?period=week&date=2024-03-07")

    for query in ("period=day&date=2024-02-30", "period=week&date=99999-01-01"):
        response, body = fuzzer.send(f"{calendar}?{query}")
        assert response.status_code == 200 and b"That is not a date" in body, query
    for query in edge_queries(PARAMS):
        fuzzer.send(f"{calendar}?{query}")

    @fuzz(200)
    @given(query=query_strings(PARAMS))
    def check(query):
        fuzzer.send(f"{calendar}?{query}")

    check()
    fuzzer.check()
