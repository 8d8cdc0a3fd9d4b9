"""Live coverage in story listings (issue 17): "Story listings and the front page show
the marker and the time of the last update", whichever listing a reader meets the
live story in, at a cost that does not grow with the number of live stories."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.editorial import live as desk
from articles.models import Article, LiveUpdate
from articles.reader.paging import PAGE_SIZE

from .factories import make_author, make_section, make_staff, make_story

pytestmark = pytest.mark.django_db

NEWER = 24  # more than the front's lead and first page of twenty: the storm goes below


@pytest.fixture
def editor():
    return make_staff("lou", "Editor")


@pytest.fixture
def front_page(editor):
    """A live story old enough that the front shows it only in its section's block,
    under two dozen newer stories of another section."""
    storm = make_story(
        "Storm reaches the coast",
        section=make_section("Weather", slug="weather"),
        authors=[make_author("Ana Reyes", slug="ana")],
        tags=["storm"],
        age=timedelta(hours=30),
    )
    desk.open_coverage(storm, editor, now=timezone.now() - timedelta(hours=29))
    city = make_section("City", slug="city")
    for n in range(NEWER):
        make_story(f"City item {n}", section=city, age=timedelta(minutes=n + 1))
    return storm


def post(story, user, text, **fields):
    update = LiveUpdate(story=story, body=f"<p>{text}</p>", **fields)
    return desk.save_update(update, user, publish=True)


def card(html, headline):
    """The listing card (or search result) that shows ``headline``, to the end of its
    line under the headline (``story_meta``)."""
    at = html.find(f">{headline}<")
    if at < 0:
        return ""  # not listed: fails as a missing marker
    start = max(html.rfind("<article", 0, at), html.rfind("<li", 0, at))
    return html[start : html.index("</p>", html.index('<p class="meta">', at))]


def section_blocks(html):
    return html.split('class="section-blocks"')[1]


def listings(story):
    """Every listing that shows ``story`` with its line (``story_meta``): the front's
    section block, its section, tag and author, the date archives, the archive's
    filter and search; each with the part of the page that holds its card."""
    day = timezone.localdate(story.published_at)
    whole = str

    def archive(address, **period):
        """The page of a date archive that lists the story (twenty a page)."""
        newer = Article.objects.filter(published_at__gt=story.published_at, **period).count()
        return address + (f"?page={newer // PAGE_SIZE + 1}" if newer >= PAGE_SIZE else "")

    year = {"published_at__year": story.published_at.year}
    month = {**year, "published_at__month": story.published_at.month}
    return [
        ("/", section_blocks),
        ("/section/weather/", whole),
        ("/tag/storm/", whole),
        ("/author/ana/", whole),
        (archive(f"/{day:%Y}/", **year), whole),
        (archive(f"/{day:%Y/%m}/", **month), whole),
        (f"/{day:%Y/%m/%d}/", whole),
        ("/archive/?section=weather", whole),
        ("/search/?q=storm", whole),
    ]


def time_of(update):
    return f'datetime="{update.published_at.isoformat(timespec="seconds")}"'


def test_every_listing_shows_the_marker_and_the_last_update_time(client, front_page, editor):
    storm = front_page
    first = post(storm, editor, "Power cut in the harbour.")
    for address, part in listings(storm):
        response = client.get(address)
        assert response.status_code == 200, address
        line = card(part(response.content.decode()), storm.headline)
        assert 'class="live-marker"' in line, address
        assert time_of(first) in line, address

    # Every listing kept by the page cache goes stale with the next update, and shows it.
    second = post(storm, editor, "Power back.", published_at=timezone.now())
    for address, part in listings(storm):
        line = card(part(client.get(address).content.decode()), storm.headline)
        assert time_of(second) in line, address


def test_the_fronts_blocks_show_a_scheduled_update_at_its_time(client, front_page, editor):
    """No job: the stored front goes stale when the update comes out."""
    storm = front_page
    post(storm, editor, "Power cut in the harbour.")
    later = post(storm, editor, "Power back.", published_at=timezone.now() + timedelta(minutes=5))
    assert time_of(later) not in section_blocks(client.get("/").content.decode())
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        line = card(section_blocks(client.get("/").content.decode()), storm.headline)
    assert time_of(later) in line


def test_the_fronts_blocks_cost_the_same_with_one_live_story_as_with_three(
    client, front_page, editor, no_page_cache, django_assert_num_queries
):
    """The last-update times of every live story in the blocks are one query, read once
    per change: the front's count with live coverage in its blocks is pinned."""
    from articles.reader import fragments

    post(front_page, editor, "Power cut in the harbour.")
    client.get("/")
    fragments.cache.clear()  # the blocks are built in the measured request
    with CaptureQueriesContext(connection) as one:
        html = client.get("/").content.decode()
    assert 'class="live-marker"' in card(section_blocks(html), front_page.headline)

    for name in ("Sport", "Arts"):
        section = make_section(name, slug=name.lower())
        story = make_story(f"{name} goes live", section=section, age=timedelta(hours=31))
        desk.open_coverage(story, editor, now=timezone.now() - timedelta(hours=30))
        post(story, editor, f"{name}: first update.")
    fragments.cache.clear()
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get("/").content.decode()
    blocks = section_blocks(html)
    assert len(re.findall('class="live-last"', blocks)) == 3
    with CaptureQueriesContext(connection) as kept:  # the blocks are kept: no times read
        client.get("/")
    assert not [q for q in kept.captured_queries if "articles_liveupdate" in q["sql"]]
