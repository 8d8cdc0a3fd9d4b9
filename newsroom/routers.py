"""Which database a read goes to: the primary, or the read replica (DATABASE_REPLICA_URL).

Only a reader's page may read from the replica, and only when all of these hold:

* the request is a GET or HEAD for an address whose view is a reader page
  (``articles.reader.pagecache.reader_page``: the front, stories, listings, feeds,
  sitemaps, search, the API). The admin, previews and share links, /healthz and
  everything else read the primary;
* the client is not signed in (no session cookie: an editor sees the live site);
* the client has not written in the last ``REPLICA_STICKY_SECONDS`` (10): any POST,
  PUT, PATCH or DELETE answers with a signed cookie that sends this client's reads
  to the primary until it expires, so nobody misses their own change while the
  replica catches up (read-your-writes);
* the replica is up and no further behind than ``REPLICA_MAX_LAG`` seconds
  (``newsroom.replica``); otherwise the request reads the primary and the fallback
  is counted (``newsroom_replica_fallbacks_total``).

Even then, every write goes to the primary, and so does every read made inside a
transaction (``in_atomic_block`` on the primary): what a transaction reads must be
what it writes against. Raw reader SQL asks the router too
(``articles.reader.queries.reading``), so one decision covers the ORM and fixed SQL.

The decision is made once per request, before the page cache reads the content
version, and holds for the whole request: the version and the page are read from the
same database (see docs/deploy.md, "Read replica", for why that keeps the page cache
exact). If the replica fails during the request, the request is answered again from
the primary: a reader's GET is safe to repeat, and a replica stopping loses no answer.
"""

import contextvars
import sys

from django.conf import settings
from django.core import signals
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from . import replica

REPLICA = "replica"
STICKY_COOKIE = "newsroom_primary"
_STICKY_SALT = "newsroom.routers.sticky"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

# The alias this request's reads may use; the primary unless ReplicaMiddleware says so.
_reads = contextvars.ContextVar("newsroom_reads", default=DEFAULT_DB_ALIAS)


class ReplicaRouter:
    """Reads go where the request's middleware decided (the primary by default), but
    never to the replica inside a transaction; writes and migrations to the primary."""

    def db_for_read(self, model, **hints):
        alias = _reads.get()
        if alias != DEFAULT_DB_ALIAS and connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica receives the schema by streaming


def replica_configured():
    return REPLICA in settings.DATABASES


def wrote_recently(request):
    """True while this client's read-your-writes cookie is valid (signed, and no older
    than REPLICA_STICKY_SECONDS: the signature carries its time)."""
    if STICKY_COOKIE not in request.COOKIES:
        return False
    value = request.get_signed_cookie(
        STICKY_COOKIE, default=None, salt=_STICKY_SALT, max_age=settings.REPLICA_STICKY_SECONDS
    )
    return value is not None


def may_use_replica(request):
    """Could this request read from the replica, the replica's health aside?"""
    # Imported here: the reader path is an app, loaded after this module's settings.
    from articles.reader.pagecache import reader_address

    if request.method not in {"GET", "HEAD"}:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or wrote_recently(request):
        return False
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    return reader_address(request.path_info, urlconf)[0]


class ReplicaMiddleware:
    """Sends a reader's page to the replica (see the module docstring), falls back to
    the primary when it is down or behind, and marks a client that wrote."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.configured = replica_configured()

    def __call__(self, request):
        if not self.configured:
            return self.get_response(request)
        if not may_use_replica(request):
            return self.marked(request, self.get_response(request))
        if not replica.state.usable():
            replica.fallback(replica.state.status)
            return self.get_response(request)
        token = _reads.set(REPLICA)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if getattr(request, "replica_failed", False):
            # The replica failed mid-request (stopped, restarted): answer from the primary.
            replica.state.failed("the replica failed during a request")
            replica.fallback("error")
            request.replica_failed = False
            response = self.get_response(request)
        return response

    @staticmethod
    def marked(request, response):
        if request.method in _UNSAFE:
            response.set_signed_cookie(
                STICKY_COOKIE,
                "1",
                salt=_STICKY_SALT,
                max_age=settings.REPLICA_STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


def _note_replica_failure(sender, request=None, **kwargs):
    """A database error while this request read from the replica: ReplicaMiddleware
    answers it again from the primary (the exception's own 503 is discarded)."""
    error = sys.exc_info()[1]
    if request is not None and _reads.get() == REPLICA and isinstance(error, DatabaseError):
        request.replica_failed = True


signals.got_request_exception.connect(_note_replica_failure)
