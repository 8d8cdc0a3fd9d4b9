"""gunicorn settings: `gunicorn -c gunicorn.conf.py newsroom.wsgi:application`.

Every value can be overridden by the environment (or gunicorn's own flags)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers: two per core and one more, as gunicorn's documentation suggests.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (jittered so they do not all restart at once);
# GUNICORN_MAX_REQUESTS=0 never does.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# GUNICORN_ACCESS_LOG="" turns the access log off (the benchmarks do).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
