"""/healthz: is this instance able to serve? For load balancers and monitors.

The database is required: without it the instance answers 503, so a load
balancer sends readers elsewhere. The cache is not: pages are rendered from the
database when it fails (articles.reader.pagecache), so a Redis outage is reported as
"degraded" with a 200 rather than taking every web server out of rotation.
Nor is the read replica, when there is one: readers fall back to the primary while
it is down or lagging (newsroom/replica.py), and the check says "degraded".
"""

import logging

from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from . import replica
from .routers import replica_configured

logger = logging.getLogger(__name__)


def database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "do not send traffic here"
        logger.exception("health check: database")
        return False
    return True


def cache_ok():
    try:
        cache = caches["pages"]
        cache.set("healthz", "ok", 10)
        return cache.get("healthz") == "ok"
    except Exception:
        logger.exception("health check: cache")
        return False


@never_cache
def healthz(request):
    checks = {
        "database": "ok" if database_ok() else "failing",
        "cache": "ok" if cache_ok() else "failing",
    }
    if replica_configured():
        checks["replica"] = replica.state.check()  # measured now: "ok", "lagging", "failing"
    if checks["database"] != "ok":
        checks["status"] = "failing"
    else:
        others = [value for name, value in checks.items() if name != "database"]
        checks["status"] = "ok" if all(value == "ok" for value in others) else "degraded"
    return JsonResponse(checks, status=503 if checks["status"] == "failing" else 200)
