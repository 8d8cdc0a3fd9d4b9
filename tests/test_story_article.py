"""A published story's own part of its page (presented, its head and article rendered)
is made once per process and kept under everything it reads
(``presenters.published_story``): every change a reader could see in it, in the page
or in its head (Open Graph, Twitter, JSON-LD), shows at once, the page is the one the
template renders around it, and previews and live coverage never leave anything
behind."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from taggit.models import Tag

from articles.models import Author, Correction, Image, Section
from articles.reader import presenters

from .factories import make_author, make_section, make_story
from .pictures import picture_bytes, upload
from .test_metadata import head

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(no_page_cache):
    presenters._stories.clear()
    section = make_section("City", slug="city")
    author = make_author("Ana Reyes", slug="ana")
    return make_story(
        "Bridge reopens",
        section=section,
        authors=[author],
        tags=["harbour"],
        dek="Traffic.",
        dateline="PORT ALDER",
        body="<p>The span opened at dawn.</p>",
    )


def article_of(html):
    return re.search(r'<article class="story">.*?</article>', html, re.DOTALL).group(0)


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_a_story_is_presented_once_and_printed_as_before(client, story):
    first = page(client, story.path)
    assert len(presenters._stories) == 1
    (kept,) = presenters._stories.values()
    assert kept["article"] in first
    assert page(client, story.path) == first
    assert len(presenters._stories) == 1  # the second request printed the kept article


def test_every_change_to_what_the_article_prints_shows_at_once(client, story):
    page(client, story.path)
    story.body = "<p>The span opened at noon.</p>"
    story.save()
    assert "opened at noon" in article_of(page(client, story.path))

    Author.objects.filter(slug="ana").update(name="Ana Reyes-Obi")
    assert "Ana Reyes-Obi" in article_of(page(client, story.path))

    Section.objects.filter(slug="city").update(name="Metro")
    assert ">Metro</a>" in article_of(page(client, story.path))

    Tag.objects.filter(name="harbour").update(name="waterfront")
    assert ">waterfront</a>" in article_of(page(client, story.path))

    noted = timezone.now() - timedelta(minutes=5)
    Correction.objects.create(article=story, text="The span is 40 m.", published_at=noted)
    assert "The span is 40 m." in article_of(page(client, story.path))
    Correction.objects.filter(article=story).update(text="The span is 45 m.")
    assert "The span is 45 m." in article_of(page(client, story.path))


def test_a_photo_caption_changed_on_its_own_shows_at_once(client, story):
    photo = Image.objects.create(file=upload(picture_bytes()), alt_text="The quay", caption="Dawn")
    story.lead_image = photo
    story.save()
    assert '<span class="caption">Dawn</span>' in page(client, story.path)
    Image.objects.filter(pk=photo.pk).update(caption="Dusk")  # the story is not saved
    assert '<span class="caption">Dusk</span>' in page(client, story.path)


def test_a_note_still_to_come_is_shown_at_its_time(client, story):
    soon = timezone.now() + timedelta(minutes=5)
    Correction.objects.create(article=story, text="Opened by the mayor.", published_at=soon)
    assert "Opened by the mayor." not in page(client, story.path)
    Correction.objects.filter(article=story).update(published_at=timezone.now())
    assert "Opened by the mayor." in page(client, story.path)


def test_a_settings_change_shows_at_once(client, story, settings):
    settings.STORY_READING_TIME = False
    assert "min read" not in page(client, story.path)
    settings.STORY_READING_TIME = True
    assert "min read" in page(client, story.path)


def test_the_kept_article_is_the_one_the_page_template_renders(client, story):
    """The article a published story keeps is what story.html renders in the page for a
    story presented every time (a preview of the same story, as saved)."""
    photo = Image.objects.create(
        file=upload(picture_bytes()), alt_text="The quay", caption="Dawn", credit="J. Doe"
    )
    story.lead_image = photo
    story.save()
    story.bylines.create(author=make_author("Bo Lin", slug="bo"), position=1)
    story.tags.add("bridges")
    noted = timezone.now() - timedelta(minutes=5)
    Correction.objects.create(article=story, text="The span is 40 m.", published_at=noted)
    story.refresh_from_db()

    public = article_of(page(client, story.path))
    assert "J. Doe" in public and "The span is 40 m." in public and "Bo Lin" in public
    preview = presenters.present_instance(story)
    assert "article" not in preview  # rendered by the page's template
    from articles.reader.views import render

    request = client.get(story.path).wsgi_request
    html = render(request, "story.html", {"story": preview, "meta": preview["sharing"]})
    assert article_of(html.content.decode()) == public


def test_a_preview_or_live_story_leaves_nothing_kept(client, story):
    presenters.present_instance(story)
    live = make_story("Storm live", live_started_at=timezone.now() - timedelta(minutes=30))
    assert "Storm live" in page(client, live.path)
    assert presenters._stories == {}


def test_what_is_kept_is_bounded(client, story, monkeypatch):
    monkeypatch.setattr(presenters._stories, "limit", 1)
    other = make_story("Ferry late", section=story.section)
    page(client, story.path)
    page(client, other.path)
    assert len(presenters._stories) == 1


# The head: what crawlers and social networks read of the kept story.


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
