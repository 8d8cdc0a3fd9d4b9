"""
The page cache: whole reader pages kept for anonymous readers, and the headers
that let a CDN and browsers keep them too.

Exact invalidation comes from stamps bumped in the same transaction as any change
a reader could see (``articles.models.version``): a page is stored under the stamp
it was rendered from, so the first request after a change renders afresh, on
every worker and host, with no purge to send. A page built while a story is
scheduled is kept no longer than that story's time, so the story appears at its
minute on cached pages too.

Which stamp: pages that show the whole site (the front, archives, search, the
site's feeds, sitemaps, the API) are kept under the site-wide content version,
which every change bumps; they are few. A view that names a *scope*
(``reader_page(scope=...)``: a story's page, a section's, tag's or author's pages
and feeds) is kept under that scope's own stamp and the shared version instead, so
publishing story B re-renders the front, B's section, tags and authors, and B, but
not the ~400 other story pages and ~250 other listings a busy site serves: before
this, every publication cost every stored page on every worker one render. The
blocks of a story page that change with *other* stories (Latest and Related
stories) are not part of what is stored: the page keeps holes there
(``fragments.block``) and each serve fills them from the per-process fragments:
Latest rendered once per content version, Related once per change to a story
sharing one of its tags (the newest of its tags' stamps; a related list costs a
query of ~10 ms on 20,000 stories, and there are as many as story pages). Its ETag
is then a digest of the stored page and the blocks, and its Last-Modified the
site's, so 304s stay exact. All the stamps come from one one-row query
(``queries.content_stamp``: a few index lookups), as before.

What is never stored: a response to a request carrying a session cookie (editors
see the live site), a response that sets a cookie or depends on one, anything
private or no-store (previews), anything but a 200, and any view that did not
opt in with :func:`reader_page`.

Django's own cache middleware was not used: it keys pages by URL alone (so a
change shows only when the entry times out), takes its lifetime from
``max-age`` and knows nothing of scheduled publications.

Publishing under load: a change retires every stored page at once, and with a
shared cache (Redis) every worker of every host would render the same page at
the same moment. So for ``PAGE_CACHE_GRACE`` seconds (5; 0 turns it off) after
a change, one request per page takes a lock (``cache.add``) and renders it;
the others get the copy stored under the version this worker last saw, marked
not to be kept by a CDN. The bound is exact, withdrawals included: a worker
that saw version V current at time T and now sees a newer one knows the change
happened after T, and serves V's copy only while ``now - T <= grace``. A page
that is not locked by another render, or whose previous copy is older than
that, is rendered as before. (Within one sync worker, requests never overlap,
so with the per-process cache the lock always succeeds: a change already costs
one render per page per worker there.)

The cache is an optimisation, never a dependency: when it fails (Redis stopped)
pages are rendered from the database, the failure is logged, and the cache is
tried again a few seconds later.
"""

import functools
import hashlib
import logging
import re
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseNotModified, QueryDict
from django.http.response import ResponseHeaders
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe, urlencode

from ..models.live import LIVE_SCOPE
from . import edgekeys, encoding, fragments

logger = logging.getLogger(__name__)

RETRY_AFTER_FAILURE = 5  # seconds without the cache after it failed
# Not stored with a page: set again on each serve (or never sent from the cache).
_UNSAFE_HEADERS = {"set-cookie", "date", "cache-control", "content-length", "etag", "last-modified"}
PAGE_CACHE = "articles.reader.pagecache.PageCacheMiddleware"
KEY_FORMAT = 4  # bumped when Entry changes: another format's entries are never read

# The settings every hit reads (and newsroom.metrics, for every request).
HIT_SETTINGS = (
    "PAGE_CACHE",
    "PAGE_CACHE_SECONDS",
    "CDN_MAX_AGE",
    "CDN_STALE_SECONDS",
    "SESSION_COOKIE_NAME",
    "ROOT_URLCONF",
    "EDGE_PURGE_BACKEND",
)
_hit_settings = None


def hit_settings():
    """:data:`HIT_SETTINGS`' values, read once per process (and again after one changes:
    ``override_settings`` sends ``setting_changed``). Each ``settings.NAME`` is a call
    of LazySettings' ``__getattribute__`` in Python and an AttributeError raised and
    caught inside it (its ``_mask_wrapped`` check): ~2,000 instructions, and a hit read
    ten of them; here each is an attribute of a plain object."""
    global _hit_settings
    if _hit_settings is None:
        _hit_settings = SimpleNamespace(**{name: getattr(settings, name) for name in HIT_SETTINGS})
    return _hit_settings


@receiver(setting_changed)
def _hit_setting_changed(setting, **kwargs):
    global _hit_settings
    if setting in HIT_SETTINGS:
        _hit_settings = None


def reader_page(view=None, *, query=None, scope=None):
    """Mark a view whose 200 answers are the same for every anonymous reader.

    ``query`` names the query parameters the view reads, if it says: the page is
    then kept under those alone, so ``?utm_source=...`` or a random string is
    served the readers' copy instead of costing a render each. Unsaid (None),
    the whole query string is part of the key.

    ``scope``, given the view's URL arguments, names the scope of pages it belongs
    to (see ``articles.models.version``): its page is then kept under that scope's
    stamp instead of the site-wide version. Only a view whose page changes with
    nothing outside its scope but what every page shows may say one, and it must
    leave a hole (``fragments.block``) where it shows other stories.

    The view may set ``response.valid_until`` (an aware datetime) when its page
    stops being true for a reason other than a scheduled publication.
    """

    def mark(view):
        view.reader_page = True
        view.reader_query = query
        view.reader_scope = scope
        return view

    return mark if view is None else mark(view)


def is_reader_page(request):
    if request.method not in {"GET", "HEAD"}:
        return False
    urlconf = getattr(request, "urlconf", None) or hit_settings().ROOT_URLCONF
    found = reader_address(request.path_info, urlconf)
    request.reader_query, request.reader_scope, request.reader_story = found[1:]
    return found[0]


@functools.lru_cache(maxsize=4096)
def reader_address(path, urlconf):
    """(is a reader page, the query it reads, its scope, the story's address if it is
    one) for an address: resolving it is a tenth of a stored page's cost, and an
    address always resolves the same way within a process (the LRU bounds what
    random addresses can fill)."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False, None, None, None
    view = match.func
    scope = view.reader_scope(**match.kwargs) if getattr(view, "reader_scope", None) else None
    story = scope[len("story:") :] if scope and scope.startswith("story:") else None
    return getattr(view, "reader_page", False), getattr(view, "reader_query", None), scope, story


@dataclass
class Entry:
    status: int
    headers: list
    content: bytes
    etag: str
    last_modified: float
    valid_until: datetime | None
    # A page with holes (fragments.block): ``parts`` are the stored bytes around them,
    # ``order`` which hole comes after each part, ``holes`` (name, params, shown).
    parts: list | None = None
    order: list | None = None
    holes: list | None = None
    # ``content`` gzipped (articles.reader.encoding), made once per entry.
    gzipped: bytes | None = None

    # Kept once, compressed: the page cache holds each page's gzipped bytes only (and a
    # page with holes, its parts deflated), not the page beside them, so the same memory
    # holds about four times the pages. Whole pages falling out of a worker's cache, not
    # publications, were most of the renders under load (bench/renders.py, issue 13),
    # and inflating 30 KB costs a few dozen microseconds against a render's 10-50 ms.
    # Only a client without gzip (or a filled story page) needs the page itself, which
    # is then inflated once per copy read from the cache.
    def __getstate__(self):
        state = dict(self.__dict__)
        if self.gzipped:
            state.pop("content", None)  # inflated from ``gzipped`` when asked for
        if self.parts is not None:
            state["parts"] = (
                [len(part) for part in self.parts],
                zlib.compress(b"".join(self.parts), encoding.LEVEL),
            )
        return state

    def __setstate__(self, state):
        if state.get("parts") is not None:
            lengths, packed = state["parts"]
            joined, parts, start = zlib.decompress(packed), [], 0
            for length in lengths:
                parts.append(joined[start : start + length])
                start += length
            state["parts"] = parts
        self.__dict__.update(state)

    def __getattr__(self, name):
        """``content`` left out of the stored copy: the gzipped bytes, inflated (once)."""
        gzipped = self.__dict__.get("gzipped")
        if name != "content" or not gzipped:
            raise AttributeError(name)
        self.content = encoding.decompress(gzipped)
        return self.content

    def compressed(self):
        """The gzipped page, or None if it is not worth compressing (kept as b"")."""
        if self.gzipped is None and self.holes is None:
            content_type = dict((k.lower(), v) for k, v in self.headers).get("content-type")
            worth = encoding.compressible(content_type, self.content)
            self.gzipped = encoding.compress(self.content) if worth else b""
        return self.gzipped or None

    def response(self, request):
        """The page as sent to ``request``'s client: gzipped if it takes gzip. (The
        stored headers already say Vary: Accept-Encoding.)"""
        return Ready(self).response(request)

    def filled(self, request, now, strict=True):
        """The page with its holes filled as of the request's stamps and ``now`` (an
        Entry without holes); None (if ``strict``) if a block appeared or emptied since
        the page was rendered (the markup around it would differ: render it again)."""
        blocks = fragments.fill(request, now, self.holes)
        stamp = request.content_stamp
        if strict and any(
            bool(html) != shown for html, (_, _, shown) in zip(blocks, self.holes, strict=True)
        ):
            return None
        encoded = [html.encode() for html in blocks]
        pieces = [self.parts[0]]
        for hole, part in zip(self.order, self.parts[1:], strict=True):
            pieces += [encoded[hole], part]
        digest = hashlib.blake2b(self.etag.encode(), digest_size=16)
        for html in encoded:
            digest.update(b"\0" + html)
        changed = fragments.last_change(stamp, now)
        last_modified = max(self.last_modified, int(changed.timestamp()) if changed else 0)
        until = (self.valid_until, fragments.next_publication(stamp, now))
        valid_until = min((moment for moment in until if moment), default=None)
        return Entry(
            self.status,
            self.headers,
            b"".join(pieces),
            f'"{digest.hexdigest()}"',
            last_modified,
            valid_until,
        )


# What a 304 made from a stored page carries (lower-cased): the headers
# django.utils.cache's _not_modified copies, and SecurityMiddleware's (headers_from_above).
_NOT_MODIFIED_KEEPS = (
    "cache-control",
    "content-location",
    "date",
    "etag",
    "expires",
    "last-modified",
    "vary",
    "x-content-type-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "strict-transport-security",
)


class Ready:
    """An entry ready to send, kept with it in :data:`recent`: each encoding's body and
    its whole header list, built once per process and entry instead of on every hit.

    Setting a header on a response checks and converts its name and value
    (``ResponseHeaders.__setitem__``); a stored page has a dozen (the CSP, the edge's
    keys, Vary...) plus its validators, and doing that on every hit cost more than
    the rest of building the response. The headers here went through that check when
    the page was rendered (they are the rendered response's own, ``Entry.headers``), so
    the prepared list is exactly what setting them one by one makes, and it is copied
    into each response as it is: the same headers, in the same order, as before."""

    __slots__ = ("entry", "variants")

    def __init__(self, entry):
        self.entry = entry
        self.variants = {}  # takes gzip → (body, {lowercased name: (name, value)})

    def variant(self, gzipped):
        found = self.variants.get(gzipped)
        if found is None:
            entry = self.entry
            compressed = entry.compressed() if gzipped else None
            content = compressed or entry.content
            headers = [*entry.headers]
            if compressed:
                headers.append(("Content-Encoding", "gzip"))
            headers += [
                ("Content-Length", str(len(content))),
                ("ETag", encoding.gzip_etag(entry.etag) if compressed else entry.etag),
                ("Last-Modified", http_date(entry.last_modified)),
            ]
            store = ResponseHeaders(headers)._store  # checked once, here
            # A 304 carries what Django's get_conditional_response copies onto one, and
            # what SecurityMiddleware above would add to it (stored with the page).
            kept = {name: store[name] for name in _NOT_MODIFIED_KEEPS if name in store}
            found = self.variants[gzipped] = (content, store, kept)
        return found

    def response(self, request):
        """A new response for ``request`` (gzipped if it takes gzip), as
        ``Entry.response`` made it header by header."""
        content, store, _ = self.variant(encoding.accepts_gzip(request))
        # Its own Content-Type given, so the response does not make a default one first
        # (from the charset setting and a regular expression) only to have it replaced.
        content_type = store.get("content-type", (None, None))[1]
        response = HttpResponse(content, status=self.entry.status, content_type=content_type)
        response.headers._store.update(store)
        return response

    def not_modified(self, request):
        """A 304 if the client sent back exactly this copy's ETag in If-None-Match and no
        other precondition, as get_conditional_response answers it; else None (Django's
        own check then decides: several tags, weak ones, dates, If-Match...)."""
        meta = request.META
        if "HTTP_IF_MATCH" in meta or "HTTP_IF_UNMODIFIED_SINCE" in meta:
            return None
        _, store, kept = self.variant(encoding.accepts_gzip(request))
        if meta.get("HTTP_IF_NONE_MATCH") != store["etag"][1]:
            return None
        # A content type given (which a 304 then drops), so none is made first from the
        # charset setting and a regular expression.
        response = HttpResponseNotModified(content_type="")
        response.headers._store.update(kept)
        return response


class CacheHealth:
    """Skips the cache for a few seconds after a failure and logs failures sparingly."""

    def __init__(self):
        self.down_until = 0.0
        self.failures = 0

    def usable(self):
        return time.monotonic() >= self.down_until

    def failed(self, action):
        self.failures += 1
        if self.down_until == 0.0 or self.failures % 100 == 1:
            logger.exception("page cache unavailable (%s); serving from the database", action)
        self.down_until = time.monotonic() + RETRY_AFTER_FAILURE

    def recovered(self):
        if self.down_until:
            logger.warning("page cache available again after %d failures", self.failures)
        self.down_until, self.failures = 0.0, 0


health = CacheHealth()


class Recent:
    """The pages this process served last, ready to serve (holes filled), by page key.

    What is stored under a key never changes (the key holds the stamps it was
    rendered under), so a copy here is as exact as the cache's, until its
    ``valid_until``; a filled story page also only while the site-wide and related
    stamps it was filled under are current. It saves reading (unpickling) the entry
    and filling the holes on each request: a hit costs a dictionary lookup."""

    # Each kept page holds its body in both encodings beside the cache's pickled copy:
    # the worker's memory bound (100 MB, issue 13) counts them twice.
    def __init__(self, max_entries=120):
        self.entries = OrderedDict()
        self.max_entries = max_entries

    def get(self, key, request, now):
        """The page's :class:`Ready` copy, or None."""
        found = self.entries.get(key)
        if found is None:
            return None
        ready, stamps = found
        until = ready.entry.valid_until
        if stamps != self.stamps(request) or (until and now >= until):
            return None
        self.entries.move_to_end(key)
        return ready

    def put(self, key, entry, request):
        """Keep ``entry`` (ready to serve) and return its :class:`Ready` copy."""
        ready = Ready(entry)
        self.entries[key] = (ready, self.stamps(request))
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)
        return ready

    @staticmethod
    def stamps(request):
        return request.content_stamp, getattr(request, "related_stamp", None)

    def clear(self):
        self.entries.clear()


recent = Recent()


class Seen:
    """The content version this process saw last, and the version before it with the
    last moment this process saw that one current: the change happened after it."""

    def __init__(self):
        self.version = None
        self.before = None  # (version, monotonic time last seen current)
        self.at = 0.0

    def observe(self, version, now):
        """Record ``version`` as current at ``now``; returns the previous version and
        when it was last seen current (None if unknown, or if ``version`` is not the
        newest this process has seen)."""
        if self.version is None or version > self.version:
            if self.version is not None:
                self.before = (self.version, self.at)
            self.version = version
        if version != self.version:
            return None
        self.at = now
        return self.before


seen = Seen()


@functools.cache
def release():
    """A fingerprint of the reader templates and static files, taken once per worker:
    pages stored by an older release (other markup, other CSS) are never served."""
    digest = hashlib.blake2b(digest_size=8)
    for folder in (settings.BASE_DIR / "templates" / "reader", settings.BASE_DIR / "static"):
        for file in sorted(folder.rglob("*")):
            if file.is_file():  # contents, not times: every host of a release agrees
                digest.update(str(file.relative_to(settings.BASE_DIR)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def cache_address(request):
    """The page's address as the cache tells pages apart (see ``reader_page``)."""
    names = getattr(request, "reader_query", None)
    if names is None:
        return request.get_full_path()
    query = request.META.get("QUERY_STRING")
    if not query:
        return request.path  # what kept_query makes of no query, without parsing one
    # The bytes request.GET parses: a WSGI string holds them as latin-1 (PEP 3333).
    raw = query.encode("iso-8859-1") if isinstance(request, WSGIRequest) else query
    return request.path + kept_query(raw, tuple(names), request.encoding)


@functools.lru_cache(maxsize=4096)
def kept_query(raw, names, encoding):
    """The query string a page is kept under: the parameters it reads (``names``), as
    ``request.GET`` parses them from the same ``raw`` string, sorted ("" for none).
    A function of its arguments alone, so kept per process: a live story's readers all
    poll its updates endpoint with the same ``?after=``, and parsing it into a QueryDict
    and encoding it again cost that 304 more than the rest of its page key."""
    found = QueryDict(raw, encoding=encoding)
    pairs = sorted((name, value) for name in names for value in found.getlist(name))
    return "?" + urlencode(pairs) if pairs else ""


def page_key(request, version):
    """``version``: the site-wide version, or a scoped page's (shared, scope) stamp.
    The edge backend is part of the key: it decides which surrogate-key header a page
    carries (``edgekeys.label``), so a hit never carries another setting's headers."""
    if isinstance(version, tuple):
        version = "{}.{}".format(*version)
    address = f"{request.scheme}://{request.get_host()}{cache_address(request)}"
    digest = hashlib.blake2b(address.encode(), digest_size=16).hexdigest()
    edge = hit_settings().EDGE_PURGE_BACKEND
    return f"page{KEY_FORMAT}:{release()}:{edge}:{version}:{digest}"


def lifetime(now, valid_until, most=None):
    """Seconds a page may still be kept: ``most`` (the page cache's maximum unless
    said), cut at ``valid_until``."""
    seconds = hit_settings().PAGE_CACHE_SECONDS if most is None else most
    if valid_until is not None:
        seconds = min(seconds, int((valid_until - now).total_seconds()))
    return max(seconds, 0)


def cdn_control(now, valid_until):
    """Cache-Control for browsers (always revalidate, cheap with the ETag) and a CDN."""
    conf = hit_settings()
    if valid_until is None:  # the same for every such page until a setting changes
        steady = getattr(conf, "steady_control", None)
        if steady is None:
            steady = conf.steady_control = _cdn_control(conf, now, None)
        return steady
    return _cdn_control(conf, now, valid_until)


def _cdn_control(conf, now, valid_until):
    # Not cut at the page cache's own lifetime: an edge told of changes (EDGE_PURGE_BACKEND)
    # may keep a page for hours.
    shared = lifetime(now, valid_until, conf.CDN_MAX_AGE)
    stale = min(conf.CDN_STALE_SECONDS, max(lifetime(now, valid_until) - shared, 0))
    control = f"public, max-age=0, s-maxage={shared}"
    if stale:
        control += f", stale-while-revalidate={stale}"
    return control


def public_headers(response, now, valid_until):
    response["Cache-Control"] = cdn_control(now, valid_until)


SECURITY = "django.middleware.security.SecurityMiddleware"


def headers_from_above(request, response):
    """Give a page about to be stored the headers Django's SecurityMiddleware, above the
    page cache, adds to every answer (nosniff, Referrer-Policy, COOP, HSTS over HTTPS),
    by asking it: they are then stored with the page, and on a hit its ``setdefault``
    finds each one already there instead of setting and checking it again (an eighth
    of a hit's work). They depend only on settings and the scheme, which is part of
    the page's key, so every hit gets what it got before, in a different order."""
    middleware = settings.MIDDLEWARE
    if SECURITY in middleware and middleware.index(SECURITY) < middleware.index(PAGE_CACHE):
        SecurityMiddleware(lambda request: response).process_response(request, response)


def storable(response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    if "private" in control or "no-store" in control:
        return False
    return "cookie" not in response.get("Vary", "").lower()


# The request headers that make a request conditional (RFC 9110 section 13.1).
_CONDITIONS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def conditional(request, response, etag, last_modified):
    """A 304 (headers only) for a browser or CDN that already holds this page, else the page."""
    meta = request.META
    if not any(name in meta for name in _CONDITIONS):
        return response  # what get_conditional_response answers, without its parsing
    return get_conditional_response(
        request, etag=etag, last_modified=last_modified, response=response
    )


class PageCacheMiddleware:
    """Serve and store whole pages for anonymous readers (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_reader_page(request):
            return self.uncached(self.get_response(request))
        conf = hit_settings()
        if conf.SESSION_COOKIE_NAME in request.COOKIES:
            # A signed-in editor sees the live site, and no CDN may keep what they saw.
            return self.uncached(self.get_response(request), personal=True)
        now = timezone.now()
        (version, _), page_stamp = fragments.read_stamps(
            request, request.reader_scope, request.reader_story
        )
        previous = seen.observe(version, time.monotonic())
        if not conf.PAGE_CACHE:
            # Nothing is read or kept (fetch, the grace lock and store all say so): no
            # key to work out. The host is still checked below (CommonMiddleware).
            return self.render_and_store(request, None, now)
        key = page_key(request, version if page_stamp is None else page_stamp)
        ready = recent.get(key, request, now)
        if ready is not None:  # the usual hit: served as this process last served it
            return self.respond(request, ready, now)
        entry = self.fetch(key)
        if entry is not None and (entry.valid_until is None or now < entry.valid_until):
            response = self.serve(request, key, entry, now)
            if response is not None:
                return response

        # The grace period is for pages under the site-wide version, which every change
        # retires at once (the front too, also kept under the live updates' stamp); a
        # scoped page goes stale only with its own scope.
        site_wide = page_stamp is None or request.reader_scope == LIVE_SCOPE
        lock = self.refresh_lock(key, previous) if site_wide else None
        if lock is False:  # another request renders this page: serve the previous copy
            before = previous[0] if page_stamp is None else (previous[0], page_stamp[1])
            stale = self.fetch(page_key(request, before))
            if stale is not None and (stale.valid_until is None or now < stale.valid_until):
                response = stale.response(request)
                patch_cache_control(response, no_cache=True, max_age=0, s_maxage=0)
                return response
        try:
            return self.render_and_store(request, key, now)
        finally:
            if lock:
                self.release_lock(key)

    @staticmethod
    def serve(request, key, entry, now, strict=True):
        """The stored page as a response (a 304 if the client holds it), its holes
        filled; None if ``strict`` and a hole's block appeared or emptied since."""
        if entry.holes is not None:
            entry = entry.filled(request, now, strict)
            if entry is None:
                return None
        ready = recent.put(key, entry, request) if settings.PAGE_CACHE else Ready(entry)
        return PageCacheMiddleware.respond(request, ready, now)

    @staticmethod
    def respond(request, ready, now):
        """The page ready to send (a 304 if the client holds it), with its CDN lifetime."""
        control = cdn_control(now, ready.entry.valid_until)  # ASCII we made: set as it is
        response = ready.not_modified(request)
        if response is not None:  # the reader's copy is this one
            response.headers._store["cache-control"] = ("Cache-Control", control)
            return response
        response = ready.response(request)
        response.headers._store["cache-control"] = ("Cache-Control", control)
        return conditional(request, response, response["ETag"], ready.entry.last_modified)

    def render_and_store(self, request, key, now):
        storing = self.storing()
        if storing:
            request.page_holes = []  # a story page leaves holes for its Latest and Related
        response = self.get_response(request)
        if not storable(response):
            if not response.has_header("Cache-Control"):
                # A 404 or redirect may change with the next publication: revalidate.
                patch_cache_control(response, no_cache=True)
            return self.uncached(response)
        edgekeys.label(request, response)  # stored with the page: hits carry them too
        if getattr(request, "edge_fills", False):  # a hole the edge fills (fragments.block)
            response["Surrogate-Control"] = 'content="ESI/1.0"'
        if storing:  # what is not kept gets them from SecurityMiddleware itself
            headers_from_above(request, response)
        until = (
            fragments.next_publication(request.content_stamp, now),
            getattr(response, "valid_until", None),
        )
        valid_until = min((moment for moment in until if moment), default=None)
        if not response.has_header("ETag"):
            digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
            response["ETag"] = f'"{digest}"'
        # Never earlier than the last change readers could see: a view's own date (the
        # newest item of a feed or sitemap) stands still when an item is removed.
        changed = fragments.last_change(request.content_stamp, now) or now
        last_modified = max(
            parse_http_date_safe(response.get("Last-Modified", "")) or 0,
            int(changed.timestamp()),
        )
        response["Last-Modified"] = http_date(last_modified)
        public_headers(response, now, valid_until)
        holes = getattr(request, "page_holes", None)
        if not holes:
            seconds = lifetime(now, valid_until)
            compressed = None
            if seconds > 0 and storing:  # else no entry: its header list would be thrown away
                entry = self.entry(response, last_modified, valid_until)
                compressed = entry.compressed()  # once, stored with the page
                self.store(key, entry, seconds)
            response = encoding.encode(request, response, compressed)
            return conditional(request, response, response["ETag"], last_modified)
        pieces = re.split(fragments.hole_pattern(), response.content)
        entry = self.entry(response, last_modified, valid_until)
        entry.parts, entry.order = pieces[0::2], [int(hole) for hole in pieces[1::2]]
        entry.holes, entry.content = holes, b""
        seconds = lifetime(now, valid_until)
        if seconds > 0:
            self.store(key, entry, seconds)
        return self.serve(request, key, entry, now, strict=False)

    @staticmethod
    def entry(response, last_modified, valid_until):
        encoding.vary_on_encoding(response)  # stored with the page's headers
        return Entry(
            status=response.status_code,
            headers=[(k, v) for k, v in response.items() if k.lower() not in _UNSAFE_HEADERS],
            content=response.content,
            etag=response["ETag"],
            last_modified=last_modified,
            valid_until=valid_until,
        )

    @staticmethod
    def uncached(response, personal=False):
        """Whatever is not stored for everyone must not be kept by a CDN or proxy
        either: a page seen by an editor, anything setting a cookie."""
        if personal or response.cookies:
            patch_cache_control(response, private=True, no_cache=True)
        return response

    @staticmethod
    def refresh_lock(key, previous):
        """None: no grace (off, no previous version seen, or seen too long ago); True:
        this request took the page's lock and renders it; False: another one holds it."""
        grace = settings.PAGE_CACHE_GRACE
        if not grace or previous is None or not settings.PAGE_CACHE or not health.usable():
            return None
        if time.monotonic() - previous[1] > grace:
            return None
        try:
            return bool(caches["pages"].add(f"lock:{key}", 1, grace))
        except Exception:
            health.failed("lock")
            return None

    @staticmethod
    def release_lock(key):
        try:
            caches["pages"].delete(f"lock:{key}")
        except Exception:
            health.failed("unlock")

    @staticmethod
    def fetch(key):
        if not settings.PAGE_CACHE or not health.usable():
            return None
        try:
            entry = caches["pages"].get(key)
        except Exception:  # any cache failure: serve from the database
            health.failed("read")
            return None
        health.recovered()
        return entry

    @staticmethod
    def storing():
        """Pages are kept (with PAGE_CACHE=0, or while the cache is failing, every
        request renders and nothing is made only for keeping)."""
        return settings.PAGE_CACHE and health.usable()

    def store(self, key, entry, seconds):
        if not self.storing():
            return
        try:
            caches["pages"].set(key, entry, seconds)
        except Exception:
            health.failed("write")
        else:
            health.recovered()
