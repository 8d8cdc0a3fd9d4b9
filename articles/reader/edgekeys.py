"""
Surrogate keys: what a reader page shows, named so an edge cache (Varnish, Fastly,
Cloudflare) can be told exactly which of its copies a change retires.

The names follow the page cache's own scopes (``articles.models.version``), so the
edge forgets a page exactly when the page cache would render it afresh:

- ``story:<address>``, ``section:<slug>``, ``tag-pages:<slug>``, ``author:<slug>``: a
  scoped page (a story's page, a section's, tag's or author's pages and feeds);
- a story page also names its tags (``tag:<slug>``: its Related stories change with a
  story that shares one) and ``latest`` (its Latest-stories block);
- ``site``: the pages kept under the site-wide version (the front, archives,
  search, corrections, the site's feeds, sitemaps, the API), which every change
  retires; each also names its kind (``front``, ``feeds``, ``sitemaps``, ...) for
  an operator's manual purge;
- ``live``: the front, archives, search and the site's feeds, which show live stories'
  last-update times (issue 17): a live update purges it with its story's, section's,
  tags' pages' and authors' keys, never ``site``;
- ``all``: every page (navigation, bylines' names, photos): a change that reaches
  every page (a content version bump ``everywhere``) purges it.

A change to one story purges its scopes before and after the change (the same set
``articles.signals`` stamps), plus ``site``; a withdrawal also purges ``latest``,
so no Latest block at the edge keeps a story readers may no longer see. Without
ESI, a publication or correction leaves other story pages' Latest blocks to their
edge lifetime (the page cache fills them afresh on each serve; the edge cannot).
With ``EDGE_ESI`` the edge fills that block itself from the Latest fragment
(``fragments.AT_THE_EDGE``), a site-wide page (``all site latest``) that every
change purges: a story page then no longer names ``latest``, and keeps its edge
copy through other stories' publications and withdrawals.

Keys are ASCII without spaces or commas (the separators of the ``xkey``,
``Surrogate-Key`` and ``Cache-Tag`` headers): a slug in another script is
percent-encoded.

A page carries its keys only in the header its edge reads (:data:`BACKEND_HEADERS`:
Varnish's ``xkey``, Fastly's ``Surrogate-Key``, Cloudflare's ``Cache-Tag``), and none
without an edge to purge (``EDGE_PURGE_BACKEND=none``, the default): every header a
page sends is work for gunicorn on every hit (its checks cost ~7,500 instructions a
header, ``bench/gunicorn_costs.py``), and keys nobody reads are bytes for nothing.
The page cache keys stored pages by the backend too (``pagecache.page_key``), so a
hit always carries exactly the headers a render under the same settings would.
"""

import functools
from urllib.parse import quote

from django.conf import settings
from django.urls import Resolver404, resolve

from ..models.live import LIVE_SCOPE

ALL = "all"
SITE = "site"
LATEST = "latest"
# The kind of each site-wide page, by URL name (for an operator's manual purge).
KINDS = {
    "front": "front",
    "feed": "feeds",
    "feed-atom": "feeds",
    "feed-json": "feeds",
    "corrections": "corrections",
    "search": "search",
    "archive": "archive",
    "archive-year": "archive",
    "archive-month": "archive",
    "archive-day": "archive",
    "sitemap": "sitemaps",
    "sitemap-stories": "sitemaps",
    "sitemap-section": "sitemaps",
    "news-sitemap": "sitemaps",
    "robots": "sitemaps",
    "api-articles": "api",
    "api-article": "api",
    "latest-fragment": LATEST,  # the Latest block the edge fills story pages with (ESI)
}
# The header each edge reads a page's keys from, and their separator, by
# EDGE_PURGE_BACKEND: the xkey vmod (deploy/varnish/default.vcl), Fastly, Cloudflare.
BACKEND_HEADERS = {
    "none": (),
    "varnish": (("xkey", " "),),
    "fastly": (("Surrogate-Key", " "),),
    "cloudflare": (("Cache-Tag", ","),),
}


@functools.lru_cache(maxsize=4096)
def key(scope):
    """The surrogate key of a page-cache scope ("story:/2026/11/28/slug/", "tag:rain"),
    quoted once per process: a story page names its own and its tags' on every render."""
    return quote(scope, safe="/:-_.~@")


def shows(request, *scopes):
    """A view names scopes its page shows beyond its own (a story page: its tags)."""
    extra = request.__dict__.setdefault("edge_scopes", [])
    extra.extend(scopes)


@functools.lru_cache(maxsize=4096)
def _kind(path, urlconf):
    """The kind of page at ``path`` ("front", "feeds", ...), or None."""
    try:
        name = resolve(path, urlconf).url_name or ""
    except Resolver404:
        return None
    return "feeds" if "-feed-" in name else KINDS.get(name)


def page_keys(request):
    """The keys of the reader page answering ``request`` (after ``is_reader_page``)."""
    scope = getattr(request, "reader_scope", None)
    keys = [ALL, SITE if scope is None else key(scope)]
    if scope == LIVE_SCOPE:  # the front...: site-wide, and the live updates' times (issue 17)
        keys.insert(1, SITE)
    if scope and scope.startswith("story:") and not getattr(request, "edge_fills", False):
        keys.append(LATEST)  # its Latest block is part of it (not an ESI include)
    kind = _kind(request.path_info, getattr(request, "urlconf", None) or settings.ROOT_URLCONF)
    if kind:
        keys.append(kind)
    keys.extend(key(extra) for extra in getattr(request, "edge_scopes", ()))
    return list(dict.fromkeys(keys))


def label(request, response):
    """Put the page's keys on a response that readers share (and the page cache stores),
    in the header the configured edge reads; nothing when no edge is told of changes."""
    headers = BACKEND_HEADERS.get(settings.EDGE_PURGE_BACKEND, ())
    if not headers:
        return
    keys = page_keys(request)
    for header, separator in headers:
        response[header] = separator.join(keys)


def change_keys(scopes=(), everywhere=False, withdrawn=False):
    """The keys a change retires: ``all`` for one that reaches every page, else the
    site-wide pages and its scopes (before and after), and ``latest`` for a story
    readers could see and now cannot."""
    if everywhere:
        return [ALL]
    keys = [SITE, *sorted(key(scope) for scope in set(scopes))]
    if withdrawn:
        keys.append(LATEST)
    return keys
