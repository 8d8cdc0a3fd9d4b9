"""What a reader sees: the front page, a story, the listings, and clear 404s for bad addresses."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from articles.reader.paging import PAGE_SIZE

from .factories import make_author, make_section, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    section = make_section("Politics", slug="politics")
    return make_story(
        "Harbour board & council agree on “new” pier",
        dek="The deal ends a two-year dispute.",
        body="<p>First paragraph.</p><p>Second paragraph.</p>",
        section=section,
        authors=[make_author("Zoë Marsh", slug="zoe-marsh"), make_author("Ian Po", slug="ian-po")],
        tags=["Harbour", "Council"],
        dateline="PORT ALDER",
        published_at=datetime(2024, 3, 7, 14, 30, tzinfo=UTC),
    )


def test_story_page_has_the_samples_shape(client, story):
    html = client.get("/2024/03/07/harbour-board-council-agree-on-new-pier/").content.decode()
    assert '<time datetime="2024-03-07T14:30:00+00:00">Thursday, March 7, 2024</time>' in html
    assert '<h1 class="headline">Harbour board &amp; council agree on “new” pier</h1>' in html
    assert "The deal ends a two-year dispute." in html
    assert 'By <a href="/author/zoe-marsh/" rel="author">Zoë Marsh</a> and ' in html
    assert '<a href="/author/ian-po/" rel="author">Ian Po</a>' in html
    # The dateline runs into the first paragraph; the byline carries the time.
    assert (
        '<p><span class="dateline">PORT ALDER —</span> First paragraph.</p><p>Second paragraph.</p>'
        in html
    )
    assert 'Published <time datetime="2024-03-07T14:30:00+00:00">March 7, 2024, ' in html
    assert "Updated" not in html  # no correction or update yet
    assert '<a href="/tag/harbour/" rel="tag">Harbour</a>' in html
    assert '<a class="kicker" href="/section/politics/">Politics</a>' in html
    assert html.count("<h1") == 1
    assert '<link rel="canonical" href="http://127.0.0.1:8000/2024/03/07/' in html


def test_a_dateline_is_escaped_and_stands_alone_before_a_body_opening_otherwise(client):
    story = make_story(
        "Pier opens", dateline='ST. <b>"ANN"</b>', body="<h2>The day</h2><p>Crowds came.</p>"
    )
    html = client.get(story.path).content.decode()
    assert (
        '<p class="dateline-alone"><span class="dateline">ST. &lt;b&gt;&#34;ANN&#34;&lt;/b&gt; —'
        "</span></p><h2>The day</h2><p>Crowds came.</p>"
    ) in html


def test_story_page_lists_the_latest_other_stories(client, story):
    others = [make_story(f"Other story {n}", age=timedelta(hours=n)) for n in range(1, 8)]
    html = client.get(story.path).content.decode()
    latest = html.split('id="latest-heading"')[1]
    assert [other.headline in latest for other in others] == [True] * 5 + [False] * 2
    assert story.headline not in latest
    assert latest.index("Other story 1") < latest.index("Other story 2")


def test_links_on_a_story_page_lead_to_real_pages(client, story):
    for url in [
        "/author/zoe-marsh/",
        "/author/ian-po/",
        "/tag/harbour/",
        "/tag/council/",
        "/section/politics/",
        "/2024/",
        "/2024/03/",
        "/2024/03/07/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert story.headline.replace("&", "&amp;") in response.content.decode(), url


def test_front_page_leads_with_the_newest_featured_story(client):
    make_story("An ordinary story", age=timedelta(minutes=5))
    make_story("The big one", featured=True, age=timedelta(hours=3))
    html = client.get("/").content.decode()
    lead = html.split('class="lead-story"')[1].split("</article>")[0]
    assert "The big one" in lead
    assert html.count("The big one") == 1  # not repeated in the list below
    assert "An ordinary story" in html


def test_front_page_without_featured_stories_leads_with_the_newest(client):
    make_story("Older", age=timedelta(hours=2))
    make_story("Newest", age=timedelta(minutes=1))
    html = client.get("/").content.decode()
    assert "Newest" in html.split('class="lead-story"')[1].split("</article>")[0]


def test_empty_site_front_page_says_so(client):
    html = client.get("/").content.decode()
    assert "No stories have been published yet." in html


def test_listings_are_paginated_newest_first(client):
    section = make_section("Sport", slug="sport")
    stories = [
        make_story(f"Match report {n:02d}", section=section, age=timedelta(hours=n))
        for n in range(1, PAGE_SIZE + 6)
    ]
    first = client.get("/section/sport/").content.decode()
    second = client.get("/section/sport/?page=2").content.decode()
    # Page one: the lead, four beside it, and the rest of a page's worth below.
    on_first = [s for s in stories if s.headline in first]
    on_second = [s for s in stories if s.headline in second]
    assert on_first == stories[: PAGE_SIZE + 1]
    assert on_second == stories[PAGE_SIZE + 1 :]
    lead = first.split('class="lead-story"')[1].split("</article>")[0]
    assert "Match report 01" in lead
    assert first.index("Match report 02") < first.index("Match report 03")
    assert 'rel="next" href="?page=2"' in first and 'rel="prev"' not in first
    assert 'rel="prev" href="?page=1"' in second and 'rel="next"' not in second
    assert client.get("/section/sport/?page=3").status_code == 404


def test_front_page_pages_do_not_repeat_or_skip_stories(client):
    stories = [make_story(f"Item {n:03d}", age=timedelta(hours=n)) for n in range(1, 46)]
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/?page={page}").content.decode()
        seen += [s.headline for s in stories if s.headline in html]
    assert sorted(seen) == sorted(s.headline for s in stories)


@pytest.mark.parametrize(
    "url",
    [
        "/2024/02/30/",
        "/2023/13/",
        "/2024/00/",
        "/0000/",
        "/2024/1/",
        "/2024/03/07/no-such-story/",
        "/section/nowhere/",
        "/tag/nothing/",
        "/author/nobody/",
        "/?page=abc",
        "/?page=0",
        "/?page=-1",
        "/?page=99999",
        "/?page=1.5",
        "/?page=%EF%BC%91",
        "/?page=" + "9" * 40,
        "/section/politics/?page=abc",
        "/no/such/page/",
        "/tag/%ff/",
        "/%C0%AE%C0%AE/",
        "/2024/03/07/%00/",
        "/9999/12/31/",
        "/2099/",
        "/author/%E2%80%AE/",
    ],
)
def test_bad_addresses_get_a_friendly_404(client, story, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "We couldn’t find that page" in html
    assert '<a href="/">Go to the front page</a>' in html


def test_archive_titles_name_the_period(client, story):
    assert "Stories from March 7, 2024" in client.get("/2024/03/07/").content.decode()
    assert "Stories from March 2024" in client.get("/2024/03/").content.decode()
    assert "Stories from 2024" in client.get("/2024/").content.decode()


def test_december_archive_ends_with_the_year(client):
    make_story("New Year's Eve", published_at=timezone.make_aware(datetime(2023, 12, 31, 23)))
    make_story("New Year's Day", published_at=timezone.make_aware(datetime(2024, 1, 1, 1)))
    html = client.get("/2023/12/").content.decode()
    assert "New Year&#39;s Eve" in html and "New Year&#39;s Day" not in html


def test_every_page_advertises_the_feed(client, story):
    for url in ["/", story.path, "/section/politics/", "/tag/harbour/", "/2024/"]:
        html = client.get(url).content.decode()
        assert '<link rel="alternate" type="application/rss+xml"' in html, url
        assert 'href="/feed/"' in html, url


def test_pages_need_no_javascript(client, story):
    for url in ["/", story.path, "/section/politics/"]:
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script[^>]*>", html)
        assert all(s == '<script type="application/ld+json">' for s in scripts), scripts
        assert '<html lang="en">' in html
        assert 'href="#main"' in html and 'id="main"' in html


def test_story_page_html_and_css_weigh_under_60_kb(client):
    from django.contrib.staticfiles import finders

    body = "".join(f"<p>{'A long paragraph of a long story. ' * 12}</p>" for _ in range(10))
    story = make_story(
        "A long read", body=body, tags=["one", "two", "three"], authors=[make_author("Ana Reyes")]
    )
    for n in range(6):
        make_story(f"Other {n}", tags=["one"])
    html = client.get(story.path).content
    css = Path(finders.find("newsroom.css")).read_bytes()
    assert len(html) + len(css) < 60 * 1024, (len(html), len(css))


def test_dates_follow_the_active_language(client, settings, story):
    from django.utils import translation

    with translation.override("de"):
        html = client.get(story.path, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Donnerstag" in html and "März" in html  # Django's own German names
