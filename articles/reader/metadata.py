"""
What each reader page tells search engines and social networks about itself: its
canonical address, Open Graph and Twitter card tags, and schema.org JSON-LD.

Everything is built here as data (lists of tags, dicts for JSON-LD) and serialised by
``json_for_script``; ``templates/reader/includes/meta.html`` only prints the tags, so
no template writes JSON or knows which property a page needs. The pictures come from
the renditions the photo library already stored (``renditions["cards"]``: 16:9, 4:3
and 1:1 crops, see ``images.processing.cards``), and a page with no photo of its own
shows the site card (``SITE_CARD_IMAGE``): nothing here reads the database.
"""

import functools
import json
import mimetypes
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext
from markupsafe import Markup

from ..images.presentation import media_url
from ..models.seo import social_photo

SCHEMA = "https://schema.org"
CARD_KINDS = ("16x9", "4x3", "1x1")  # Google's three shapes, the shared card first


class Serialised:
    """Data serialised once by :func:`json_for_script`, put into a larger document as it
    is: a live story's BlogPostings (a third of its page) are serialised with the part
    kept in the fragment cache (``live.rendered_part``), not again on every request."""

    __slots__ = ("text",)

    def __init__(self, data):
        self.text = json_for_script(data)


# Stands in the JSON for a Serialised value until it is put in: a private-use character
# and a secret of this process, so no text a story or update holds can forge one.
_SLOT = f"\ue000{secrets.token_hex(8)}:"


def json_for_script(data):
    """JSON safe inside <script>: no "</script>", "<!--" or "&" can break out of the block.
    A ``Serialised`` value inside ``data`` is put in as it was made (already safe)."""
    made = []

    def default(value):
        if not isinstance(value, Serialised):
            raise TypeError(f"{type(value).__name__} is not JSON serialisable")
        made.append(value.text)
        return f"{_SLOT}{len(made) - 1}"

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=default)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    for number, serialised in enumerate(made):
        text = text.replace(f'"{_SLOT}{number}"', serialised, 1)
    return Markup(text)  # noqa: S704  (every character that could end the block is escaped)


def absolute(address):
    """An address from outside the site: SITE_URL before a path, an absolute one as it is."""
    return settings.SITE_URL + address if address.startswith("/") else address


def _configured_picture(address, size, alt):
    """A picture named in settings: a static file's path or an absolute address, and
    its "WIDTHxHEIGHT"."""
    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    found = _picture(address, size, alt, settings.SITE_URL, settings.STATIC_URL, storage)
    return dict(found)


@functools.lru_cache(maxsize=64)
def _picture(address, size, alt, site_url, static_url, storage):
    """Worked out once per process and settings: every listing page shows the site card
    and the publisher's logo, and a static file's hashed name is looked up in a manifest."""
    if not address.startswith(("https://", "http://")):
        address = absolute(static(address))
    width, _, height = size.lower().partition("x")
    return {
        "url": address,
        "width": int(width),
        "height": int(height),
        "alt": alt,
        "type": mimetypes.guess_type(address.split("?")[0])[0] or "",
    }


def site_card():
    """The card shared for a page with no photo of its own (``SITE_CARD_IMAGE``)."""
    return _configured_picture(
        settings.SITE_CARD_IMAGE, settings.SITE_CARD_IMAGE_SIZE, settings.SITE_CARD_IMAGE_ALT
    )


def _image_object(picture):
    return {
        "@type": "ImageObject",
        "url": picture["url"],
        "width": picture["width"],
        "height": picture["height"],
    }


def organization():
    """The publisher, the same node on every page (``@id``), with its logo and sameAs."""
    logo = _configured_picture(settings.SITE_LOGO, settings.SITE_LOGO_SIZE, settings.SITE_NAME)
    data = {
        "@type": "Organization",
        "@id": settings.SITE_URL + "/#organization",
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL + "/",
        "logo": _image_object(logo),
    }
    if settings.SITE_SAME_AS:
        data["sameAs"] = list(settings.SITE_SAME_AS)
    return data


def website():
    """The site itself, with the search box search engines may show under its name."""
    return {
        "@type": "WebSite",
        "@id": settings.SITE_URL + "/#website",
        "url": settings.SITE_URL + "/",
        "name": settings.SITE_NAME,
        "inLanguage": settings.SITE_LANGUAGE,
        "publisher": {"@id": settings.SITE_URL + "/#organization"},
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": absolute(_search_address(get_script_prefix(), settings.ROOT_URLCONF))
                + "?q={search_term_string}",
            },
            "query-input": "required name=search_term_string",
        },
    }


@functools.lru_cache(maxsize=8)
def _search_address(prefix, urlconf):
    """The search page's address, worked out once per process (the front asks for it
    on every render)."""
    return reverse("search")


def canonical(request, keep=("page",)):
    """This page's own address: its path and only the query values that change what it
    shows (``keep``), so ``?page=2`` is canonical to itself and ``?utm_source=`` to
    the page without it. Page 1 is the address without ``?page=``."""
    query = [
        (name, request.GET[name])
        for name in keep
        if request.GET.get(name) and not (name == "page" and request.GET[name] == "1")
    ]
    return absolute(request.path) + ("?" + urlencode(query) if query else "")


def _cards(title, description, url, picture, og_type="website"):
    """Open Graph and Twitter card tags as (attribute, property, value) rows."""
    rows = [
        ("property", "og:type", og_type),
        ("property", "og:site_name", settings.SITE_NAME),
        ("property", "og:title", title),
        ("property", "og:description", description),
        ("property", "og:url", url),
        ("property", "og:locale", settings.SITE_LANGUAGE.replace("-", "_")),
        ("property", "og:image", picture["url"]),
    ]
    if picture.get("type"):
        rows.append(("property", "og:image:type", picture["type"]))
    rows += [
        ("property", "og:image:width", str(picture["width"])),
        ("property", "og:image:height", str(picture["height"])),
        ("property", "og:image:alt", picture["alt"]),
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:title", title),
        ("name", "twitter:description", description),
        ("name", "twitter:image", picture["url"]),
        ("name", "twitter:image:alt", picture["alt"]),
    ]
    return rows


def head(description, url=None, tags=(), json_ld=None, robots=""):
    """What ``includes/meta.html`` prints: every value is plain text or serialised JSON."""
    return {
        "description": description,
        "canonical": url,
        "robots": robots,
        "tags": list(tags),
        "json_ld": json_for_script(json_ld) if json_ld else "",
    }


def site_description():
    return gettext("The latest news from %(site)s.") % {"site": settings.SITE_NAME}


def page(request, status=200):
    """Any reader page without more to say (search, corrections, the 404): its address,
    and the publisher. A page that is not found has no canonical address."""
    return head(
        site_description(),
        url=canonical(request) if status == 200 else None,
        json_ld={"@context": SCHEMA, **organization()},
    )


def listing(request, title, description, stories, front=False, keep=("page",)):
    """A front, section, tag, author or archive page: its cards, and a CollectionPage
    listing the stories it shows (in the order shown); the front also carries the
    WebSite with its search action. ``keep``: the query values that choose what it shows."""
    url = canonical(request, keep)
    description = description or site_description()
    site = settings.SITE_URL
    collection = {
        "@type": "CollectionPage",
        "@id": url,
        "url": url,
        "name": title,
        "description": description,
        "inLanguage": settings.SITE_LANGUAGE,
        "isPartOf": {"@id": settings.SITE_URL + "/#website"},
        "publisher": {"@id": settings.SITE_URL + "/#organization"},
        "mainEntity": {
            "@type": "ItemList",
            "numberOfItems": len(stories),
            "itemListElement": [
                {"@type": "ListItem", "position": position, "url": site + story["path"]}
                for position, story in enumerate(stories, 1)
            ],
        },
    }
    graph = [collection, website(), organization()]
    return head(
        description,
        url=url,
        tags=_cards(title, description, url, site_card()),
        json_ld={"@context": SCHEMA, "@graph": graph if front else [collection, graph[2]]},
    )


def story_pictures(renditions, alt):
    """A story photo as the three crops structured data asks for, widest shape first,
    each {url, width, height, alt}; a photo stored before the crops existed gives its
    largest full frame. Empty for no photo."""
    if not renditions:
        return []
    cards = renditions.get("cards") or {}
    if cards:
        shapes = [cards[kind] for kind in CARD_KINDS if kind in cards]
    else:
        shapes = (renditions.get("full") or [])[-1:]
    return [
        {"url": absolute(media_url(r["fallback"])), "width": r["w"], "height": r["h"], "alt": alt}
        for r in shapes
    ]


@functools.lru_cache(maxsize=512)
def _content_type(address):
    """A shared picture's type, from its address: the site card, shared by every story
    without a photo, is worked out once per process (mimetypes walks its tables in
    Python on every call)."""
    return mimetypes.guess_type(address)[0] or ""


def story(row, data, preview=False):
    """A story page's head: its cards with the shared photo's 16:9 crop (else the site
    card), and ``data`` (the NewsArticle) with the three crops as ImageObjects and the
    publisher. A preview is never indexed and names no canonical address."""
    lead = story_pictures(row.get("image_renditions"), row.get("image_alt", ""))
    social = story_pictures(row.get("social_image_renditions"), row.get("social_image_alt", ""))
    pictures = social_photo(social, lead) or [site_card()]
    shared = {**pictures[0], "type": _content_type(pictures[0]["url"])}
    images = list(pictures)
    if social and lead and lead[0]["url"] != social[0]["url"]:
        images.append(lead[0])  # the photo on the page too, after the shared picture's crops
    seo = row["seo"]
    tags = _cards(seo["social_title"], seo["social_description"], row["url"], shared, "article")
    tags += [
        ("property", "article:published_time", row["iso_date"]),
        ("property", "article:modified_time", data["dateModified"]),
    ]
    if row["section_name"]:
        tags.append(("property", "article:section", row["section_name"]))
    tags += [("property", "article:tag", tag["name"]) for tag in row["tags"]]
    data = {
        **data,
        "image": [_image_object(picture) for picture in images],
        "publisher": organization(),
    }
    return head(
        seo["description"],
        url=None if preview else row["url"],
        tags=tags,
        json_ld=data,
        robots="noindex, nofollow" if preview else "",
    )


def live_blog(data, coverage, updates, blog_updates):
    """A live story's NewsArticle as a LiveBlogPosting (issue 17): when coverage started
    and ended, and its latest updates (``updates``, newest first, visible ones only) as
    BlogPostings (``blog_updates``, made by :func:`blog_updates` with the part)."""
    data = {**data, "@type": "LiveBlogPosting", "coverageStartTime": coverage["started_iso"]}
    if "closed_iso" in coverage:
        data["coverageEndTime"] = coverage["closed_iso"]
    if updates and updates[0]["iso_date"] > data["dateModified"]:
        data["dateModified"] = updates[0]["iso_date"]
    data["liveBlogUpdate"] = blog_updates
    return data


def blog_updates(url, updates):
    """A live story's updates (presented, newest first) as BlogPostings, each addressed
    by its permalink on the story's page at ``url``."""
    return [
        {
            "@type": "BlogPosting",
            "headline": _words(update["text"], 110),
            "articleBody": _words(update["text"], 5000),
            "datePublished": update["iso_date"],
            "url": f"{url}#{update['anchor']}",
            **(
                {"author": [{"@type": "Person", "name": a["name"]} for a in update["authors"]]}
                if update["authors"]
                else {}
            ),
        }
        for update in updates
    ]


def _words(text, length):
    """An update's plain text, cut at a word within ``length``."""
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0] + "…"
