"""How a story presents itself outside its own page: to search engines, to social
networks, and to a reader deciding whether they have time for it.

The fallbacks live here and only here: the story page's head, its JSON-LD, the
admin's snippet and card previews all ask these functions, so an empty SEO or
social field means the same thing everywhere.
"""

import math
import re

from django.utils.html import strip_tags

# The lengths search results and social cards show before cutting the text off.
# They are advice for editors (counters in the form), not limits the form enforces.
SEO_TITLE_LIMIT = 60
META_DESCRIPTION_LIMIT = 155
SOCIAL_TITLE_LIMIT = 70
SOCIAL_DESCRIPTION_LIMIT = 200

# An adult reading news on a screen: about 230 words a minute.
WORDS_PER_MINUTE = 230


# Where each value comes from: the first of these fields that is not empty. The
# admin's snippet and card previews receive this table too (as JSON), so the form
# shows exactly the fallbacks the story page will use.
FALLBACKS = {
    "title": ("seo_title", "headline"),
    "description": ("meta_description", "dek"),
    "social_title": ("social_title", "seo_title", "headline"),
    "social_description": ("social_description", "meta_description", "dek"),
}
LIMITS = {
    "seo_title": SEO_TITLE_LIMIT,
    "meta_description": META_DESCRIPTION_LIMIT,
    "social_title": SOCIAL_TITLE_LIMIT,
    "social_description": SOCIAL_DESCRIPTION_LIMIT,
}


def search_and_social(
    headline, dek, seo_title="", meta_description="", social_title="", social_description=""
):
    """What a story shows in a search result and on a shared card.

    Each empty field falls back (``FALLBACKS``): the SEO title to the headline, the
    meta description to the dek, the social title to the SEO title, then the
    headline, the social description to the meta description, then the dek. The
    social image falls back to the lead photo: see ``social_photo``."""
    fields = {
        "headline": headline or "",
        "dek": dek or "",
        "seo_title": seo_title or "",
        "meta_description": meta_description or "",
        "social_title": social_title or "",
        "social_description": social_description or "",
    }
    return {
        value: next((fields[name].strip() for name in names if fields[name].strip()), "")
        for value, names in FALLBACKS.items()
    }


def social_photo(social_image, lead_image):
    """The picture a shared link shows: the social image if chosen, else the lead photo
    (either a photo or its row, whatever the caller holds)."""
    return social_image or lead_image


def word_count(body_html):
    """Words a reader reads in the body: markup and captions' tags are not words."""
    text = strip_tags(re.sub(r"<(br|/p|/h\d|/li|/blockquote|/figcaption)\b[^>]*>", " ", body_html))
    return len(re.findall(r"\w+(?:['’.-]\w+)*", text or ""))


def reading_minutes(words):
    """Whole minutes to read ``words`` words; at least one for any text at all."""
    return math.ceil(words / WORDS_PER_MINUTE) if words else 0
