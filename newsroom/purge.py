"""
Telling the edge cache (Varnish, Fastly, Cloudflare) which pages a change retired.

Reader pages carry surrogate keys (``articles.reader.edgekeys``). When a change
readers could see commits, ``articles.signals`` hands the keys it retired to
:func:`schedule`; they are gathered for the whole transaction and, once it has
committed (never for one rolled back: the edge must not drop pages for nothing,
nor before the new content can be read), sent as one ``purge_keys`` task on the
"purge" queue, and once more ``EDGE_PURGE_REPEAT_SECONDS`` later where the queue can
wait (a page rendered from the old content just before the commit could otherwise
reach the edge after the first purge and stay there for its whole lifetime). The
task tries the edge a few times, then logs the failure and fails (the worker records
it): the pages then go stale only for their edge lifetime, as without purging.

Backends, chosen by ``EDGE_PURGE_BACKEND`` (see settings, "Edge cache"):

- "none": nothing to tell (a CDN keeps pages ``CDN_MAX_AGE`` seconds);
- "varnish": ``PURGE`` with an ``xkey`` header to each address in ``EDGE_PURGE_URLS``
  (deploy/varnish/default.vcl does the rest);
- "fastly": Fastly's purge-by-surrogate-key API (``FASTLY_SERVICE_ID``, ``FASTLY_API_TOKEN``);
- "cloudflare": Cloudflare's purge-by-tag API (``CLOUDFLARE_ZONE_ID``, ``CLOUDFLARE_API_TOKEN``).
"""

import json
import logging
import time
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.dispatch import Signal
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

TIMEOUT = 5  # seconds for one call to the edge


class PurgeFailed(Exception):
    pass


# Sent (keys=, error=) when a purge has failed its last attempt: for metrics and alerts.
purge_failed = Signal()


def _call(method, url, headers=None, body=None):
    if not url.startswith(("http://", "https://")):
        raise PurgeFailed(f"{url!r} is not an http(s) address")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        raise PurgeFailed(f"{method} {url}: {error.code} {error.read()[:200]!r}") from None
    except OSError as error:
        raise PurgeFailed(f"{method} {url}: {error}") from None


def batches(keys, size):
    keys = list(keys)
    return [keys[start : start + size] for start in range(0, len(keys), size)]


def varnish(keys):
    # Varnish reads request headers of up to 8 KB by default: 100 keys stay well within.
    for address in settings.EDGE_PURGE_URLS:
        for batch in batches(keys, 100):
            _call("PURGE", address.rstrip("/") + "/", headers={"xkey": " ".join(batch)})


def fastly(keys):
    url = f"{settings.FASTLY_API_URL.rstrip('/')}/service/{settings.FASTLY_SERVICE_ID}/purge"
    for batch in batches(keys, 256):  # Fastly's limit per call
        _call(
            "POST",
            url,
            headers={"Fastly-Key": settings.FASTLY_API_TOKEN, "Accept": "application/json"},
            body={"surrogate_keys": batch},
        )


def cloudflare(keys):
    url = (
        f"{settings.CLOUDFLARE_API_URL.rstrip('/')}/zones/{settings.CLOUDFLARE_ZONE_ID}/purge_cache"
    )
    for batch in batches(keys, 30):  # Cloudflare's limit per call on every plan
        _, body = _call(
            "POST",
            url,
            headers={"Authorization": f"Bearer {settings.CLOUDFLARE_API_TOKEN}"},
            body={"tags": batch},
        )
        if not json.loads(body or b"{}").get("success"):
            raise PurgeFailed(f"Cloudflare refused the purge: {body[:200]!r}")


BACKENDS = {"none": None, "varnish": varnish, "fastly": fastly, "cloudflare": cloudflare}


def enabled():
    return BACKENDS.get(settings.EDGE_PURGE_BACKEND) is not None


@task(queue_name="purge")
def purge_keys(keys):
    """Purge ``keys`` at the edge, trying ``EDGE_PURGE_ATTEMPTS`` times (waiting a
    little longer each time) before logging the failure and failing."""
    backend = BACKENDS.get(settings.EDGE_PURGE_BACKEND)
    if backend is None:
        return 0
    attempts = max(settings.EDGE_PURGE_ATTEMPTS, 1)
    for attempt in range(1, attempts + 1):
        try:
            backend(keys)
        except PurgeFailed as error:
            if attempt == attempts:
                logger.error(
                    "edge purge failed after %d attempts (%s); these keys stay cached "
                    "until their edge lifetime: %s",
                    attempts,
                    error,
                    " ".join(keys),
                )
                purge_failed.send(sender=purge_keys, keys=keys, error=error)
                raise
            logger.warning("edge purge attempt %d failed, retrying: %s", attempt, error)
            time.sleep(settings.EDGE_PURGE_RETRY_SECONDS * 2 ** (attempt - 1))
        else:
            return len(keys)


class Pending:
    """The keys a transaction retired so far, and the on-commit callback that sends them."""

    def __init__(self, using):
        self.using = using
        self.keys = set()
        self.__qualname__ = "edge purge"  # how Django's log names a failed on-commit call

    def __call__(self):
        connection = connections[self.using]
        if getattr(connection, "edge_purge", None) is self:
            connection.edge_purge = None
        if not self.keys:
            return
        keys = sorted(self.keys)
        purge_keys.enqueue(keys)
        # A page rendered from the old content just before the commit may reach the edge
        # after the first purge, to be kept for hours: purge again a little later where
        # the queue can wait (the database and RQ backends).
        repeat = settings.EDGE_PURGE_REPEAT_SECONDS
        if repeat and purge_keys.get_backend().supports_defer:
            later = timezone.now() + timedelta(seconds=repeat)
            purge_keys.using(run_after=later).enqueue(keys)


def schedule(keys, using=DEFAULT_DB_ALIAS):
    """Purge ``keys`` once the current transaction commits (at once outside one)."""
    if not keys or not enabled():
        return
    connection = connections[using]
    pending = getattr(connection, "edge_purge", None)
    # A rolled-back savepoint drops its on-commit callbacks: then start again (the keys
    # gathered under it belonged to changes that never happened).
    if pending is None or not any(
        callback is pending for _, callback, _ in connection.run_on_commit
    ):
        pending = connection.edge_purge = Pending(using)
        pending.keys.update(keys)
        # robust: the change is committed whatever happens here (a queue that fails is
        # logged by Django, never turned into an error page after the save).
        transaction.on_commit(pending, using=using, robust=True)
        return
    pending.keys.update(keys)
