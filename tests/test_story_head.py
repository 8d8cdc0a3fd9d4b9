"""A published story's head (Open Graph, Twitter and JSON-LD) is rendered once per
process and kept with the rest of the story under what it prints
(``presenters.published_story``): every change a reader could see in it shows at once,
and a preview never leaves anything behind."""

from datetime import timedelta

import pytest
from django.utils import timezone
from taggit.models import Tag

from articles.models import Author, Correction, Section
from articles.reader import presenters

from .factories import make_author, make_section, make_story
from .test_metadata import head

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(no_page_cache):
    presenters._stories.clear()
    section = make_section("City", slug="city")
    author = make_author("Ana Reyes", slug="ana")
    return make_story(
        "Bridge reopens", section=section, authors=[author], tags=["harbour"], dek="Traffic."
    )


def article_node(page):
    (node,) = page.nodes()["NewsArticle"]
    return node


def test_a_story_head_is_rendered_once_and_printed_as_before(client, story):
    first = client.get(story.path).content
    assert len(presenters._stories) == 1
    (kept,) = presenters._stories.values()
    assert 'property="og:title"' in kept["head"] and kept["head"] in first.decode()
    assert client.get(story.path).content == first
    assert len(presenters._stories) == 1  # the second request printed the kept head


def test_every_change_to_what_the_head_prints_shows_at_once(client, story):
    head(client, story.path)
    story.headline = "Bridge reopens at last"
    story.save()
    page = head(client, story.path)
    assert page.meta("og:title") == "Bridge reopens at last"
    assert article_node(page)["headline"] == "Bridge reopens at last"

    Author.objects.filter(slug="ana").update(name="Ana Reyes-Obi")
    assert article_node(head(client, story.path))["author"][0]["name"] == "Ana Reyes-Obi"

    Section.objects.filter(slug="city").update(name="Metro")
    page = head(client, story.path)
    assert page.meta("article:section") == "Metro"
    assert article_node(page)["articleSection"] == "Metro"

    Tag.objects.filter(name="harbour").update(name="waterfront")
    assert head(client, story.path).meta("article:tag") == "waterfront"

    noted = timezone.now() - timedelta(minutes=5)
    Correction.objects.create(article=story, text="The span is 40 m.", published_at=noted)
    page = head(client, story.path)
    assert page.meta("article:modified_time") > page.meta("article:published_time")


def test_a_withdrawn_story_is_not_found_though_its_head_was_kept(client, story):
    head(client, story.path)
    story.status = story.Status.DRAFT
    story.save()
    assert client.get(story.path).status_code == 404


def test_a_preview_leaves_nothing_in_the_public_head(client, story):
    head(client, story.path)
    story.headline = "Unpublished headline from the desk"
    preview = presenters.present_instance(story)
    assert "Unpublished headline from the desk" in preview["sharing"]["json_ld"]
    assert preview["head"] == ""  # a preview's head is never kept

    html = client.get(story.path).content.decode()
    assert "Unpublished headline from the desk" not in html
    assert 'name="robots"' not in html  # the preview's noindex stays with the preview
    assert head(client, story.path).meta("og:title") == "Bridge reopens"


def test_a_change_of_site_settings_shows_at_once(client, story, settings):
    head(client, story.path)
    settings.SITE_NAME = "The Harbour Post"
    assert head(client, story.path).meta("og:site_name") == "The Harbour Post"
