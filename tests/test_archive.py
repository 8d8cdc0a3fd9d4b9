"""The archive page: filters by section, tag, author, dates and order; errors shown, not 500s."""

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.reader import fragments

from .factories import make_author, make_draft, make_section, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    city, sport = make_section("City", slug="city"), make_section("Sport", slug="sport")
    ana = make_author("Ana Reyes", slug="ana")
    day = timezone.make_aware(datetime(2024, 3, 7, 12))
    return {
        "march": make_story(
            "March council", section=city, authors=[ana], tags=["council"], published_at=day
        ),
        "april": make_story(
            "April match", section=sport, tags=["football"], published_at=day + timedelta(days=30)
        ),
        "may": make_story(
            "May council", section=city, tags=["council"], published_at=day + timedelta(days=60)
        ),
        "draft": make_draft("Draft council", section=city, tags=["council"], authors=[ana]),
    }


def headlines(client, query):
    response = client.get("/archive/" + query)
    assert response.status_code == 200, response.content.decode()[-2000:]
    return re.findall(
        r'class="story-item-headline"><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["May council", "April match", "March council"]),
        ("?order=oldest", ["March council", "April match", "May council"]),
        ("?section=city", ["May council", "March council"]),
        ("?tag=council", ["May council", "March council"]),
        ("?author=ana", ["March council"]),
        ("?start=2024-04-01", ["May council", "April match"]),
        ("?end=2024-03-07", ["March council"]),
        ("?start=2024-03-07&end=2024-03-07", ["March council"]),
        ("?section=city&tag=council&order=oldest", ["March council", "May council"]),
    ],
)
def test_filters(client, archive, query, expected):
    assert headlines(client, query) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?section=nowhere", "Select a valid choice"),
        ("?tag=no-such-tag", "Select a valid choice"),
        ("?author=%00", "Null characters are not allowed"),
        ("?start=2024-02-30", "Enter a valid date"),
        ("?end=yesterday", "Enter a valid date"),
        ("?order=sideways", "Select a valid choice"),
        ("?start=2024-05-01&end=2024-04-01", "The end date is before the start date"),
    ],
)
def test_invalid_values_show_form_errors(client, archive, query, message):
    response = client.get("/archive/" + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'class="field-error"' in html
    assert "March council" not in html


@pytest.mark.parametrize("bad", ["nope", "2024-02-30", "yesterday"])
def test_a_date_that_is_not_one_is_shown_empty_in_the_date_picker(client, bad):
    """A date input's value must be a date (HTML; the Nu Html Checker checks it), and a
    browser would show the field empty anyway; the error says what was wrong."""
    html = client.get(f"/archive/?start={bad}&end=2024-04-01").content.decode()
    assert f'value="{bad}"' not in html and "Enter a valid date" in html
    assert 'name="end" value="2024-04-01"' in html  # a real date stays as typed


def test_filtered_pages_are_bookmarkable(client):
    city = make_section("City", slug="city")
    for n in range(25):
        make_story(f"City story {n:02d}", section=city, age=timedelta(hours=n + 1))
    first = client.get("/archive/?section=city").content.decode()
    assert 'href="?section=city&amp;page=2"' in first
    second = client.get("/archive/?section=city&page=2").content.decode()
    assert second.count('class="story-item-headline"') == 5
    assert client.get("/archive/?section=city&page=3").status_code == 404
    assert client.get("/archive/?page=abc").status_code == 404


def test_archive_query_count_is_constant(client):
    city = make_section("City", slug="city")

    def count():
        fragments.cache.clear()
        with CaptureQueriesContext(connection) as context:
            client.get("/archive/?section=city&tag=t")
        return len(context.captured_queries)

    make_story("One", section=city, tags=["t"], authors=[make_author()])
    small = count()
    for n in range(30):
        make_story(f"More {n}", section=city, tags=["t", f"x{n}"], authors=[make_author()])
    assert count() == small
