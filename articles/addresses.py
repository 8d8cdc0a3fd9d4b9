"""
Reader addresses, built from the named URL patterns in ``newsroom/urls.py``, the
only place their shapes are written. Templates, presenters, feeds and sitemaps
ask here; none of them spells an address shape itself.

``reverse()`` costs tens of microseconds and a listing page links hundreds of
bylines and tags, so each pattern is reversed once per process with a marker
in place of the slug, and an address is then that shape with the slug put in.
"""

import functools

from django.conf import settings
from django.urls import reverse

_MARKER = "0slug0"  # matches the slug converter, appears in no pattern


@functools.cache
def _shape(name, suffix_name=""):
    return tuple(reverse(name + suffix_name, kwargs={"slug": _MARKER}).split(_MARKER))


def of(name, slug):
    """The address of the page named ``name`` ("section", "tag", "author") for ``slug``."""
    before, after = _shape(name)
    return f"{before}{slug}{after}"


def section(slug):
    return of("section", slug)


def tag(slug):
    return of("tag", slug)


def author(slug):
    return of("author", slug)


def feed(kind="latest", slug="", fmt="rss"):
    """A feed's address: the site's latest stories, or a section's, tag's or author's."""
    if kind == "latest":
        return reverse("feed" if fmt == "rss" else f"feed-{fmt}")
    before, after = _shape(kind, f"-feed-{fmt}")
    return f"{before}{slug}{after}"


def absolute(path):
    """An address readers outside the site can follow (feeds, structured data, email)."""
    return settings.SITE_URL + path


def linked(items, kind):
    """Label rows ({"name", "slug"}: bylines, tags, sections) with their ``url``."""
    for item in items:
        item["url"] = of(kind, item["slug"])
    return items
