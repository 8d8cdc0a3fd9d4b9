"""Text helpers shared by the models, the importer and the reader path."""

import re

import nh3
from django.utils.text import slugify

from .embeds import allowed_attribute, rebuild_embeds

SLUG_MAX_LENGTH = 80

# What an editor can put in a story body. Everything else (scripts, styles,
# event handlers, iframes, javascript: links) is removed on save.
BODY_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "code",
    "pre",
    "hr",
    "figure",
    "figcaption",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "cite",
}
BODY_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "srcset", "sizes", "loading", "decoding"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    # Embedded videos, posts and maps (articles.embeds): each value is checked by
    # embeds.allowed_attribute, and the element rebuilt from its link.
    "figure": {"class", "data-embed", "data-src"},
}
BODY_URL_SCHEMES = {"http", "https", "mailto", "tel"}

# Characters XML 1.0 does not allow (C0 controls except tab, newline and
# carriage return); a headline pasted from a PDF can carry them.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def sanitize_html(html):
    """Return ``html`` with only the elements and attributes a story may use."""
    if not html:
        return ""
    clean = _clean(rebuild_embeds(_clean(html)))
    return clean.strip()


def _clean(html):
    return nh3.clean(
        html,
        tags=BODY_TAGS,
        attributes=BODY_ATTRIBUTES,
        attribute_filter=allowed_attribute,
        url_schemes=BODY_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def strip_control_characters(text):
    return XML_ILLEGAL.sub("", text or "")


def short_slug(text, max_length=SLUG_MAX_LENGTH):
    """An ASCII slug for ``text``, cut at a word boundary to ``max_length``."""
    slug = slugify(text)[:max_length].strip("-")
    if len(slugify(text)) > max_length and "-" in slug:
        slug = slug.rsplit("-", 1)[0]
    return slug or "story"


def with_suffix(slug, number, max_length=SLUG_MAX_LENGTH):
    """``slug`` with ``-number`` appended, still within ``max_length``."""
    suffix = f"-{number}"
    return slug[: max_length - len(suffix)].rstrip("-") + suffix
