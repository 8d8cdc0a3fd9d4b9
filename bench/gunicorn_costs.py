"""
Instructions gunicorn spends per request on a response's headers and its access line,
for a reader page's headers against the benchmark ceiling's, under callgrind.

    python bench/gunicorn_costs.py [--calls 200]

``bench/instructions.py`` counts what a request costs inside Django; gunicorn's own
work around it is not in that count, and ``bench/cpu_per_request.py``'s CPU times move
with the machine's load by more than the few microseconds at stake. This counts, in
this process and deterministically, the two pieces of gunicorn's per-request work that
depend on the response: ``Response.process_headers`` (two regular expressions and a few
string operations per header) and the access log line (``Logger.access``: gunicorn's
logger, and the project's ``AccessLog`` from gunicorn.conf.py), for the 12 headers a
cached reader page sends as shipped (no edge: ``EDGE_PURGE_BACKEND=none``), the 13 it
sends with an edge (its one surrogate-key header, ``articles/reader/edgekeys.py``), and
the 6 the ceiling sends, with gunicorn's own environ.
"""

import argparse
import os
import runpy
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.instructions import totals  # noqa: E402

CSP = (
    "base-uri 'self'; script-src 'self'; object-src 'none'; default-src 'self'; frame-src "
    "https://www.youtube-nocookie.com https://player.vimeo.com https://platform.twitter.com "
    "https://www.openstreetmap.org; frame-ancestors 'none'; connect-src 'self'; font-src "
    "'self'; form-action 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'"
)
# What the WSGI application hands gunicorn (gunicorn adds Server, Date, Connection).
READER_PAGE = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Vary", "Accept-Encoding"),
    ("Content-Length", "24020"),
    ("ETag", '"852f6ae8cd7f6bf3b2a6e350a1b24146"'),
    ("Last-Modified", "Sat, 28 Nov 2026 06:50:27 GMT"),
    ("Cache-Control", "public, max-age=0, s-maxage=60, stale-while-revalidate=30"),
    ("X-Request-ID", "0f34b6a0e1f257a60c4a8e07589661cd"),
]
# The same page behind an edge that purges (EDGE_PURGE_BACKEND=varnish: xkey; Fastly's
# Surrogate-Key and Cloudflare's Cache-Tag are one header too).
READER_PAGE_EDGE = [*READER_PAGE[:3], ("xkey", "all section:city"), *READER_PAGE[3:]]
CEILING = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("X-Frame-Options", "DENY"),
    ("Content-Length", "30720"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip())
    parser.add_argument("--calls", type=int, default=200, help="per case (%(default)s)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def cases(log_dir):
    """(label, function) pairs; each function does one request's share of the work."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger
    from gunicorn.http.parser import RequestParser
    from gunicorn.http.wsgi import Response, create

    shipped = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    config.set("accesslog", str(Path(log_dir) / "access.log"))
    loggers = {
        "gunicorn's Logger": Logger(config),
        "shipped AccessLog": shipped["AccessLog"](config),
    }
    wrk = b"GET /section/city/ HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"  # what wrk sends
    request = next(RequestParser(config, [wrk], ("127.0.0.1", 50000)))
    sock = SimpleNamespace(sendall=lambda data: None)
    response, environ = create(request, sock, ("127.0.0.1", 50000), ("127.0.0.1", 8000), config)
    took = timedelta(microseconds=1234)
    found = []
    pages = (
        (f"reader page ({len(READER_PAGE)} headers)", READER_PAGE),
        (f"reader page behind an edge ({len(READER_PAGE_EDGE)})", READER_PAGE_EDGE),
        (f"ceiling ({len(CEILING)})", CEILING),
    )
    for name, headers in pages:

        def process(headers=headers):
            response.headers = []
            response.process_headers(headers)

        found.append((f"process_headers, {name}", process))
        processed = Response(request, sock, config)
        processed.status, processed.sent = "200 OK", 24020
        processed.process_headers(headers)
        for label, logger in loggers.items():

            def access(logger=logger, processed=processed):
                logger.access(processed, request, environ, took)

            found.append((f"access line, {label}, {name}", access))
    return found


def inner(calls):
    with tempfile.TemporaryDirectory() as log_dir:
        for _, work in cases(log_dir):
            for _ in range(20):
                work()
            os.getppid()  # dump: everything up to here
            for _ in range(calls):
                work()
            os.getppid()  # dump: the measured calls only


def main(argv=None):
    args = parse_args(argv)
    if args.inner:
        return inner(args.calls)
    with tempfile.TemporaryDirectory() as out_dir:
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--dump-before=getppid",
                f"--callgrind-out-file={Path(out_dir) / 'callgrind.out.%p'}",
                sys.executable,
                __file__,
                "--inner",
                "--calls",
                str(args.calls),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=1800,
        )
        counts = totals(out_dir)
    with tempfile.TemporaryDirectory() as log_dir:
        labels = [label for label, _ in cases(log_dir)]
    measured = counts[1::2]
    if len(measured) != len(labels):
        raise SystemExit(f"expected {len(labels)} measured dumps, found {len(measured)}")
    print(f"Instructions per request (callgrind, {args.calls} calls after 20 warm-up ones):\n")
    print("| gunicorn's work | instructions |\n|---|--:|")
    for label, count in zip(labels, measured, strict=True):
        print(f"| {label} | {count / args.calls / 1000:,.1f} k |")


if __name__ == "__main__":
    main()
