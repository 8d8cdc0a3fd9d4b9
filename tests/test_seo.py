"""SEO and social fields: the story page's head and JSON-LD use them, and fall back to
the headline, the dek and the lead photo when they are empty; the form counts and
previews them."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from articles.models import Image

from .factories import make_draft, make_staff, make_story
from .pictures import picture_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def photos(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    lead = Image.objects.create(file=upload(picture_bytes()), alt_text="The ferry at the quay")
    card = Image.objects.create(file=upload(picture_bytes(size=(1200, 630))), alt_text="A red card")
    return {"lead": lead, "card": card}


def crops(photo):
    """A photo's 16:9, 4:3 and 1:1 crops for sharing and structured data."""
    return [photo.renditions["cards"][shape]["fallback"] for shape in ("16x9", "4x3", "1x1")]


def head(client, story):
    """What a crawler reads from the story page: title, metas and the JSON-LD."""
    html = client.get(story.path).content.decode()
    metas = {}
    for name, content in re.findall(r'<meta (?:name|property)="([^"]+)" content="([^"]*)">', html):
        metas.setdefault(name, unescape(content))
    title = unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1))
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1)
    )
    return title, metas, data, html


def test_empty_seo_fields_fall_back_to_headline_dek_and_lead_photo(client, photos):
    story = make_story(
        "Ferry timetable changes", dek="The morning crossing moves.", lead_image=photos["lead"]
    )
    title, metas, data, _ = head(client, story)
    assert title == "Ferry timetable changes · Newsroom"
    assert metas["description"] == metas["og:description"] == "The morning crossing moves."
    assert metas["twitter:description"] == "The morning crossing moves."
    assert metas["og:title"] == metas["twitter:title"] == "Ferry timetable changes"
    lead_url = crops(photos["lead"])[0]
    assert metas["og:image"].endswith(lead_url) and metas["twitter:image"].endswith(lead_url)
    assert metas["og:image:alt"] == metas["twitter:image:alt"] == "The ferry at the quay"
    assert (metas["og:image:width"], metas["og:image:height"]) == ("1200", "675")
    assert data["headline"] == "Ferry timetable changes"
    assert data["description"] == "The morning crossing moves."
    assert "alternativeHeadline" not in data
    # Google's three shapes of the photo, as wide as the 1200x800 original allows.
    assert [(i["url"].split("/media/")[1], i["width"], i["height"]) for i in data["image"]] == [
        (crops(photos["lead"])[0], 1200, 675),
        (crops(photos["lead"])[1], 1067, 800),
        (crops(photos["lead"])[2], 800, 800),
    ]

    # With a social image alone, only the card's picture changes.
    story.social_image = photos["card"]
    story.save()
    title, metas, data, _ = head(client, story)
    assert title == "Ferry timetable changes · Newsroom"
    assert metas["og:title"] == "Ferry timetable changes"
    assert metas["og:description"] == "The morning crossing moves."
    card_url = crops(photos["card"])[0]
    assert metas["og:image"].endswith(card_url) and metas["og:image:alt"] == "A red card"


def test_seo_and_social_fields_reach_the_head_and_the_json_ld(client, photos):
    story = make_story(
        "Council votes to move the ferry timetable after a long night of debate",
        dek="The morning crossing moves.",
        lead_image=photos["lead"],
        seo_title="Ferry timetable: what changes",
        meta_description="Every crossing that moves, and when.",
        social_title="Your ferry leaves earlier from Monday",
        social_description="Check your crossing before you travel.",
        social_image=photos["card"],
    )
    title, metas, data, html = head(client, story)
    assert title == "Ferry timetable: what changes · Newsroom"
    assert metas["description"] == "Every crossing that moves, and when."
    assert metas["og:title"] == metas["twitter:title"] == "Your ferry leaves earlier from Monday"
    assert metas["og:description"] == "Check your crossing before you travel."
    assert metas["twitter:description"] == "Check your crossing before you travel."
    card_url = crops(photos["card"])[0]
    assert metas["og:image"].endswith(card_url) and metas["twitter:image"].endswith(card_url)
    assert metas["og:image:alt"] == "A red card"
    # The page itself still shows the story's own headline and dek.
    assert "Council votes to move the ferry timetable" in re.search(r"<h1.*?</h1>", html).group()
    assert data["headline"].startswith("Council votes")
    assert data["alternativeHeadline"] == "Ferry timetable: what changes"
    assert data["description"] == "Every crossing that moves, and when."
    # The card's picture's three crops first, then the lead photo.
    images = [image["url"].split("/media/")[1] for image in data["image"]]
    assert images == [*crops(photos["card"]), crops(photos["lead"])[0]]


def test_social_fields_fall_back_to_the_seo_fields(client):
    story = make_story(
        "Headline",
        dek="The dek.",
        seo_title="Search title",
        meta_description="Search description.",
    )
    _, metas, _, _ = head(client, story)
    assert metas["og:title"] == metas["twitter:title"] == "Search title"
    assert metas["og:description"] == "Search description."


def test_word_count_in_json_ld_and_reading_time_is_a_setting(client, settings):
    story = make_story("Long read", body="<p>" + "word " * 460 + "</p><p>Two more.</p>")
    _, _, data, html = head(client, story)
    assert data["wordCount"] == 462
    assert "min read" not in html
    settings.STORY_READING_TIME = True
    settings.PAGE_CACHE = False
    html = client.get(story.path).content.decode()
    assert '<span class="reading-time">3 min read</span>' in html


def test_the_preview_uses_the_same_fallbacks(client):
    client.force_login(make_staff("ed", "Editor"))
    story = make_draft("Draft headline", dek="Draft dek.", social_title="Shared title")
    html = client.get(reverse("admin:articles_article_preview", args=[story.pk])).content.decode()
    assert "<title>Draft headline · Newsroom</title>" in html
    assert '<meta property="og:title" content="Shared title">' in html


def test_the_form_has_the_fields_their_limits_and_the_previews(client):
    client.force_login(make_staff("ed", "Editor"))
    story = make_story("Ferry timetable changes", body="<p>" + "word " * 250 + "</p>")
    html = client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    for name in ("seo_title", "meta_description", "social_title", "social_description"):
        assert f'name="{name}"' in html
    assert 'name="social_image"' in html
    limits = json.loads(
        re.search(r'<script id="nr-seo-limits" type="application/json">(.*?)</script>', html)[1]
    )
    assert limits == {
        "seo_title": 60,
        "meta_description": 155,
        "social_title": 70,
        "social_description": 200,
    }
    assert 'id="nr-snippet-title"' in html and 'id="nr-card-title"' in html
    assert "250 words · 2 min read" in html
    # No inline script runs in the admin: the tools load from a static file.
    assert re.search(r'<script src="[^"]*admin/newsroom/desk\.js" defer>', html)


def test_a_writer_sets_the_seo_fields_of_their_draft(client):
    writer = make_staff("wri", "Writer")
    client.force_login(writer)
    story = make_draft("My draft", created_by=writer)
    url = reverse("admin:articles_article_change", args=[story.pk])
    response = client.post(
        url,
        {
            "headline": "My draft",
            "body": "<p>Text.</p>",
            "status": "draft",
            "opened_version": story.edit_version,
            "seo_title": "Short title",
            "meta_description": "Snippet text.",
            "bylines-TOTAL_FORMS": "0",
            "bylines-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    story.refresh_from_db()
    assert story.search_and_social["title"] == "Short title"
    assert story.search_and_social["social_description"] == "Snippet text."
