"""
Rendered pieces that many reader pages share, cached in each worker process.

An entry is kept under the site-wide content stamp (``ContentVersion``), so any
change a reader could see retires it at once, in every worker, without a shared
cache. An entry built from time-dependent data also records when it stops being
true (the next scheduled publication), so a scheduled story appears in the
Latest-stories list at its time even if nothing else changed.

A story page is stored by the page cache under the story's own stamp, not the
site-wide version, so its Latest and Related blocks (which change with *other*
stories) are not baked into it: :func:`block` leaves a hole there, and the page
cache fills it from this cache each time it serves the page (see
``articles.reader.pagecache``). With ``EDGE_ESI`` (an edge that processes ESI,
Varnish), the Latest hole is filled with an ``<esi:include>`` of the block's own
small address instead: the edge keeps the page for hours and the fragment under
the keys every publication purges, so an edge copy's Latest block is as fresh as
the origin's.
"""

import functools
from collections import OrderedDict

from django.conf import settings
from django.template import engines
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from markupsafe import Markup

from ..models.version import scope
from . import addresses, live, queries
from .presenters import present_listing

LATEST_COUNT = 5


class FragmentCache:
    """At most ``max_entries`` entries, the least recently used dropped first."""

    def __init__(self, max_entries=2000):
        self._entries = OrderedDict()
        self.max_entries = max_entries

    def get(self, name, stamp, now, build):
        entry = self._entries.get(name)
        if entry is not None:
            entry_stamp, valid_until, value = entry
            if entry_stamp == stamp and (valid_until is None or now < valid_until):
                self._entries.move_to_end(name)
                return value
        value, valid_until = build()
        self._entries[name] = (stamp, valid_until, value)
        self._entries.move_to_end(name)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return value

    def clear(self):
        self._entries.clear()


cache = FragmentCache()


def stamp(request):
    """The content stamp for this request: read once, by the page cache, for the whole
    request (so the page and the fragments in it agree), else read here."""
    if getattr(request, "content_stamp", None) is None:
        request.content_stamp, _ = queries.content_stamp()
    return request.content_stamp


def read_stamps(request, scope, story_path=None):
    """The site-wide stamp (kept on the request, see :func:`stamp`) and the page's own
    stamp under ``scope`` (None for a page kept under the site-wide version; see
    ``queries.content_stamp``)."""
    request.content_stamp, page_stamp = queries.content_stamp(scope, story_path)
    request.page_stamp = page_stamp[:2] if page_stamp else None
    if page_stamp is not None and story_path is not None:
        # What the story's Related stories are kept under: they change only with a
        # story sharing one of its tags (that story's change stamps the tag), with
        # what every page shows, and with time (a scheduled story: ``next_publication``).
        request.related_stamp = ("tags", page_stamp[0], page_stamp[2])
    return request.content_stamp, page_stamp[:2] if page_stamp else None


def page_stamp(request, scope):
    """The page's own stamp under ``scope`` (see :func:`read_stamps`): read once, by the
    page cache, for the whole request, else read here. For a view that keeps what it
    builds in this cache (the feeds) and must see a change to its scope alone."""
    if not hasattr(request, "page_stamp"):
        read_stamps(request, scope)
    return request.page_stamp


def _moments(stamp, now):
    """queries.moments_and_banner, asked once per content version and then again
    only once the next moment has passed."""

    def build():
        upcoming, last, banner = queries.moments_and_banner(now)
        return (upcoming, last, banner), upcoming

    return cache.get("publication-moments", stamp, now, build)


def next_publication(stamp, now):
    """When the next scheduled story or dated note reaches readers, or the breaking-news
    banner ends (or None): no stored page or fragment is kept past it."""
    return _moments(stamp, now)[0]


def breaking(stamp, now):
    """The breaking-news banner's story ({"headline", "path"}), or None: read with the
    publication moments, so it costs no query of its own. Setting or clearing it
    bumps the shared version (``articles.signals``), and it ends at its time."""
    return _moments(stamp, now)[2]


def last_change(stamp, now):
    """When what readers see last changed (every page's Last-Modified): the content
    version's time, or later, the newest story or note that came out at its scheduled
    time with no change to the database. A withdrawal moves it too, where the newest
    remaining item's time would stand still and keep answering 304s."""
    moments = [moment for moment in (stamp[1], _moments(stamp, now)[1]) if moment]
    return max(moments, default=None)


def _macros():
    return engines["reader"].env.get_template("includes/items.html").module


# With EDGE_ESI, only the newest stories' pages include a Latest fragment of their own
# (leaving them out); every older story page includes one shared fragment, which leaves
# nothing out (``exclude_id`` 0) since they are not among the newest it shows. So a
# publication retires about a dozen fragments at the edge, not one per story page read.
EDGE_OWN_LATEST = 2 * LATEST_COUNT


def _latest_items(stamp, now, count=LATEST_COUNT):
    """(id, item HTML) of the newest live stories: one more than shown (a page leaves
    its own out), or with EDGE_ESI the ``EDGE_OWN_LATEST`` newest."""

    def build():
        limit = max(count + 1, EDGE_OWN_LATEST if settings.EDGE_ESI else 0)
        rows = present_listing(queries.latest(now, limit), with_bylines=False)
        live.mark_listing(rows, now, with_times=False)  # the Live marker, no time (issue 17)
        item = _macros().latest_item
        return [(row["id"], item(row)) for row in rows], next_publication(stamp, now)

    return cache.get("latest", stamp, now, build)


def latest_stories(stamp, now, exclude_id=None, count=LATEST_COUNT):
    """The Latest-stories list as HTML: the newest live stories but ``exclude_id``."""
    items = _latest_items(stamp, now, count)
    # Each item is Markup rendered by an autoescaping template; joining keeps it safe.
    chosen = [html for story_id, html in items if story_id != exclude_id][:count]
    return Markup("").join(chosen)


RELATED_COUNT = 4


def related_stories(stamp, now, story_id, tag_ids, related_stamp=None):
    """A story's Related-stories list as HTML (stories sharing most of its tags), chosen
    and rendered once per content version, or once per ``related_stamp`` (its tags'
    newest stamp, see ``read_stamps``) when the page cache read it: it changes only
    when stories do. Kept under the tags too, so a tag taken off is never forgotten."""

    def build():
        rows = present_listing(
            queries.related(story_id, tag_ids, now, RELATED_COUNT), with_bylines=False
        )
        live.mark_listing(rows, now, with_times=False)  # the Live marker, no time (issue 17)
        item = _macros().latest_item
        return Markup("").join(item(row) for row in rows), next_publication(stamp, now)

    name = f"related:{story_id}:{','.join(map(str, sorted(tag_ids)))}"
    return cache.get(name, related_stamp or ("site", stamp), now, build)


def section_nav(stamp, now):
    """The sections, for the site navigation and the home page's section blocks."""
    return cache.get(
        "sections", stamp, now, lambda: (addresses.linked(queries.sections(), "section"), None)
    )


def navigation(stamp, now):
    """The site navigation, rendered once per content version."""

    def build():
        html = (
            engines["reader"]
            .env.get_template("includes/navigation.html")
            .render(sections=section_nav(stamp, now))
        )
        return Markup(html), None  # noqa: S704  (autoescaped template)

    return cache.get("navigation", stamp, now, build)


SECTION_BLOCK_SIZE = 3


class Blocks(Markup):
    """HTML that goes stale by itself at ``valid_until`` (a scheduled live update moves
    a last-update time it shows), so the page around it is kept no longer."""

    valid_until = None


def section_blocks(stamp, now, shown=(), live_stamp=None):
    """The home page's "latest in each section" blocks, as HTML, leaving out the stories
    ``shown`` (rows) elsewhere on the page: each section is read that many stories
    further, so a block still holds its three when the top and Latest show its newest.
    A live story's card shows its last update's time, as every listing does, so the
    blocks are kept under the ``live`` stamp (``live_stamp``) too, and go stale at its
    next scheduled update (``Blocks.valid_until``)."""
    shown_ids = {row["id"] for row in shown}

    def build():
        sections = section_nav(stamp, now)
        section_ids = {s["slug"]: s["id"] for s in sections}
        extra = {}
        for row in shown:
            if row["section_slug"] in section_ids:
                key = section_ids[row["section_slug"]]
                extra[key] = extra.get(key, 0) + 1
        found = queries.section_heads(list(section_ids.values()), now, SECTION_BLOCK_SIZE, extra)
        by_section = {}
        for row in found:
            if row["id"] not in shown_ids:
                chosen = by_section.setdefault(row["section_slug"], [])
                if len(chosen) < SECTION_BLOCK_SIZE:
                    chosen.append(row)
        rows = [row for rows in by_section.values() for row in rows]
        present_listing(rows, with_bylines=False)
        live.mark_listing(rows, now)  # the Live marker with its last update's time
        blocks = [(s, by_section[s["slug"]]) for s in sections if s["slug"] in by_section]
        html = Blocks(
            engines["reader"].env.get_template("includes/section_blocks.html").render(blocks=blocks)
        )
        html.valid_until = live.listing_valid_until(rows)
        moments = (next_publication(stamp, now), html.valid_until)
        return html, min((moment for moment in moments if moment), default=None)

    # Every reader of page one under one content version is shown the same stories;
    # the key names them anyway, so the blocks can never repeat one.
    key = "section-blocks:" + ",".join(map(str, sorted(shown_ids)))
    return cache.get(key, (stamp, live_stamp), now, build)


def live_part(request, row, now):
    """A live story's part of its page (``live.rendered_part``: key events, pinned
    updates, the first screen of updates, their HTML and JSON-LD), built once per
    change to the story (its stamp, which every update moves) and per content version,
    and again when a scheduled update comes out. The first screen of a story with
    thousands of updates then costs a plain story's render and a lookup here, and a
    stream of updates one build per update in each worker. Older screens (``?before=``,
    ``?at=``) are built for each request: their addresses are too many to keep. None
    for a story that never was live coverage."""
    if row.get("live_started_at") is None:
        return None
    order, before, at = live.arguments(request)  # a 404 for a bad one
    if before is not None or at is not None:
        return live.rendered_part(row, now, order, before, at)
    own = page_stamp(request, scope("story", row["path"]))

    def build():
        part = live.rendered_part(row, now, order)
        return part, part["valid_until"]

    return cache.get(
        f"live:{row['path']}:{order}:{get_language()}", (stamp(request), own), now, build
    )


# --- Blocks filled in when a stored page is served ------------------------------

FILLED = {"latest": latest_stories, "related": related_stories}
BY_REQUEST = {"related": "related_stamp"}  # a finer stamp a block takes from the request
# A block the edge may fill itself (``EDGE_ESI``): the URL name of its fragment, whose
# address takes the block's parameters. Latest changes with every publication, while
# the story page around it changes only with its own story: at the edge, the page is
# then kept (and purged) on its own, and only the small fragment is purged each time.
AT_THE_EDGE = {"latest": "latest-fragment"}


def edge_fills(name):
    """Whether the edge fills hole ``name`` itself (ESI) rather than the page cache."""
    return settings.EDGE_ESI and name in AT_THE_EDGE


def edge_include(name, params, stamp, now):
    """The ESI tag that has the edge fetch block ``name`` for a page with these
    parameters: a story page not among the newest shares the one Latest fragment."""
    if name == "latest" and params["exclude_id"] not in {
        story_id for story_id, _ in _latest_items(stamp, now)[:EDGE_OWN_LATEST]
    }:
        params = {**params, "exclude_id": 0}
    return _esi_tag(AT_THE_EDGE[name], tuple(sorted(params.items())))


@functools.lru_cache(maxsize=4096)
def _esi_tag(url_name, params):
    source = reverse(url_name, kwargs=dict(params))
    return Markup('<esi:include src="{}"/>').format(source)


@functools.cache
def _hole_mark():
    """What marks a hole in a stored page: derived from the secret key, so no story's
    text can forge one; the same in every worker and host sharing the page cache."""
    return salted_hmac("newsroom.reader.fragments.hole", "mark").hexdigest()[:24]


def hole_pattern():
    return rf"<!--{_hole_mark()}:(\d+)-->".encode()


class Hole(Markup):
    """Stands in a stored page for a block filled in when the page is served. It is
    true only if the block has content now, so an ``{% if %}`` around it decides as
    it would for the block; the page cache renders the page again if that changes."""

    shown = True

    def __bool__(self):
        return self.shown


def block(request, name, now, **params):
    """The block ``name`` of ``FILLED`` (Latest or Related stories) for this page: its
    HTML, or a :class:`Hole` when the page cache will store the page (it then lists
    ``request.page_holes``) and fill it on every serve."""
    holes = getattr(request, "page_holes", None)
    if holes is not None and edge_fills(name):
        # The edge fills it on each serve of its copy, so the page always keeps the
        # block's place (an empty list if nothing is left to show), whatever it holds now.
        html = edge_include(name, params, stamp(request), now)
        request.edge_fills = True  # edgekeys: the page itself no longer shows the block
    else:
        finer = {key: getattr(request, key, None) for key in [BY_REQUEST.get(name)] if key}
        html = FILLED[name](stamp(request), now, **params, **finer)
    if holes is None:
        return html
    holes.append((name, params, bool(html)))
    hole = Hole(f"<!--{_hole_mark()}:{len(holes) - 1}-->")
    hole.shown = bool(html)
    return hole


def fill(request, now, holes):
    """The HTML of each hole a stored page lists, as of the request's stamps and ``now``."""
    site = stamp(request)
    filled = []
    for name, params, _ in holes:
        if edge_fills(name):  # the same hole, filled by the edge (ESI)
            filled.append(edge_include(name, params, site, now))
            continue
        finer = {key: getattr(request, key, None) for key in [BY_REQUEST.get(name)] if key}
        filled.append(FILLED[name](site, now, **params, **finer))
    return filled
