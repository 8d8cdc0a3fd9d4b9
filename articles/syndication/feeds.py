"""
Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1, for the latest stories and for each
section, tag and author.

Each feed is written from one template (or one ``json.dumps``) into one string,
rather than through ``django.contrib.syndication``: Django's feed writer emits
hundreds of small chunks, and a sync gunicorn worker sends each one separately,
which made a feed three to four times slower (docs/perf-notes.md). Jinja2's
autoescaping gives XML-safe text; characters XML forbids are stripped first.

A built feed is kept in the worker's fragment cache under the site-wide content
version and the feed's own page stamp, until the next scheduled story goes live.
Its ETag and Last-Modified let a feed reader's poll that finds nothing new end in
a 304 for the price of one small query.

A live story's entry is updated when its last update came out (issue 17): its
``<updated>`` (Atom), ``<atom:updated>`` (RSS, as for a correction) and
``date_modified`` (JSON Feed). So a live update re-stamps the feeds that list the
story (``models.live.live_scopes``: its section's, tags' and authors'), and the
site's feeds are kept under the ``live`` stamp as the front is.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse
from django.template import engines
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from ..embeds import embeds_as_links
from ..images.presentation import media_url
from ..models.live import LIVE_SCOPE
from ..models.version import TAG_PAGES, scope
from ..reader import addresses, fragments, live, queries
from ..reader.dates import rfc2822
from ..reader.pagecache import reader_page
from ..text import strip_control_characters

FEED_LENGTH = 20
TEMPLATES = {"rss": "feeds/rss.xml", "atom": "feeds/atom.xml"}
RELATIVE_URL = re.compile(r'(\s(?:href|src)=")(/[^/"][^"]*|/)"')
SRCSET = re.compile(r'(\ssrcset=")([^"]*)"')


def guid(story_id):
    """An identifier that stays the same when the headline, slug or date changes."""
    return f"tag:{urlsplit(settings.SITE_URL).hostname},2024:story:{story_id}"


def absolute(url):
    return settings.SITE_URL + url if url.startswith("/") and not url.startswith("//") else url


def absolute_html(html):
    """A body whose links and pictures work outside the site, in a feed reader."""
    html = RELATIVE_URL.sub(lambda m: f'{m.group(1)}{absolute(m.group(2))}"', html)
    return SRCSET.sub(
        lambda m: (
            m.group(1) + ", ".join(absolute(part.strip()) for part in m.group(2).split(",")) + '"'
        ),
        html,
    )


def _image(row):
    renditions = row.get("image_renditions") or {}
    sizes = renditions.get("full") or []
    if not sizes:
        return None
    largest = sizes[-1]
    return {
        "url": absolute(media_url(largest["fallback"])),
        "type": renditions.get("fallback_type", "image/jpeg"),
        "length": largest.get("fallback_bytes", 0),
        "width": largest["w"],
        "height": largest["h"],
        "alt": row.get("image_alt") or "",
    }


def entry(row, authors, tags, last_update=None):
    """One story as every feed format needs it; ``last_update``: a live story's newest
    update's time, its updated time if later than the story's own."""
    clean = strip_control_characters
    times = (row["published_at"], row["updated_at"], row["revised_at"], last_update)
    updated = max(t for t in times if t)
    return {
        "id": guid(row["id"]),
        "link": settings.SITE_URL + row["path"],
        "title": clean(row["headline"]),
        "summary": clean(row["dek"]),
        # Embedded videos and maps as plain links: feed readers load no frames.
        "content": absolute_html(embeds_as_links(clean(row["body"]))),
        "authors": [
            {"name": clean(a["name"]), "url": addresses.absolute(addresses.author(a["slug"]))}
            for a in authors
        ],
        "categories": [clean(t["name"]) for t in tags],
        "published": row["published_at"],
        "updated": updated,
        "published_rfc2822": rfc2822(row["published_at"]),
        "published_rfc3339": row["published_at"].isoformat(),
        "updated_rfc3339": updated.isoformat(),
        "image": _image(row),
    }


@dataclass
class Channel:
    title: str
    description: str
    page: str  # the listing's address on the site
    fetch: object  # fetch(now, limit, columns=...) -> rows


def channel(kind, slug, now):
    """Which stories a feed holds, or None for an unknown section, tag or author."""
    site = settings.SITE_NAME
    if kind == "latest":
        return Channel(site, f"The latest stories from {site}", "/", queries.latest)
    finders = {
        # Sections are public from the start; tags and authors once a story is live.
        "section": (
            lambda slug, now: queries.section_by_slug(slug),
            queries.in_section,
            "Stories in",
        ),
        "tag": (queries.tag_by_slug, queries.with_tag, "Stories tagged"),
        "author": (queries.author_by_slug, queries.by_author, "Stories by"),
    }
    find, listing, wording = finders[kind]
    found = find(slug, now)
    if found is None:
        return None
    return Channel(
        f"{site}: {found['name']}",
        f"{wording} {found['name']} from {site}",
        addresses.of(kind, slug),
        lambda now, limit, columns: listing(found["id"], now, limit, columns=columns),
    )


@dataclass
class BuiltFeed:
    # Encoded once when built: a full-content feed runs to a few hundred kilobytes,
    # and encoding it to UTF-8 on every request was a tenth of an uncached feed's cost.
    body: bytes
    etag: str
    last_modified: datetime
    valid_until: datetime | None = None  # a live story's next scheduled update


def build(kind, slug, fmt, now):
    source = channel(kind, slug, now)
    if source is None:
        return None
    rows = source.fetch(now, FEED_LENGTH, columns=queries.STORY_COLUMNS)
    authors, tags = queries.labels([row["id"] for row in rows])
    # One query, and only when the feed lists live coverage: its last update's time.
    covered = live.last_updates([row["id"] for row in rows if row.get("live_started_at")], now)
    items = [
        entry(row, authors[row["id"]], tags[row["id"]], covered.get(row["id"], (None,))[0])
        for row in rows
    ]
    updated = max((item["updated"] for item in items), default=now)
    context = {
        "title": strip_control_characters(source.title),
        "description": strip_control_characters(source.description),
        "page_url": settings.SITE_URL + source.page,
        "self_url": addresses.absolute(addresses.feed(kind, slug, fmt)),
        "feed_id": f"tag:{urlsplit(settings.SITE_URL).hostname},2024:feed:{kind}:{slug}",
        "items": items,
        "updated_rfc2822": rfc2822(updated),
        "updated_rfc3339": updated.isoformat(),
    }
    if fmt == "json":
        body = json_feed(context)
    else:
        body = engines["reader"].get_template(TEMPLATES[fmt]).render(context)
    body = body.encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    upcoming = min((times[1] for times in covered.values() if times[1]), default=None)
    return BuiltFeed(body, etag, updated.replace(microsecond=0), upcoming)


def json_feed(context):
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": context["title"],
        "home_page_url": context["page_url"],
        "feed_url": context["self_url"],
        "description": context["description"],
        "language": settings.SITE_LANGUAGE,
        "items": [json_item(item) for item in context["items"]],
    }
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":"))


def json_item(item):
    """A story as JSON Feed 1.1 (also the read API's shape)."""
    data = {
        "id": item["id"],
        "url": item["link"],
        "title": item["title"],
        "summary": item["summary"],
        "content_html": item["content"],
        "date_published": item["published_rfc3339"],
        "date_modified": item["updated_rfc3339"],
        "authors": item["authors"],
        "tags": item["categories"],
    }
    if item["image"]:
        data["image"] = item["image"]["url"]
    return data


def feed_scope(kind="latest", slug="", fmt="rss"):
    """A section's, tag's or author's feed goes stale with its page; the site's with the
    site and with live updates (it shows live stories' last-update times), as the front."""
    if kind == "latest":
        return LIVE_SCOPE
    return scope(TAG_PAGES if kind == "tag" else kind, slug)


def _built(kind, slug, fmt, now, stamp):
    feed = build(kind, slug, fmt, now)
    until = [fragments.next_publication(stamp, now), feed and feed.valid_until]
    return feed, min((moment for moment in until if moment), default=None)


@reader_page(query=(), scope=feed_scope)
def serve(request, kind="latest", slug="", fmt="rss"):
    now = timezone.now()
    stamp = fragments.stamp(request)
    # Kept under the feed's own stamp too: a live update changes it, not the site's.
    own = fragments.page_stamp(request, feed_scope(kind, slug, fmt))
    feed = fragments.cache.get(
        f"feed:{kind}:{slug}:{fmt}",
        (stamp, own),
        now,
        lambda: _built(kind, slug, fmt, now, stamp),
    )
    if feed is None:
        raise Http404("No such feed.")
    # The newest item's time stands still when one is withdrawn: never earlier than the
    # last change readers could see (the page cache holds every page to the same).
    changed = fragments.last_change(stamp, now) or feed.last_modified
    modified = int(max(feed.last_modified, changed).timestamp())
    not_modified = get_conditional_response(request, etag=feed.etag, last_modified=modified)
    response = not_modified or HttpResponse(feed.body, content_type=addresses.CONTENT_TYPES[fmt])
    response["ETag"] = feed.etag
    response["Last-Modified"] = http_date(modified)
    response.valid_until = feed.valid_until  # a listed live story's scheduled update
    return response
