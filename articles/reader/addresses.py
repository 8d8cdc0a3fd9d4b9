"""
Reader addresses, built from the named URL patterns in ``newsroom/urls.py``, the
only place their shapes are written. Templates, presenters, feeds and sitemaps
ask here; none of them spells an address shape itself.

``reverse()`` costs tens of microseconds and a listing page links hundreds of
bylines and tags, so each pattern is reversed once per process with a marker
in place of the slug, and an address is then that shape with the slug put in.
"""

import functools
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse

# Feeds: where each format lives below a listing's address (the URL patterns are
# built from this), its media type, and its name in autodiscovery links.
FEED_PATHS = {"rss": "feed/", "atom": "feed/atom/", "json": "feed/json/"}
CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
FORMAT_NAMES = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}

_MARKER = "0slug0"  # matches the slug converter, appears in no pattern


@functools.cache
def _shape(name, suffix_name=""):
    return tuple(reverse(name + suffix_name, kwargs={"slug": _MARKER}).split(_MARKER))


@functools.cache
def _fixed(name):
    return reverse(name)


def _in_address(slug):
    """A tag's slug may hold letters of any script: percent-encoded, as reverse() would."""
    return slug if slug.isascii() else quote(slug, safe="-_")


def of(name, slug):
    """The address of the page named ``name`` ("section", "tag", "author") for ``slug``."""
    before, after = _shape(name)
    return f"{before}{_in_address(slug)}{after}"


def section(slug):
    return of("section", slug)


def tag(slug):
    return of("tag", slug)


def author(slug):
    return of("author", slug)


def feed(kind="latest", slug="", fmt="rss"):
    """A feed's address: the site's latest stories, or a section's, tag's or author's."""
    if kind == "latest":
        return _fixed("feed" if fmt == "rss" else f"feed-{fmt}")
    before, after = _shape(kind, f"-feed-{fmt}")
    return f"{before}{_in_address(slug)}{after}"


def absolute(path):
    """An address readers outside the site can follow (feeds, structured data, email)."""
    return settings.SITE_URL + path


def linked(items, kind):
    """Label rows ({"name", "slug"}: bylines, tags, sections) with their ``url``."""
    for item in items:
        item["url"] = of(kind, item["slug"])
    return items


def feeds_of(kind, slug):
    """A section's, tag's or author's own feeds, one per format, to follow from its page."""
    return [{"name": FORMAT_NAMES[fmt], "href": feed(kind, slug, fmt)} for fmt in FEED_PATHS]


def feed_links(title="", own=None):
    """Autodiscovery links for a page: its own feeds (``own`` is (kind, slug)) first,
    then the site's latest stories. Worked out once per page and site name (the
    addresses' shapes are once per process, above): every page prints them."""
    return _feed_links(title, tuple(own) if own else None, settings.SITE_NAME)


@functools.lru_cache(maxsize=1024)
def _feed_links(title, own, site):
    sources = [(*own, title)] if own else []
    sources.append(("latest", "", "latest stories"))
    return tuple(
        {
            "type": CONTENT_TYPES[fmt].split(";")[0],
            "href": feed(kind, slug, fmt),
            "title": f"{site}: {name} ({FORMAT_NAMES[fmt]})",
        }
        for kind, slug, name in sources
        for fmt in FEED_PATHS
    )
