"""Is the read replica fit to answer readers? Up, and at most REPLICA_MAX_LAG seconds behind.

Each process asks at most once every ``REPLICA_CHECK_SECONDS`` (1): two one-row queries,

1. on the primary, ``pg_current_wal_lsn()``: how far the primary has written;
2. on the replica, whether it has replayed that far, and if not, how long ago it
   replayed its last transaction (``pg_last_xact_replay_timestamp()``).

A replica that has replayed what the primary had written a moment before has no lag,
however long the site has been quiet (the replay time alone would call an idle
replica late). One that has not is as late as the time since its last replayed
transaction: after a long quiet spell that overstates the lag for the few
milliseconds the replica takes to catch up, which only sends those reads to the
primary, never a reader to old content. A replica that cannot be reached, or fails
a query, is "failing" until the next check. Either way readers are served by the
primary (``newsroom.routers``), each such request is counted
(``newsroom_replica_fallbacks_total``), and /healthz says "degraded".
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from . import metrics

logger = logging.getLogger(__name__)

REPLICA = "replica"


class ReplicaState:
    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = None  # monotonic time of the last check
        self.status = "unknown"  # "ok", "lagging" or "failing"
        self.reason = ""
        self.lag = None

    def usable(self):
        """The replica may answer readers (checked at most once per REPLICA_CHECK_SECONDS)."""
        now = time.monotonic()
        if self.checked_at is None or now - self.checked_at >= settings.REPLICA_CHECK_SECONDS:
            with self.lock:
                if self.checked_at is None or now - self.checked_at >= (
                    settings.REPLICA_CHECK_SECONDS
                ):
                    self.check()
        return self.status == "ok"

    def check(self):
        """Measure the replica now; returns the status ("ok", "lagging" or "failing")."""
        self.checked_at = time.monotonic()
        previous = self.status
        try:
            self.lag = measure_lag()
        except Exception as error:
            self.lag = None
            self._set("failing", f"unreachable ({type(error).__name__})", previous)
            _close_quietly()
            return self.status
        if self.lag > settings.REPLICA_MAX_LAG:
            self._set("lagging", f"{self.lag:.1f} s behind the primary", previous)
        else:
            self._set("ok", "", previous)
        return self.status

    def failed(self, reason):
        """A request saw the replica fail: use the primary until the next check."""
        self.checked_at = time.monotonic()
        self._set("failing", reason, self.status)
        _close_quietly()

    def _set(self, status, reason, previous):
        self.status, self.reason = status, reason
        if status != previous:
            log = logger.info if status == "ok" else logger.warning
            log("read replica %s%s", status, f": {reason}" if reason else "")


state = ReplicaState()


def measure_lag():
    """Seconds the replica is behind the primary (0 when it has replayed all the primary
    had written when asked)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        written = cursor.fetchone()[0]
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn, "
            "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())",
            [written],
        )
        recovering, caught_up, since_replay = cursor.fetchone()
    if not recovering or caught_up:
        return 0.0
    return float(since_replay) if since_replay is not None else float("inf")


def _close_quietly():
    try:
        connections[REPLICA].close()
    except Exception:  # a broken connection may fail to close; it is dropped either way
        logger.debug("closing the replica's connection failed", exc_info=True)


def fallback(reason):
    """Count a reader request that the replica should have answered but the primary did."""
    kind = reason if reason in {"lagging", "error"} else "failing"
    metrics.REPLICA_FALLBACKS.labels(reason=kind).inc()
