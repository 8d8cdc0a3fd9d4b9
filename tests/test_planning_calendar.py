"""The editorial calendar: one week at a time, by day, with the weeks around it a click
away, at a cost that does not grow with the archive (issue 14, point 7)."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from .factories import make_author, make_draft, make_section, make_staff, make_story

pytestmark = pytest.mark.django_db

CALENDAR = reverse("admin:articles_article_calendar")


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def this_monday():
    today = timezone.localdate()
    return today - timedelta(days=today.weekday())


def calendar(client, day=None):
    response = client.get(CALENDAR, {"date": day.isoformat()} if day else {})
    assert response.status_code == 200
    return response.content.decode()


def href(html, text):
    """The address of the link whose text ends ``html`` just before ``text``."""
    before = html[: html.index(text)]
    return before[before.rindex('href="') + 6 : before.rindex('">')].replace("&amp;", "&")


def test_the_calendar_shows_one_week_by_day_and_links_to_the_weeks_around_it(client, this_monday):
    client.force_login(make_staff("ed", "Editor"))
    last_tuesday = this_monday - timedelta(days=6)
    city = make_section("City")
    make_story("Out last Thursday", published_at=at(last_tuesday + timedelta(days=2), 18, 5))
    make_story("Out last Tuesday", published_at=at(last_tuesday, 9, 30), section=city)
    make_story("Two weeks back", published_at=at(last_tuesday - timedelta(days=7), 9))
    make_story("Goes out next Wednesday", published_at=at(this_monday + timedelta(days=9), 7))
    make_draft("Just a draft")

    html = calendar(client, last_tuesday)
    assert "Editorial calendar: the week of " + f"{this_monday - timedelta(days=7):%A}" in html
    assert html.index("Out last Tuesday") < html.index("Out last Thursday")
    assert f"{last_tuesday:%A} {last_tuesday.day} {last_tuesday:%B %Y}" in html
    assert "09:30" in html and "18:05" in html and "City" in html
    for elsewhere in ("Two weeks back", "Goes out next Wednesday", "Just a draft"):
        assert elsewhere not in html, elsewhere

    # Two clicks on "Next week" reach the week of the scheduled story.
    this_week = client.get(href(html, "Next week →")).content.decode()
    monday = f"the week of {this_monday:%A} {this_monday.day} {this_monday:%B %Y}"
    assert monday in this_week and monday in calendar(client)  # the calendar's first page
    assert "Out last Tuesday" not in this_week
    following = client.get(href(this_week, "Next week →")).content.decode()
    assert "Goes out next Wednesday" in following and "Scheduled" in following
    previous = client.get(href(html, "← Previous week")).content.decode()
    assert "Two weeks back" in previous and "Out last Tuesday" not in previous


def test_a_scheduled_story_weeks_ahead_is_not_on_this_weeks_calendar(client, this_monday):
    client.force_login(make_staff("ed", "Editor"))
    make_story("Goes out in three weeks", published_at=at(this_monday + timedelta(days=23), 8))
    html = calendar(client)
    assert "Goes out in three weeks" not in html
    assert "Nothing published or scheduled in this week." in html
    later = calendar(client, this_monday + timedelta(days=23))
    assert "Goes out in three weeks" in later


def test_a_writer_sees_on_the_calendar_only_what_they_may_see(client, this_monday):
    anna = make_staff("anna", "Writer")
    bob = make_staff("bob", "Writer")
    next_week = this_monday + timedelta(days=8)
    make_story("Scheduled by Anna", published_at=at(next_week, 9), created_by=anna)
    make_story("Scheduled by Bob", published_at=at(next_week, 10), created_by=bob)
    client.force_login(anna)
    html = calendar(client, next_week)
    assert "Scheduled by Anna" in html and "Scheduled by Bob" not in html


def test_the_calendar_costs_the_same_for_a_busy_week_and_reads_no_body_or_byline(
    client, this_monday, django_assert_num_queries
):
    client.force_login(make_staff("ed", "Editor"))
    sections = [make_section() for _ in range(3)]
    reporter = make_author("Rhea Porter")
    last_week = this_monday - timedelta(days=7)

    def fill(count):
        for number in range(count):
            make_story(
                f"Calendar story {number}",
                published_at=at(last_week + timedelta(days=number % 7), 6 + number % 12),
                section=sections[number % 3],
                authors=[reporter],
            )

    fill(30)
    calendar(client, last_week)
    with CaptureQueriesContext(connection) as few:
        calendar(client, last_week)
    fill(270)
    # The session, the user, the user's permissions (two) and one query for the week's
    # stories, whatever the week holds.
    with django_assert_num_queries(len(few)):
        html = calendar(client, last_week)
    assert len(few) == 5
    assert html.count('class="calendar-line"') == 300
    sql = " ".join(query["sql"] for query in few.captured_queries)
    assert '"articles_article"."body"' not in sql
    assert "articles_byline" not in sql


def test_a_bad_date_on_the_calendar_shows_this_week_and_says_so(client):
    client.force_login(make_staff("ed", "Editor"))
    for bad in ("not-a-date", "9999-12-31", "2026-02-30"):
        response = client.get(CALENDAR, {"date": bad})
        assert response.status_code == 200
        html = response.content.decode()
        assert "That is not a date" in html and "Editorial calendar: the week of" in html


def test_the_planning_week_costs_the_same_for_30_or_300_stories(
    client, this_monday, django_assert_num_queries
):
    editor = make_staff("ed", "Editor")
    anna = make_staff("anna", "Writer", first_name="Anna", last_name="Berg")
    client.force_login(editor)
    sections = [make_section() for _ in range(3)]

    def fill(count):
        for number in range(count):
            make_draft(f"Budget line {number}", section=sections[number % 3], assignee=anna)

    def week():
        response = client.get(CALENDAR, {"period": "week", "date": this_monday.isoformat()})
        assert response.status_code == 200
        return response.content.decode()

    fill(30)
    week()
    # The session, the user, their permissions (two), the week's story ids, those
    # stories' columns and their open-note counts.
    with django_assert_num_queries(7):
        assert week().count('class="budget-line"') == 30
    fill(270)
    with django_assert_num_queries(7):
        html = week()
    assert html.count('class="budget-line"') == 300 and "Anna Berg" in html
