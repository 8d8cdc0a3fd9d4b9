"""
Library photos placed inside a story body.

An editor places a photo by its address (the photo's page in the admin gives
it). When the story is saved, after sanitising, each ``<img>`` that points at a
library photo is rewritten with every rendition in ``srcset``, its width and
height (so the page does not jump while it loads), lazy loading, and the
library's alt text if the editor gave none.
"""

import html
import re
from urllib.parse import unquote

from django.utils.html import format_html

from .presentation import picture

IMG = re.compile(r"<img\b([^>]*)>")
ATTRIBUTE = re.compile(r'\b(src|alt)="([^"]*)"')
FOLDER = re.compile(r"(images/[0-9a-f]{2}/[0-9a-f]{20})/")
BODY_SIZES = "(min-width: 42rem) 42rem, 100vw"


def placed_folders(body):
    """The library folders (``images/ab/<20 hex>``) of the photos a body places."""
    found = set()
    for match in IMG.finditer(body):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        folder = FOLDER.search(unquote(attributes.get("src", "")))
        if folder:
            found.add(folder.group(1))
    return found


def enrich_body_images(body, photos):
    """``body`` with each placed library photo rewritten; ``photos`` maps a folder (see
    ``placed_folders``) to its photo, found by the caller. A pure function: it reads
    nothing, so it can be tested and reused (imports) without a database."""
    if "<img" not in body:
        return body

    def rewrite(match):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        folder = FOLDER.search(unquote(attributes.get("src", "")))
        image = folder and photos.get(folder.group(1))
        if not image:
            return match.group(0)
        alt = html.unescape(attributes.get("alt", "")) or image.alt_text
        shown = picture(image.renditions, alt)
        if shown is None:
            return match.group(0)
        return format_html(
            '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" '
            'loading="lazy" decoding="async">',
            shown["src"],
            shown["fallback_srcset"],
            BODY_SIZES,
            shown["width"],
            shown["height"],
            shown["alt"],
        )

    return IMG.sub(rewrite, body)
