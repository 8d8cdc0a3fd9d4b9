"""What every reader page tells search engines and social networks, read as a crawler
reads it: the head's canonical link, Open Graph and Twitter tags, icons, and the
JSON-LD, parsed with html.parser and json (issue 15, points 3 and 4)."""

import io
import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.utils import timezone
from PIL import Image as Pillow

from articles.models import Image

from .factories import make_author, make_section, make_story
from .pictures import picture_bytes, upload

pytestmark = pytest.mark.django_db
SITE = "http://127.0.0.1:8000"


class Head(HTMLParser):
    """The tags a crawler reads from a page's <head>, and its JSON-LD blocks."""

    def __init__(self, html):
        super().__init__()
        self.metas, self.links, self.json_ld, self._in_json = {}, {}, [], False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            key = attrs.get("property") or attrs["name"]
            self.metas.setdefault(key, []).append(attrs.get("content"))
        elif tag == "link":
            self.links.setdefault(attrs["rel"], []).append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json = True

    def handle_endtag(self, tag):
        self._in_json = False

    def handle_data(self, data):
        if self._in_json:
            self.json_ld.append(json.loads(data))

    def meta(self, key):
        (value,) = self.metas[key]  # each tag once
        return value

    @property
    def canonical(self):
        found = self.links.get("canonical", [])
        assert len(found) <= 1
        return found[0]["href"] if found else None

    def nodes(self):
        """Every JSON-LD node by its @type (a block's @graph or the block itself)."""
        found = {}
        for block in self.json_ld:
            assert block["@context"] == "https://schema.org"
            for node in block.get("@graph", [block]):
                found.setdefault(node["@type"], []).append(node)
        return found


def head(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return Head(response.content.decode())


@pytest.fixture
def newsroom(no_page_cache, site_noon):
    """Three stories an hour apart, on one day whatever the hour the suite runs."""
    section = make_section("City", slug="city", description="News of the city and its people.")
    author = make_author("Ana Reyes", slug="ana")
    stories = [
        make_story(
            f"Harbour story {n}",
            section=section,
            authors=[author],
            tags=["harbour"],
            age=timedelta(hours=n + 1),
        )
        for n in range(3)
    ]
    return stories


def listing_urls(stories):
    day = timezone.localtime(stories[0].published_at)
    return {
        "front": "/",
        "section": "/section/city/",
        "tag": "/tag/harbour/",
        "author": "/author/ana/",
        "year archive": f"/{day:%Y}/",
        "month archive": f"/{day:%Y/%m}/",
        "day archive": f"/{day:%Y/%m/%d}/",
        "archive": "/archive/",
    }


def test_every_listing_has_a_canonical_link_cards_and_a_collection_page(client, newsroom):
    shown = {SITE + story.path for story in newsroom}
    for kind, url in listing_urls(newsroom).items():
        page = head(client, url)
        assert page.canonical == SITE + url, kind
        assert page.meta("og:url") == page.canonical, kind
        assert page.meta("og:type") == "website"
        assert page.meta("og:site_name") == "Newsroom"
        assert page.meta("og:title") and page.meta("twitter:title") == page.meta("og:title")
        assert page.meta("og:description") == page.meta("description") != ""
        assert page.meta("twitter:description") == page.meta("description")
        # No photo of their own: the site card, with its size and words for it.
        card = SITE + static("newsroom-card.png")
        assert page.meta("og:image") == page.meta("twitter:image") == card, kind
        assert (page.meta("og:image:width"), page.meta("og:image:height")) == ("1200", "630")
        assert page.meta("og:image:alt") == page.meta("twitter:image:alt") == "The Newsroom logo"
        assert page.meta("twitter:card") == "summary_large_image"

        nodes = page.nodes()
        (collection,) = nodes["CollectionPage"]
        assert collection["url"] == page.canonical
        items = collection["mainEntity"]["itemListElement"]
        assert {item["url"] for item in items} == shown, kind
        assert [item["position"] for item in items] == list(range(1, len(items) + 1))
        assert collection["mainEntity"]["numberOfItems"] == len(items)
        (organization,) = nodes["Organization"]
        assert organization["name"] == "Newsroom" and organization["logo"]["width"] == 192
        assert ("WebSite" in nodes) == (kind == "front"), kind


def test_listing_descriptions_say_what_the_page_holds(client, newsroom):
    assert head(client, "/section/city/").meta("description") == "News of the city and its people."
    assert head(client, "/tag/harbour/").meta("og:title") == "harbour"
    assert head(client, "/tag/harbour/").meta("description") == (
        "Stories tagged harbour from Newsroom."
    )
    assert head(client, "/author/ana/").meta("description") == "Stories by Ana Reyes in Newsroom."


def test_the_front_offers_the_site_search_to_search_engines(client, newsroom):
    (website,) = head(client, "/").nodes()["WebSite"]
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["query-input"] == "required name=search_term_string"
    template = action["target"]["urlTemplate"]
    assert template == SITE + "/search/?q={search_term_string}"
    # The address it describes finds the story.
    search = client.get(template.replace(SITE, "").replace("{search_term_string}", "harbour"))
    assert "Harbour story 0" in search.content.decode()


def test_paginated_pages_are_canonical_to_themselves(client, no_page_cache):
    stories = [make_story(tags=["busy"], age=timedelta(minutes=n + 1)) for n in range(22)]
    second = head(client, "/tag/busy/?page=2")
    assert second.canonical == SITE + "/tag/busy/?page=2"
    assert second.meta("og:url") == second.canonical
    (collection,) = second.nodes()["CollectionPage"]
    assert [item["url"] for item in collection["mainEntity"]["itemListElement"]] == [
        SITE + story.path for story in stories[20:]
    ]
    # Page 1 and tracking parameters are the plain address.
    assert head(client, "/tag/busy/?page=1&utm_source=x").canonical == SITE + "/tag/busy/"
    assert head(client, "/?page=2").canonical == SITE + "/?page=2"


def test_other_pages_have_their_own_address_and_the_publisher(client, newsroom, settings):
    settings.SITE_SAME_AS = ["https://social.example/@newsroom", "https://en.wikipedia.org/x"]
    search = head(client, "/search/?q=harbour&page=1&utm_source=x")
    assert search.canonical == SITE + "/search/?q=harbour"
    assert search.meta("robots") == "noindex, follow"
    for url in ["/corrections/", "/search/?q=harbour", newsroom[0].path, "/"]:
        nodes = head(client, url).nodes()
        # Its own node, or on a story page the article's publisher.
        (organization,) = nodes.get("Organization") or [nodes["NewsArticle"][0]["publisher"]]
        assert organization["@id"] == SITE + "/#organization"
        assert organization["sameAs"] == settings.SITE_SAME_AS, url
        assert organization["logo"]["url"] == SITE + static("newsroom-logo.png")
    assert head(client, "/corrections/").canonical == SITE + "/corrections/"
    missing = Head(client.get("/no/such/page/").content.decode())
    assert missing.canonical is None  # a page that is not found has no address of its own


def test_the_site_card_is_configurable(client, newsroom, settings):
    settings.SITE_CARD_IMAGE = "https://cdn.example/card.jpg"
    settings.SITE_CARD_IMAGE_SIZE = "1600x900"
    settings.SITE_CARD_IMAGE_ALT = "The masthead"
    for url in ["/", "/section/city/", newsroom[0].path]:
        page = head(client, url)
        assert page.meta("og:image") == "https://cdn.example/card.jpg", url
        assert (page.meta("og:image:width"), page.meta("og:image:height")) == ("1600", "900")
        assert page.meta("twitter:image:alt") == "The masthead"
    (article,) = head(client, newsroom[0].path).nodes()["NewsArticle"]
    assert article["image"] == [
        {
            "@type": "ImageObject",
            "url": "https://cdn.example/card.jpg",
            "width": 1600,
            "height": 900,
        }
    ]


def test_story_images_are_three_shapes_at_least_1200_wide(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = Image.objects.create(
        file=upload(picture_bytes(size=(2400, 1600))), alt_text="The harbour at dawn"
    )
    story = make_story("With a photo", lead_image=photo)
    page = head(client, story.path)
    (article,) = page.nodes()["NewsArticle"]
    images = article["image"]
    assert [(i["@type"], i["width"], i["height"]) for i in images] == [
        ("ImageObject", 1200, 675),
        ("ImageObject", 1200, 900),
        ("ImageObject", 1200, 1200),
    ]
    for image in images:
        # Each is a real file of that size among the photo's renditions.
        name = image["url"].removeprefix(SITE + settings.MEDIA_URL)
        with Pillow.open(settings.MEDIA_ROOT / name) as stored:
            assert stored.size == (image["width"], image["height"])
    assert page.meta("og:image") == images[0]["url"]
    assert (page.meta("og:image:width"), page.meta("og:image:height")) == ("1200", "675")
    assert page.meta("og:image:alt") == page.meta("twitter:image:alt") == "The harbour at dawn"
    assert page.canonical == SITE + story.path


def test_every_page_links_its_icons_and_the_manifest(client, newsroom):
    for url in [*listing_urls(newsroom).values(), newsroom[0].path, "/search/?q=x"]:
        page = head(client, url)
        icons = {link["href"] for link in page.links["icon"]}
        assert icons == {static("favicon.ico"), static("icons/favicon.svg")}, url
        assert page.links["apple-touch-icon"][0]["href"] == static("icons/apple-touch-icon.png")
        assert page.links["manifest"][0]["href"] == "/manifest.webmanifest"
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"].startswith("application/manifest+json")
    data = json.loads(manifest.content)
    assert data["name"] == "Newsroom" and data["start_url"] == "/"
    assert {icon["sizes"] for icon in data["icons"]} >= {"192x192", "512x512"}
    # Browsers ask for /favicon.ico whatever the page links: it answers.
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 302 and favicon["Location"] == static("favicon.ico")


def test_machine_readable_times_are_valid_html(client, newsroom):
    """<time datetime> takes at most three digits of a second's fraction (the Nu Html
    Checker refuses Python's six): times are given to the second."""
    for url in ["/", "/section/city/", newsroom[0].path]:
        html = client.get(url).content.decode()
        times = re.findall(r'datetime="([^"]*)"', html)
        assert times, url
        for value in times:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", value), (url, value)
    (article,) = head(client, newsroom[0].path).nodes()["NewsArticle"]
    assert article["datePublished"] == newsroom[0].published_at.isoformat(timespec="seconds")


def test_photos_from_before_the_crops_get_them_from_a_command(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = Image.objects.create(file=upload(picture_bytes(size=(2400, 1600))), alt_text="Dawn")
    story = make_story("An older photo", lead_image=photo)
    # As stored before this change: full frames and thumbnails only.
    before = {kind: value for kind, value in photo.renditions.items() if kind != "cards"}
    Image.objects.filter(pk=photo.pk).update(renditions=before)
    (article,) = head(client, story.path).nodes()["NewsArticle"]
    assert [(i["width"], i["height"]) for i in article["image"]] == [(1920, 1280)]  # largest

    out = io.StringIO()
    call_command("make_sharing_crops", stdout=out)
    assert "Made sharing crops for 1 photos." in out.getvalue()
    (article,) = head(client, story.path).nodes()["NewsArticle"]  # the page is fresh
    assert [(i["width"], i["height"]) for i in article["image"]] == [
        (1200, 675),
        (1200, 900),
        (1200, 1200),
    ]
    call_command("make_sharing_crops", stdout=out)
    assert "Made sharing crops for 0 photos." in out.getvalue()
