"""
Profile reader pages with cProfile: where does one request's time go?

    python bench/profile_pages.py --database /tmp/bench.sqlite3 / /feed/ [--requests 300]

Serves each address ``--requests`` times in this process through the project's
real WSGI application (``newsroom.settings``, DEBUG off, collected static files,
the full middleware stack, the database connection closed after each request
as under gunicorn), after a few warm-up requests, and prints the mean time per
request, the functions that took most of it, and the SQL of one request with
the time of each statement.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import collectstatic, server_environment  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--database", type=Path, required=True, help="made by bench/generate.py")
    parser.add_argument("--requests", type=int, default=300, help="per address (%(default)s)")
    parser.add_argument("--limit", type=int, default=25, help="functions shown (%(default)s)")
    parser.add_argument(
        "--sort", default="tottime", choices=("tottime", "cumulative"), help="(%(default)s)"
    )
    parser.add_argument("urls", nargs="+", metavar="URL", help="addresses such as / or /feed/")
    return parser.parse_args(argv)


def environ_for(url):
    """The WSGI environ of a GET of ``url``, as gunicorn would make it."""
    from django.test import RequestFactory

    path, _, query = url.partition("?")
    environ = RequestFactory().get(path).environ
    environ.update(QUERY_STRING=query, SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1")
    if os.environ.get("BENCH_ACCEPT_ENCODING"):  # bench/instructions.py --gzip
        environ["HTTP_ACCEPT_ENCODING"] = os.environ["BENCH_ACCEPT_ENCODING"]
    return environ


def serve(application, url, extra=None, answered=None):
    """One request through the WSGI application, as gunicorn would make it; returns the
    status. ``extra``: more environ entries (request headers); ``answered``: a list the
    response's headers are appended to."""
    environ = environ_for(url)
    environ.update(extra or {})
    status = []

    def start_response(code, headers, exc_info=None):
        status.append(code)
        if answered is not None:
            answered.append(headers)

    response = application(environ, start_response)
    try:
        for _ in response:
            pass
    finally:
        response.close()  # request_finished: closes the database connection (CONN_MAX_AGE=0)
    return status[0]


def profile(application, url, requests, sort, limit):
    for _ in range(5):
        status = serve(application, url)
    if not status.startswith("200"):
        raise SystemExit(f"{url} answered {status}")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        serve(application, url)
    profiler.disable()
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(sort).print_stats(limit)
    print(f"== {url}: {elapsed / requests * 1000:.2f} ms per request under cProfile ==")
    print(out.getvalue())
    print(f"Queries of one request to {url} (ms, SQL):")
    for milliseconds, sql in queries_of(application, url):
        print(f"  {milliseconds:8.3f}  {' '.join(sql.split())[:160]}")
    print()


def queries_of(application, url):
    """(milliseconds, SQL) of every statement one request to ``url`` runs."""
    from django.db import connection

    timed = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(timer):
        serve(application, url)
    return timed


def main(argv=None):
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsroom-profile-") as var_dir:
        env = server_environment(args.database.resolve(), var_dir, ["PAGE_CACHE=0"])
        collectstatic(env)
        os.environ.update(env)
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
        for url in args.urls:
            profile(application, url, args.requests, args.sort, args.limit)


if __name__ == "__main__":
    main()
