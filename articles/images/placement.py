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


def enrich_body_images(body):
    if "<img" not in body:
        return body
    from ..models import Image

    def rewrite(match):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        folder = FOLDER.search(unquote(attributes.get("src", "")))
        image = folder and Image.objects.filter(file__startswith=folder.group(1) + "/").first()
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
