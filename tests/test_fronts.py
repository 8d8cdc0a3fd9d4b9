"""Fronts: editors pin stories to the home page and section fronts; related stories."""

from datetime import timedelta

import pytest
from django.urls import reverse

from articles.models import Pin

from .factories import make_draft, make_section, make_staff, make_story

pytestmark = pytest.mark.django_db


def lead_of(html):
    return html.split('class="lead-story"')[1].split("</article>")[0]


def beside_lead(html):
    return html.split('class="secondary-stories story-list"')[1].split("</section>")[0]


def test_editor_pins_the_home_page_lead_and_order_by_hand(client):
    client.force_login(make_staff("ed", "Editor"))
    stories = [make_story(f"Story {n}", age=timedelta(hours=n + 1)) for n in range(8)]
    pinned = [stories[5], stories[2], stories[7]]
    for position, story in enumerate(pinned, start=1):
        response = client.post(
            reverse("admin:articles_pin_add"),
            {"section": "", "article": story.pk, "position": position},
        )
        assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "Story 5" in lead_of(html)
    beside = beside_lead(html)
    assert beside.index("Story 2") < beside.index("Story 7")  # by position, not date
    assert "Story 0" in beside  # the newest fill the rest of the row
    assert html.count(">Story 5<") == 1  # pinned stories are not repeated below


def test_fronts_fall_back_to_the_newest_stories(client):
    make_story("Older", age=timedelta(days=1))
    make_story("Newest", age=timedelta(minutes=1))
    assert "Newest" in lead_of(client.get("/").content.decode())


def test_unpublished_pins_are_skipped(client):
    live = make_story("Live one", age=timedelta(hours=1))
    draft = make_draft("Pinned draft")
    Pin.objects.create(article=draft, position=1)
    html = client.get("/").content.decode()
    assert "Pinned draft" not in html
    assert f'href="{live.path}"' in lead_of(html)  # the newest live story leads instead
    assert html.count(">Live one<") == 1  # and is not listed again below the lead


def test_section_front_pins(client):
    city = make_section("City", slug="city")
    stories = [make_story(f"City {n}", section=city, age=timedelta(hours=n + 1)) for n in range(6)]
    Pin.objects.create(section=city, article=stories[4], position=1)
    Pin.objects.create(article=stories[3], position=1)  # a home pin does not touch the section
    html = client.get("/section/city/").content.decode()
    assert "City 4" in lead_of(html)
    assert "City 0" in beside_lead(html)


def test_home_page_section_blocks_hold_each_sections_newest_not_shown_above(client):
    """No story twice on the front's first page: a section block skips the stories the
    top and Latest show, and still holds three, then leads on to its section."""
    sections = [make_section(name, slug=name.lower()) for name in ("City", "Sport", "Arts")]
    for n in range(12):
        for i, section in enumerate(sections):
            make_story(f"{section.name} item {n}", section=section, age=timedelta(hours=3 * n + i))
    html = client.get("/").content.decode()
    # The 21 newest (the lead and a page of twenty, four of them beside it) are above...
    blocks = html.split('class="section-blocks"')[1].split('id="latest-list-heading"')[0]
    for section in sections:
        block = blocks.split(f'id="block-{section.slug}"')[1].split("</section>")[0]
        shown = [n for n in range(12) if f">{section.name} item {n}<" in block]
        assert shown == [7, 8, 9]  # ...so each block takes its next three
        assert f'href="/section/{section.slug}/">More from {section.name}</a>' in block
    for n in range(12):
        for section in sections:
            assert html.count(f">{section.name} item {n}<") <= 1


def test_editors_choose_how_many_stories_a_fronts_top_holds(client):
    city = make_section("City", slug="city")
    for n in range(12):
        make_story(f"City {n}", section=city, age=timedelta(hours=n + 1))
    client.force_login(make_staff("ed", "Editor"))
    response = client.post(reverse("admin:articles_front_add"), {"section": "", "top_stories": 3})
    assert response.status_code == 302
    response = client.post(
        reverse("admin:articles_front_add"), {"section": city.pk, "top_stories": 7}
    )
    assert response.status_code == 302
    client.logout()
    home, section = client.get("/").content.decode(), client.get("/section/city/").content.decode()
    assert beside_lead(home).count("<article") == 2
    assert beside_lead(section).count("<article") == 6
    assert home.count(">City 3<") == 1 and section.count(">City 7<") == 1  # still listed once


def test_a_front_layout_refuses_a_second_home_page_or_a_size_out_of_range(client):
    client.force_login(make_staff("ed", "Editor"))
    add = reverse("admin:articles_front_add")
    assert client.post(add, {"section": "", "top_stories": 3}).status_code == 302
    again = client.post(add, {"section": "", "top_stories": 4})
    assert again.status_code == 200 and "home page already has a layout" in again.content.decode()
    too_many = client.post(add, {"section": make_section("Arts").pk, "top_stories": 40})
    assert too_many.status_code == 200
    assert "less than or equal to 9" in too_many.content.decode()


def test_related_stories_share_tags_most_shared_first(client):
    story = make_story("Ferry fares rise", tags=["ferries", "fares", "transit"])
    two = make_story("Bus fares rise too", tags=["fares", "transit"], age=timedelta(days=3))
    one = make_story("New ferry named", tags=["ferries"], age=timedelta(hours=2))
    make_story("Unrelated", tags=["arts"])
    make_draft("Draft about fares", tags=["fares", "transit", "ferries"])
    html = client.get(story.path).content.decode()
    related = html.split('id="related-heading"')[1].split("</aside>")[0]
    assert related.index(two.headline) < related.index(one.headline)
    assert "Unrelated" not in related and "Draft about fares" not in related
    assert story.headline not in related


def test_pin_admin_for_writers_is_closed(client):
    client.force_login(make_staff("wendy", "Writer"))
    assert client.get(reverse("admin:articles_pin_changelist")).status_code == 403


@pytest.mark.usefixtures("no_page_cache")
def test_deep_pages_of_a_front_with_pins_list_every_other_story_once(client, monkeypatch):
    """Deep pages find where they start before leaving pinned stories out; every page
    must still hold exactly the stories the plain query gives, in order."""
    from articles.reader import queries

    section = make_section("City", slug="city")
    other = make_section("Sport", slug="sport")
    stories = [
        make_story(f"City story {n}", section=section, age=timedelta(hours=n + 1))
        for n in range(70)
    ]
    make_story("Sport story", section=other, age=timedelta(hours=5, minutes=30))
    # Pinned: a recent story, one from deep in the archive, and one from another section.
    for position, pinned in enumerate([stories[3], stories[55], stories[10]]):
        Pin.objects.create(article=pinned, section=section, position=position)
    Pin.objects.create(article=stories[40], section=None, position=0)

    def pages(url):
        seen = []
        for number in range(1, 20):  # 71 stories fill a few pages; past the last, a 404
            response = client.get(url, {"page": number})
            if response.status_code == 404:
                return seen
            seen.append(response.content.decode())
        raise AssertionError(f"{url}: no page past the last answers 404")

    plain = {url: pages(url) for url in ("/", "/section/city/")}
    monkeypatch.setattr(queries, "DEEP", 1)  # every page after the first skips ahead
    assert {url: pages(url) for url in ("/", "/section/city/")} == plain
    listed = [s.headline for s in stories if f">{s.headline}<" in "".join(plain["/section/city/"])]
    assert len(listed) == len(stories)  # each City story somewhere on the section front
