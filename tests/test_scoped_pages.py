"""Publishing one story re-renders only the pages that show it, and every page stays exact.

A story's page, and a section's, tag's or author's pages and feeds, are kept under
their own scope's stamp (``PageStamp``); a story page's Latest and Related blocks are
filled in when it is served. So a new story costs its own section, tags and authors
a render, not every stored page; and whatever changes, the next request shows it.
Every test runs with the pages in the worker's memory and in a real Redis.
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from articles.models import Article, Correction
from articles.reader import fragments

from .factories import make_author, make_draft, make_scheduled, make_section, make_story

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_store")]


def fetch(client, url, **headers):
    """The response, and whether the page was rendered (its view ran) for it."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **headers)
    sql = " ".join(query["sql"] for query in context.captured_queries)
    return response, len(context.captured_queries) > 1, sql


def story_rendered(sql):
    """The story page's own read (queries.story) ran: the page was rendered afresh."""
    return "a.social_image_id" in sql


@pytest.fixture
def site():
    """Two sections, two tags, two authors; an older story in each, and warm pages."""
    harbour, council = (
        make_section("Harbour", slug="harbour"),
        make_section("Council", slug="council"),
    )
    ana, ben = make_author("Ana Reyes", slug="ana"), make_author("Ben Ode", slug="ben")
    ferry = make_story(
        "Ferry timetable changes",
        section=harbour,
        authors=[ana],
        tags=["ferries"],
        age=timedelta(hours=3),
    )
    budget = make_story(
        "Council budget passes",
        section=council,
        authors=[ben],
        tags=["budget"],
        age=timedelta(hours=2),
    )
    return {
        "harbour": harbour,
        "council": council,
        "ana": ana,
        "ben": ben,
        "ferry": ferry,
        "budget": budget,
    }


def publish(headline, **fields):
    draft = make_draft(headline, **fields)
    draft.status = Article.Status.PUBLISHED
    draft.save()
    return draft


OTHER_PAGES = ["/section/harbour/", "/tag/ferries/", "/author/ana/", "/section/harbour/feed/"]


def test_publishing_a_story_leaves_other_stories_pages_stored_with_fresh_latest(client, site):
    ferry = site["ferry"]
    for url in [ferry.path, *OTHER_PAGES]:
        client.get(url)
        assert not fetch(client, url)[1], f"{url} was not stored"

    new = publish(
        "Budget vote delayed", section=site["council"], authors=[site["ben"]], tags=["budget"]
    )

    # The ferry story is not rendered again, yet its Latest stories show the new one.
    response, _, sql = fetch(client, ferry.path)
    assert not story_rendered(sql)
    assert "Budget vote delayed" in response.content.decode()
    assert "Ferry timetable changes" in response.content.decode()
    # Nor are the ferry story's section, tag, author and feed pages: nothing on them changed.
    for url in OTHER_PAGES:
        response, rendered, _ = fetch(client, url)
        assert response.status_code == 200 and not rendered, url
    # The new story's own section, tag and author show it at once.
    for url in ["/section/council/", "/tag/budget/", "/author/ben/", "/", new.path]:
        assert "Budget vote delayed" in client.get(url).content.decode(), url


def test_a_withdrawn_story_leaves_latest_on_every_story_page_at_once(client, site):
    ferry, budget = site["ferry"], site["budget"]
    assert "Council budget passes" in client.get(ferry.path).content.decode()
    client.get(budget.path)
    budget.status = Article.Status.WITHDRAWN
    budget.save()
    assert "Council budget passes" not in client.get(ferry.path).content.decode()
    assert client.get(budget.path).status_code == 404
    for url in ["/", "/section/council/", "/tag/budget/", "/author/ben/"]:
        assert "Council budget passes" not in client.get(url).content.decode(), url


def test_an_edited_headline_shows_in_latest_stories_of_other_pages(client, site):
    ferry, budget = site["ferry"], site["budget"]
    client.get(ferry.path)
    budget.headline = "Council budget passes after all-night sitting"
    budget.save()
    response, _, sql = fetch(client, ferry.path)
    assert "after all-night sitting" in response.content.decode()
    assert not story_rendered(sql)


def test_a_new_story_with_the_same_tag_appears_in_related_stories(client, site):
    ferry = site["ferry"]
    before = client.get(ferry.path).content.decode()
    assert "Related stories" not in before  # nothing else is tagged "ferries" yet
    publish("Second ferry added", section=site["council"], tags=["ferries"])
    after = client.get(ferry.path).content.decode()
    assert "Related stories" in after and "Second ferry added" in after


def test_moving_a_story_takes_it_off_its_old_section_tag_and_author_pages(client, site):
    ferry = site["ferry"]
    old_pages = ["/section/harbour/", "/tag/ferries/", "/author/ana/", "/tag/ferries/feed/"]
    for url in old_pages:
        assert "Ferry timetable changes" in client.get(url).content.decode(), url
    ferry.section = site["council"]
    ferry.save()
    ferry.tags.set(["budget"])
    ferry.bylines.all().delete()
    assert "Ferry timetable changes" not in client.get("/section/harbour/").content.decode()
    assert client.get("/tag/ferries/").status_code == 404  # no live story has the tag now
    assert client.get("/author/ana/").status_code == 404 or "Ferry timetable" not in (
        client.get("/author/ana/").content.decode()
    )
    assert "Ferry timetable changes" not in client.get("/tag/ferries/feed/").content.decode()
    for url in ["/section/council/", "/tag/budget/"]:
        assert "Ferry timetable changes" in client.get(url).content.decode(), url


def test_a_new_address_retires_the_old_one(client, site):
    ferry = site["ferry"]
    old = ferry.path
    assert client.get(old).status_code == 200
    ferry.slug = "ferry-timetable-revised"
    ferry.save()
    assert client.get(old).status_code == 301
    assert "Ferry timetable changes" in client.get(ferry.path).content.decode()


def test_a_correction_and_a_renamed_section_show_on_the_stored_story(client, site):
    ferry = site["ferry"]
    client.get(ferry.path)
    Correction.objects.create(article=ferry, text="The crossing moves to seven, not six.")
    assert "not six" in client.get(ferry.path).content.decode()
    site["harbour"].name = "Waterfront"
    site["harbour"].save()
    assert "Waterfront" in client.get(ferry.path).content.decode()
    tag = Tag.objects.get(slug="budget")
    tag.name = "City budget"
    tag.save()
    assert "City budget" in client.get(site["budget"].path).content.decode()


def test_a_scheduled_story_reaches_latest_on_stored_story_pages_at_its_minute(client, site):
    ferry = site["ferry"]
    scheduled = make_scheduled("Harbour bridge opens", delay=timedelta(minutes=10))
    assert "Harbour bridge opens" not in client.get(ferry.path).content.decode()
    with time_machine.travel(scheduled.published_at + timedelta(seconds=1)):
        assert "Harbour bridge opens" in client.get(ferry.path).content.decode()


def test_a_story_page_answers_304_until_its_latest_stories_change(client, site):
    ferry = site["ferry"]
    page = client.get(ferry.path)
    held = client.get(ferry.path, HTTP_IF_NONE_MATCH=page["ETag"])
    assert held.status_code == 304
    assert client.get(ferry.path)["ETag"] == page["ETag"]
    assert int(page["Content-Length"]) == len(page.content)
    publish("Budget vote delayed", section=site["council"])
    changed = client.get(ferry.path, HTTP_IF_NONE_MATCH=page["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != page["ETag"]
    assert "Budget vote delayed" in changed.content.decode()
    assert int(changed["Content-Length"]) == len(changed.content)


def test_no_hole_reaches_readers_and_a_story_cannot_forge_one(client, site):
    """The holes' mark comes from the secret key; a comment in a story is only text."""
    ferry = site["ferry"]
    ferry.body = "<p>Before.</p><!--0123456789abcdef01234567:0--><p>After.</p>"
    ferry.save()
    for response in (client.get(ferry.path), client.get(ferry.path)):
        text = response.content.decode()
        assert fragments.hole_pattern().decode()[4:28] not in text
        assert text.count("Council budget passes") == 1  # Latest, filled once
        assert "<p>Before.</p>" in text and "<p>After.</p>" in text


def test_a_stored_story_page_costs_one_query(client, site, django_assert_num_queries):
    client.get(site["ferry"].path)
    with django_assert_num_queries(1):
        client.get(site["ferry"].path)


def related(client, url):
    """The Related-stories block of the page at ``url`` ("" if it has none)."""
    text = client.get(url).content.decode()
    return (
        text.split('class="related"', 1)[1].split("</aside>")[0]
        if 'class="related"' in text
        else ""
    )


def test_related_stories_follow_every_change_to_a_story_sharing_a_tag(client, site):
    ferry = site["ferry"]
    other = publish("Second ferry added", section=site["council"], tags=["ferries", "budget"])
    assert "Second ferry added" in related(client, ferry.path)
    other.headline = "Second ferry added to the winter timetable"
    other.save()
    assert "to the winter timetable" in related(client, ferry.path)
    other.tags.remove("ferries")  # still tagged "budget": no longer related to the ferry story
    assert "Second ferry added" not in related(client, ferry.path)
    other.tags.add("ferries")
    assert "Second ferry added" in related(client, ferry.path)
    other.status = Article.Status.WITHDRAWN
    other.save()
    assert "Second ferry added" not in related(client, ferry.path)


def test_a_tag_taken_off_a_story_takes_its_related_stories_with_it(client, site):
    ferry = site["ferry"]
    publish("Second ferry added", section=site["council"], tags=["ferries"])
    assert "Second ferry added" in related(client, ferry.path)
    ferry.tags.add("harbour-works")
    client.get(ferry.path)
    ferry.tags.remove("ferries")
    assert "Second ferry added" not in related(client, ferry.path)


def test_publishing_an_unrelated_story_costs_no_related_list(client, site):
    """Related stories are kept under the story's tags: a story on other tags leaves them."""
    ferry = site["ferry"]
    client.get(ferry.path)
    publish("Budget vote delayed", section=site["council"], tags=["budget"])
    response, _, sql = fetch(client, ferry.path)
    assert "Budget vote delayed" in response.content.decode()  # in Latest stories
    assert "articles_taggedarticle t WHERE t.tag_id" not in sql  # queries.related
