"""A tag named in any script has a page readers can reach, linked from its stories.

django-taggit keeps the letters of a tag's name in its slug ("élection", "東京"); the
tag page, its feeds and the sitemap must take them as they take ASCII slugs."""

import pytest
from taggit.models import Tag

from articles.reader import addresses

from .factories import make_story

pytestmark = pytest.mark.django_db

NAMES = ["Élection présidentielle", "東京", "Ümlaut street"]


@pytest.fixture
def story():
    return make_story("Polls close across the region", tags=NAMES)


def test_each_tag_page_answers_with_its_story(client, story):
    for name in NAMES:
        slug = Tag.objects.get(name=name).slug
        assert not slug.isascii()
        url = addresses.tag(slug)
        assert url.isascii()  # percent-encoded, as reverse() writes it
        response = client.get(url)
        assert response.status_code == 200, url
        assert story.headline in response.content.decode()


def test_the_story_page_links_each_tag_where_it_lives(client, story):
    html = client.get(story.path).content.decode()
    for name in NAMES:
        url = addresses.tag(Tag.objects.get(name=name).slug)
        assert f'href="{url}"' in html
        assert client.get(url).status_code == 200


def test_the_tag_feeds_and_the_sitemap_take_the_same_addresses(client, story):
    slug = Tag.objects.get(name="東京").slug
    for fmt in ("rss", "atom", "json"):
        response = client.get(addresses.feed("tag", slug, fmt))
        assert response.status_code == 200
        assert story.headline in response.content.decode()
    sitemap = client.get("/sitemap-tags.xml").content.decode()
    assert addresses.tag(slug) in sitemap


def test_a_tag_known_only_through_a_draft_still_answers_404(client):
    make_story("Draft only", tags=["Überraschung"], status="draft")
    slug = Tag.objects.get(name="Überraschung").slug
    assert client.get(addresses.tag(slug)).status_code == 404
