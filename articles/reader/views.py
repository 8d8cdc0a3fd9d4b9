"""
The reader site: front page, story pages and the listings.

Views stay short: they read plain rows from ``articles.reader.queries`` (all resting on
the LIVE rule), hand them to ``articles.reader.presenters`` and render a Jinja2
template. Any bad input a reader can type into a URL ends in a 404.
"""

import functools
import sys
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.template import engines
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from ..models.live import LIVE_SCOPE
from ..models.version import TAG_PAGES, scope
from . import addresses, edgekeys, fragments, live, metadata, queries, search
from .addresses import feed_links, feeds_of
from .pagecache import reader_page
from .paging import Page, page_number
from .presenters import present_lead, present_listing, present_notes, present_story


def render(request, template, context, status=200):
    if "now" not in context:
        context["now"] = timezone.now()
    if "stamp" not in context:
        context["stamp"] = fragments.stamp(request)
    context["navigation"] = fragments.navigation(context["stamp"], context["now"])
    context["breaking"] = fragments.breaking(context["stamp"], context["now"])
    context.setdefault("live", None)
    context.setdefault("feed", None)
    context["feed_links"] = feed_links(context.get("feed_title", ""), context["feed"])
    context["own_feeds"] = feeds_of(*context["feed"]) if context["feed"] else []
    if "meta" not in context:
        context["meta"] = metadata.page(request, status)
    html = engines["reader"].get_template(template).render(context, request)
    response = HttpResponse(html, status=status)
    page = context.get("page")
    shown = [*(page.stories if page else []), context.get("lead"), *context.get("secondary", [])]
    response.valid_until = live.listing_valid_until(shown)  # a scheduled live update
    return response


def story_page(request, fetch, now, also=()):
    """The page of stories ``?page=`` asks for, ``fetch(now, limit, offset)`` giving them,
    presented with ``also`` (other rows shown on the same page), a live story's with
    its last-update time: every listing is re-stamped by a live update (the front,
    archives and search under the ``live`` stamp, sections, tags and authors by
    ``articles.models.live.live_scopes``)."""
    page = Page.fetch(
        page_number(request.GET.get("page")), lambda limit, offset: fetch(now, limit, offset)
    )
    present_listing(page.stories + list(also), now=now)
    return page


def listing(request, fetch, title, description, **context):
    now = timezone.now()
    page = story_page(request, fetch, now)
    return render(
        request,
        "listing.html",
        {
            "page": page,
            "now": now,
            "title": title,
            "lead": None,
            "secondary": [],
            "meta": metadata.listing(request, title, description, page.stories),
            **context,
        },
    )


def shown(lead, secondary, page):
    """The stories a front shows, in order, for its ItemList."""
    return [story for story in [lead, *secondary] if story] + page.stories


def top_of_front(request, section_id, now, fallback_lead, fetch):
    """A front's lead and secondary stories (pinned by editors, else the newest; as
    many as the front's layout holds) and the page of the rest. Pagination stays
    consistent: the pinned stories are left out of every page, and page one's list
    gives its first stories to the secondary row."""
    top, pins = queries.front_top(section_id, now)
    lead = pins[0] if pins else fallback_lead()
    secondary = pins[1:]
    shown = [story["id"] for story in [lead, *secondary] if story]
    page = story_page(
        request,
        lambda now, limit, offset: fetch(now, limit, offset, shown),
        now,
        also=[s for s in [lead, *secondary] if s],
    )
    if page.number > 1:
        return None, [], page
    missing = top - 1 - len(secondary)
    if missing > 0:
        secondary, page.stories = secondary + page.stories[:missing], page.stories[missing:]
    return (present_lead(lead) if lead else None), secondary, page


@reader_page(query=("page",), scope=lambda: LIVE_SCOPE)
def front(request):
    """The home page: the lead, the stories beside it, the latest per section, then the rest."""
    now = timezone.now()
    lead, secondary, page = top_of_front(
        request,
        None,
        now,
        lambda: queries.lead(now) or next(iter(queries.latest(now, 1)), None),
        lambda now, limit, offset, shown: queries.latest(now, limit, offset, exclude_ids=shown),
    )
    stamp = fragments.stamp(request)
    blocks = (
        fragments.section_blocks(
            stamp, now, shown(lead, secondary, page), fragments.page_stamp(request, LIVE_SCOPE)
        )
        if page.number == 1
        else None
    )
    response = render(
        request,
        "front.html",
        {
            "page": page,
            "now": now,
            "stamp": stamp,
            "lead": lead,
            "secondary": secondary,
            "section_blocks": blocks or "",
            "meta": metadata.listing(
                request, settings.SITE_NAME, "", shown(lead, secondary, page), front=True
            ),
        },
    )
    if blocks is not None and blocks.valid_until:  # a scheduled live update in a block
        moments = (response.valid_until, blocks.valid_until)
        response.valid_until = min(moment for moment in moments if moment)
    return response


def story_path(year, month, day, slug):
    return f"/{year:04d}/{month:02d}/{day:02d}/{slug}/"


@reader_page(
    query=("order", "before", "at"), scope=lambda **address: scope("story", story_path(**address))
)
def story(request, year, month, day, slug):
    now = timezone.now()
    path = story_path(year, month, day, slug)
    row = queries.story(path, now)
    if row is None:
        moved_to = queries.moved_story(path, now)
        if moved_to:
            return HttpResponsePermanentRedirect(moved_to)
        raise Http404("No such story.")
    stamp = fragments.stamp(request)
    live_part = fragments.live_part(request, row, now)  # None unless it is live coverage
    story = present_story(row, now, live_part)
    tag_ids = [tag["id"] for tag in story["tags"]]
    edgekeys.shows(request, *(scope("tag", tag["slug"]) for tag in story["tags"]))  # Related
    response = render(
        request,
        "story.html",
        {
            "story": story,
            "live": live_part,
            "meta": story["sharing"],
            "related": fragments.block(
                request, "related", now, story_id=row["id"], tag_ids=tag_ids
            ),
            "latest": fragments.block(request, "latest", now, exclude_id=row["id"]),
            "now": now,
            "stamp": stamp,
        },
    )
    if live_part:
        live.splice(response, live_part)  # its HTML and BlogPostings, encoded once
    if live_part and live_part["valid_until"]:
        response.valid_until = live_part["valid_until"]  # a scheduled update comes out
    return response


@reader_page(query=())
def latest_fragment(request, exclude_id):
    """A story page's Latest-stories block alone (its list items), for an edge that fills
    the page's hole itself (``EDGE_ESI``, ``fragments.AT_THE_EDGE``). Kept like the front,
    under the site-wide version (surrogate keys ``all site latest``), so every change
    purges it while the pages including it stay cached. Public stories only, as every
    reader page; ``exclude_id`` is only left out of the list, so any number is harmless
    (0, which no story has, is the fragment older stories' pages share)."""
    now = timezone.now()
    html = fragments.latest_stories(fragments.stamp(request), now, exclude_id=exclude_id)
    response = HttpResponse(html)
    response["X-Robots-Tag"] = "noindex"  # a piece of pages, not a page
    return response


@reader_page(query=("page",), scope=lambda slug: scope("section", slug))
def section(request, slug):
    """A section front: pinned stories (else the newest) on top, then the rest."""
    found = queries.section_by_slug(slug)
    if found is None:
        raise Http404("No such section.")
    now = timezone.now()
    lead, secondary, page = top_of_front(
        request,
        found["id"],
        now,
        lambda: next(iter(queries.in_section(found["id"], now, 1)), None),
        lambda now, limit, offset, shown: queries.in_section(
            found["id"], now, limit, offset, exclude_ids=shown
        ),
    )
    return render(
        request,
        "listing.html",
        {
            "page": page,
            "now": now,
            "title": found["name"],
            "intro": found["description"],
            "kind": "section",
            "lead": lead,
            "secondary": secondary,
            "feed": ("section", slug),
            "feed_title": found["name"],
            "meta": metadata.listing(
                request,
                found["name"],
                found["description"]
                or gettext("The latest %(section)s stories from %(site)s.")
                % {"section": found["name"], "site": settings.SITE_NAME},
                shown(lead, secondary, page),
            ),
        },
    )


@reader_page(query=("page",), scope=lambda slug: scope(TAG_PAGES, slug))
def tag(request, slug):
    found = queries.tag_by_slug(slug, timezone.now())
    if found is None:
        renamed = queries.renamed_tag(slug)
        if renamed:
            return HttpResponsePermanentRedirect(addresses.tag(renamed))
        raise Http404("No such tag.")
    return listing(
        request,
        lambda now, limit, offset: queries.with_tag(found["id"], now, limit, offset),
        title=found["name"],
        description=gettext("Stories tagged %(tag)s from %(site)s.")
        % {"tag": found["name"], "site": settings.SITE_NAME},
        intro="",
        kind="tag",
        feed=("tag", slug),
        feed_title=found["name"],
    )


@reader_page(query=("page",), scope=lambda slug: scope("author", slug))
def author(request, slug):
    found = queries.author_by_slug(slug, timezone.now())
    if found is None:
        raise Http404("No such author.")
    return listing(
        request,
        lambda now, limit, offset: queries.by_author(found["id"], now, limit, offset),
        title=found["name"],
        description=found["bio"]
        or gettext("Stories by %(author)s in %(site)s.")
        % {"author": found["name"], "site": settings.SITE_NAME},
        intro=found["bio"],
        kind="author",
        feed=("author", slug),
        feed_title=found["name"],
    )


def _listing_live(**_):
    """A page kept under the site-wide version that lists stories with their last-update
    times (archives, search): kept under the live updates' stamp too, as the front."""
    return LIVE_SCOPE


@reader_page(query=("page",), scope=_listing_live)
def archive(request, year, month=None, day=None):
    """Stories of one year, month or day in the newsroom's zone.

    An impossible date, or one with no stories, is a 404.
    """
    try:
        start = timezone.make_aware(
            datetime(year, 1 if month is None else month, 1 if day is None else day)
        )
        if day is not None:
            end = timezone.make_aware(datetime(year, month, day) + timedelta(days=1))
            title = f"{start:%B} {day}, {year}"
        elif month is not None:
            end = timezone.make_aware(datetime(year + month // 12, month % 12 + 1, 1))
            title = f"{start:%B %Y}"
        else:
            end, title = timezone.make_aware(datetime(year + 1, 1, 1)), str(year)
    except (ValueError, OverflowError):
        raise Http404("No such date.") from None
    now = timezone.now()
    page = story_page(request, functools.partial(queries.between, start, end), now)
    if not page.stories:
        raise Http404("No stories on that date.")
    return render(
        request,
        "listing.html",
        {
            "page": page,
            "now": now,
            "title": f"Stories from {title}",
            "intro": "",
            "kind": "archive",
            "lead": None,
            "secondary": [],
            "meta": metadata.listing(
                request,
                f"Stories from {title}",
                gettext("Stories %(site)s published in %(period)s.")
                % {"site": settings.SITE_NAME, "period": title},
                page.stories,
            ),
        },
    )


@reader_page(scope=_listing_live)
def search_page(request):
    """Full-text search; any query a reader can type gets results or "nothing found"."""
    query = request.GET.get("q", "").strip()[: search.MAX_QUERY_LENGTH]
    now = timezone.now()
    page = story_page(
        request,
        lambda now, limit, offset: search.search(query, now, limit, offset) if query else [],
        now,
    )
    # Results pages are not indexed; their address is still their own (query and page).
    meta = metadata.head(
        metadata.site_description(),
        url=metadata.canonical(request, keep=("q", "page")),
        json_ld={"@context": metadata.SCHEMA, **metadata.organization()},
        robots="noindex, follow",
    )
    context = {"page": page, "query": query, "now": now, "meta": meta}
    return render(request, "search.html", context)


@reader_page(query=("page",))
def corrections(request):
    """Every correction to a live story, newest first."""
    now = timezone.now()
    page = Page.fetch(
        page_number(request.GET.get("page")),
        lambda limit, offset: queries.all_corrections(now, limit, offset),
    )
    return render(
        request,
        "corrections.html",
        {"notes": present_notes(page.stories), "page": page, "now": now},
    )


def not_found(request, exception=None):
    return render(request, "404.html", {}, status=404)


def database_unreachable():
    """Whether the error being handled is the database failing (a restart, a failover)."""
    return isinstance(sys.exc_info()[1], OperationalError | InterfaceError)


def server_error(request):
    """The error page, with no database work: the error may be the database.

    When the database cannot be reached (a restart, a failover) the answer is a
    503 with Retry-After, which load balancers and crawlers take as "come back
    soon"; Django closes the broken connection and the next request reconnects.
    """
    unreachable = database_unreachable()
    status = 503 if unreachable else 500
    html = engines["reader"].get_template(f"{status}.html").render({}, request)
    response = HttpResponse(html, status=status)
    if unreachable:
        response["Retry-After"] = "10"
    response["Cache-Control"] = "no-store"
    return response


def favicon(request):
    """``/favicon.ico``, which browsers and crawlers ask for whatever a page links: the
    icon among the static files (pages link it there, with its content hash)."""
    response = HttpResponseRedirect(static("favicon.ico"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


@reader_page
def web_manifest(request):
    """The web app manifest: the name and icons a phone uses for a saved shortcut."""
    icons = [
        ("icons/icon-192.png", "192x192", "any"),
        ("icons/icon-512.png", "512x512", "any"),
        ("icons/icon-maskable-512.png", "512x512", "maskable"),
    ]
    data = {
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME[:12],
        "start_url": reverse("front"),
        "display": "browser",
        "background_color": "#fffdf9",
        "theme_color": "#9b1c1c",
        "lang": settings.SITE_LANGUAGE,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in icons
        ]
        + [{"src": static("icons/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(
        metadata.json_for_script(data), content_type="application/manifest+json; charset=utf-8"
    )
