"""/metrics: how the site is doing, in Prometheus's text format (prometheus-client).

What is counted, all named ``newsroom_*``:

* ``requests_total{kind,method,status}`` and ``request_duration_seconds{kind}``: every
  request, by *view kind* (the URL pattern's name: ``front``, ``story``, ``section``,
  ``feed``..., ``admin`` for the whole admin, ``not_found`` for an address no pattern
  matches), cached pages included;
* ``page_cache_total{result}``: a reader page served from the page cache (``hit``), a
  304 answered from it (``not_modified``), rendered (``miss``), or rendered for a
  signed-in person, never stored (``bypass``);
* ``db_queries_per_request{kind}``: the queries a request ran, on every database;
* ``tasks{queue,status}``: the background tasks in the database queue
  (``django_tasks_db``) by status, read when scraped: ``READY`` is the queue's
  depth, ``FAILED`` its failures;
* ``purge_failures_total``: edge-cache purges that failed (:data:`PURGE_FAILURES`,
  incremented by the purge backends);
* ``replica_fallbacks_total{reason}``: reader requests the primary answered because
  the replica was failing, lagging or failed mid-request (``newsroom.replica``).

gunicorn runs several worker processes, each with its own counters. With
``PROMETHEUS_MULTIPROC_DIR`` set to an empty directory (the master empties it at
start, ``gunicorn.conf.py``), every worker writes its counters there and a scrape of
any worker reports the sum over all of them; without it each worker reports its own.

Reachable only from ``METRICS_ALLOWED_IPS`` (addresses or networks; loopback by
default), the client read through ``TRUSTED_PROXY_COUNT`` proxies, or with
``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets a 404, as if there were
nothing there.
"""

import contextvars
import functools
import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from django.urls import Resolver404, resolve
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from .logins import client_address
from .purge import purge_failed

REQUESTS = Counter(
    "newsroom_requests", "Requests answered, by view kind.", ["kind", "method", "status"]
)
LATENCY = Histogram(
    "newsroom_request_duration_seconds",
    "Time to answer a request, by view kind.",
    ["kind"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PAGE_CACHE = Counter(
    "newsroom_page_cache", "Reader pages by how the page cache answered them.", ["result"]
)
DB_QUERIES = Histogram(
    "newsroom_db_queries_per_request",
    "Database queries a request ran, by view kind.",
    ["kind"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144),
)
PURGE_FAILURES = Counter(
    "newsroom_purge_failures", "Edge-cache purges that failed after all their tries."
)
REPLICA_FALLBACKS = Counter(
    "newsroom_replica_fallbacks",
    "Reader requests the primary answered because the read replica could not.",
    ["reason"],
)


@receiver(purge_failed)
def count_purge_failure(**kwargs):
    """newsroom/purge.py gave up on a purge: its pages stay at the edge until they expire."""
    PURGE_FAILURES.inc()


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


@functools.lru_cache(maxsize=4096)
def view_kind(path, urlconf):
    """The name of the URL pattern an address resolves to; the same for every address of
    one pattern, so the label has as many values as there are patterns."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return "not_found"
    if "admin" in match.namespaces:
        return "admin"
    return match.url_name or "other"


@functools.lru_cache(maxsize=4096)
def kind_of(path, urlconf):
    """(view kind, is it a reader page) for an address: both asked of every request,
    found by one cached lookup."""
    from articles.reader.pagecache import reader_address

    return view_kind(path, urlconf), reader_address(path, urlconf)[0]


def cache_result(request, response, reader=None):
    """How the page cache answered (None: not a reader page). ``reader``: whether the
    address is a reader page, if the caller knows (see :func:`kind_of`)."""
    from articles.reader.pagecache import hit_settings, reader_address

    if request.method not in {"GET", "HEAD"}:
        return None
    conf = hit_settings()
    if reader is None:
        urlconf = getattr(request, "urlconf", None) or conf.ROOT_URLCONF
        reader = reader_address(request.path_info, urlconf)[0]
    if not reader:
        return None
    if conf.SESSION_COOKIE_NAME in request.COOKIES:
        return "bypass"
    if request.resolver_match is not None:  # the view ran: the page was rendered
        return "miss"
    return "not_modified" if response.status_code == 304 else "hit"


# The queries of the request this thread is answering: [count], or None between requests.
_queries = contextvars.ContextVar("newsroom_queries", default=None)


def _count_query(execute, sql, params, many, context):
    counted = _queries.get()
    if counted is not None:
        counted[0] += 1
    return execute(sql, params, many, context)


@receiver(connection_created)
def counting(connection, **kwargs):
    """Count this connection's queries: installed once per connection, not entered and
    left on every request (an ExitStack of one ``execute_wrapper`` per database cost a
    cached hit about 35,000 instructions, `bench/instructions.py --steps`)."""
    if _count_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_query)


class MetricsMiddleware:
    """Counts and times every request (first in MIDDLEWARE, so cached pages too)."""

    def __init__(self, get_response):
        from articles.reader.pagecache import hit_settings

        self.get_response = get_response
        self.hit_settings = hit_settings
        for connection in connections.all(initialized_only=True):  # opened before this
            counting(connection)

    def __call__(self, request):
        queries = [0]
        started = time.perf_counter()
        token = _queries.set(queries)
        try:
            response = self.get_response(request)
        finally:
            _queries.reset(token)
        elapsed = time.perf_counter() - started
        urlconf = getattr(request, "urlconf", None) or self.hit_settings().ROOT_URLCONF
        kind, reader = kind_of(request.path_info, urlconf)
        method = request.method if request.method in _METHODS else "other"
        requests, latency, queried = series(kind, method, response.status_code)
        requests.inc()
        latency.observe(elapsed)
        queried.observe(queries[0])
        result = cache_result(request, response, reader)
        if result:
            cache_series(result).inc()
        return response


@functools.lru_cache(maxsize=2048)
def series(kind, method, status):
    """The labelled series a request adds to (looked up once, not on every request: a
    ``labels()`` call takes a lock and builds a key)."""
    return REQUESTS.labels(kind, method, str(status)), LATENCY.labels(kind), DB_QUERIES.labels(kind)


@functools.lru_cache(maxsize=8)
def cache_series(result):
    return PAGE_CACHE.labels(result)


class TaskQueue:
    """The database task queue by queue and status, read at each scrape (one GROUP BY)."""

    def collect(self):
        family = GaugeMetricFamily(
            "newsroom_tasks",
            "Background tasks in the database queue, by queue and status "
            "(READY: waiting to run; FAILED: failed).",
            labels=["queue", "status"],
        )
        if "django_tasks_db" in settings.INSTALLED_APPS:
            from django.db.models import Count
            from django_tasks_db.models import DBTaskResult

            rows = DBTaskResult.objects.values_list("queue_name", "status").annotate(Count("id"))
            for queue, status, count in rows.order_by():
                family.add_metric([queue, status], count)
        yield family


def allowed(request):
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


def registries():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        workers = CollectorRegistry()
        multiprocess.MultiProcessCollector(workers)
    else:
        workers = REGISTRY
    tasks = CollectorRegistry(auto_describe=False)
    tasks.register(TaskQueue())
    return workers, tasks


@never_cache
def metrics_view(request):
    if not allowed(request):
        raise Http404
    body = b"".join(generate_latest(registry) for registry in registries())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
