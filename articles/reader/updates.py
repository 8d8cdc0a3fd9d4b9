"""
The live story's updates endpoint (issue 17): what ``static/live.js`` polls.

It is a reader page like the story's own: kept by the page cache under the story's
stamp (``articles.models.live.stamp_live`` changes it when an update is added, edited
or removed), so a poll that finds nothing new is a 304 from the cache, and by a CDN
for ``ENDPOINT_SECONDS`` only, so readers see an update within their poll interval
and those seconds.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.http import Http404, HttpResponse
from django.template import engines
from django.utils import timezone
from django.utils.cache import get_conditional_response

from ..models.version import scope
from .live import ENDPOINT_LIMIT, PAGE_SIZE, live_story, moments, present, update_id, updates
from .pagecache import reader_page

ENDPOINT_SECONDS = 5


def _story_path(year, month, day, slug):
    return f"/{year:04d}/{month:02d}/{day:02d}/{slug}/"


def _story_scope(year, month, day, slug, **_):
    return scope("story", _story_path(year, month, day, slug))


@functools.cache
def _update_macro():
    return engines["reader"].env.get_template("includes/live.html").module.live_update


@reader_page(query=("after",), scope=_story_scope)
def updates_endpoint(request, year, month, day, slug):
    """The story's updates newer than ``?after=<id>`` (the newest a reader's page
    shows), newest first, as JSON with each update's HTML; without ``after``, the
    newest screen. Kept by the page cache under the story's stamp (a poll that finds
    nothing new is a 304 from the cache) and by a CDN for ``ENDPOINT_SECONDS``."""
    now = timezone.now()
    row = live_story(_story_path(year, month, day, slug), now)
    if row is None or row["live_started_at"] is None:
        raise Http404("No live coverage here.")
    try:
        after = update_id(request.GET.get("after"))
    except ValueError:
        raise Http404("No such update.") from None
    if after is None:
        rows = updates(row["id"], now, PAGE_SIZE)
        reload = False
    else:
        rows = updates(row["id"], now, ENDPOINT_LIMIT + 1, after=after, oldest_first=True)
        reload, rows = len(rows) > ENDPOINT_LIMIT, rows[:ENDPOINT_LIMIT][::-1]
    macro = _update_macro()
    data = {
        "updates": [{"id": u["id"], "html": str(macro(u))} for u in present(rows)],
        "latest": rows[0]["id"] if rows else after,
        "open": row["live_ended_at"] is None,
        "reload": reload,
    }
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    etag = '"' + hashlib.blake2b(body.encode(), digest_size=16).hexdigest() + '"'
    if getattr(request, "page_holes", None) is None:  # not stored: answer the 304 here
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            return not_modified
    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    _, next_at = moments(row["id"], now)
    soon = now + timedelta(seconds=ENDPOINT_SECONDS)
    response.valid_until = min(next_at, soon) if next_at else soon
    return response
