"""
The RSS feed of the latest stories.

Written from one Jinja2 template into one string, rather than through
``django.contrib.syndication``: Django's feed writer emits hundreds of small
chunks, and a sync gunicorn worker sends each one separately, which made the
feed four times slower (../shared/perf-notes.md). Jinja2's autoescaping gives
XML-safe text; characters XML forbids are stripped before rendering.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template import engines
from django.utils import timezone

from . import queries
from .dates import rfc2822
from .text import strip_control_characters

FEED_LENGTH = 20
TEXT_FIELDS = ("headline", "dek", "body", "dateline")


def guid(story_id):
    """An identifier that stays the same when the headline, slug or date changes."""
    return f"tag:{urlsplit(settings.SITE_URL).hostname},2024:story:{story_id}"


def feed_item(row, authors, tags):
    for field in TEXT_FIELDS:
        row[field] = strip_control_characters(row[field])
    row["link"] = settings.SITE_URL + row["path"]
    row["guid"] = guid(row["id"])
    row["pub_date"] = rfc2822(row["published_at"])
    row["authors"] = [strip_control_characters(a["name"]) for a in authors]
    row["categories"] = [strip_control_characters(t["name"]) for t in tags]
    return row


def latest_rss(request):
    now = timezone.now()
    rows = queries.feed_items(now, FEED_LENGTH)
    authors, tags = queries.labels([row["id"] for row in rows])
    items = [feed_item(row, authors[row["id"]], tags[row["id"]]) for row in rows]
    body = (
        engines["reader"]
        .get_template("feeds/rss.xml")
        .render(
            {
                "title": strip_control_characters(settings.SITE_NAME),
                "description": f"The latest stories from {settings.SITE_NAME}",
                "self_url": settings.SITE_URL + request.path,
                "items": items,
                "build_date": rfc2822(items[0]["published_at"] if items else now),
            }
        )
    )
    return HttpResponse(body, content_type="application/rss+xml; charset=utf-8")
