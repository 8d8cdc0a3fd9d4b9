"""
Atom and JSON feeds of a live story's updates (issue 17), newest first.

Kept by the page cache under the story's own stamp, like its page and its updates
endpoint (``articles.models.live.stamp_live``), so a feed reader's poll that finds
nothing new is a 304 from the cache. Written through the same template and JSON
shape as the site's feeds (``feeds.py``).
"""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse
from django.template import engines
from django.utils import timezone
from django.utils.html import strip_tags

from ..reader import addresses
from ..reader.live import address, live_story, moments, present, updates
from ..reader.pagecache import reader_page
from ..reader.updates import _story_path, _story_scope
from ..text import strip_control_characters
from .feeds import FEED_LENGTH, absolute_html, json_feed

FORMATS = {"atom": "story-updates-atom", "json": "story-updates-json"}


def items(story, rows):
    """Each update as every feed format needs it."""
    clean = strip_control_characters
    host = urlsplit(settings.SITE_URL).hostname
    page = settings.SITE_URL + story["path"]
    found = []
    for row in rows:
        text = " ".join(strip_tags(row["body"] or "").split())
        found.append(
            {
                "id": f"tag:{host},2024:live-update:{row['id']}",
                "link": f"{page}#{row['anchor']}",
                "title": clean(text[:100]),
                "summary": clean(text[:300]),
                "content": absolute_html(clean(row["body"] or "")),
                "authors": [
                    {"name": clean(a["name"]), "url": addresses.absolute(a["url"])}
                    for a in row["authors"]
                ],
                "categories": [],
                "published_rfc3339": row["published_at"].isoformat(),
                "updated_rfc3339": row["published_at"].isoformat(),
                "image": None,
            }
        )
    return found


@reader_page(query=(), scope=_story_scope)
def serve(request, year, month, day, slug, fmt="atom"):
    now = timezone.now()
    story = live_story(_story_path(year, month, day, slug), now)
    if story is None or story["live_started_at"] is None:
        raise Http404("No live coverage here.")
    headline = strip_control_characters(story["headline"])
    rows = present(updates(story["id"], now, FEED_LENGTH))
    updated = rows[0]["published_at"] if rows else story["live_started_at"]
    context = {
        "title": f"{settings.SITE_NAME}: {headline} (live updates)",
        "description": f"Live updates: {headline}",
        "page_url": settings.SITE_URL + story["path"],
        "self_url": addresses.absolute(address(story["path"], FORMATS[fmt])),
        "feed_id": f"tag:{urlsplit(settings.SITE_URL).hostname},2024:live:{story['id']}",
        "items": items(story, rows),
        "updated_rfc3339": updated.isoformat(),
    }
    if fmt == "json":
        body = json_feed(context)
    else:
        body = engines["reader"].get_template("feeds/atom.xml").render(context)
    response = HttpResponse(body, content_type=addresses.CONTENT_TYPES[fmt])
    response["ETag"] = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    _, next_at = moments(story["id"], now)
    if next_at:
        response.valid_until = next_at  # a scheduled update comes out
    return response
