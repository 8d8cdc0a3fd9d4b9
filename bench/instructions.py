"""
Count the CPU instructions one reader request costs, under valgrind.

    python bench/instructions.py --database /tmp/bench.sqlite3 [--requests 40] [URL ...]

Throughput on a shared two-core machine varies by up to a quarter between two
runs of the same code, which hides any change of a few percent. The number of
instructions a request executes does not depend on what else the machine is
doing, so two versions of the code can be compared on it to within a percent:
run this script from each checkout against the same database.

Each address is served in this process as ``bench/profile_pages.py`` serves it
(the real WSGI application, ``PAGE_CACHE=0``, the database connection closed
after each request), a few times to warm up and then ``--requests`` times, under
``valgrind --tool=callgrind``. Callgrind is told to write its counts whenever
the process calls ``getppid()``, which nothing else here calls, so the script
calls it just before and just after the measured requests and the second dump
holds exactly their instructions. Expect about a minute for start-up and a
second per request per address.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.profile_pages import serve  # noqa: E402
from bench.run import (  # noqa: E402
    CEILING_DIR,
    CEILING_URL,
    ceiling_environment,
    collectstatic,
    pick_urls,
    server_environment,
)

WARMUP = 5


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--database", type=Path, help="made by bench/generate.py")
    parser.add_argument("--requests", type=int, default=40, help="per address (%(default)s)")
    parser.add_argument(
        "--cached",
        action="store_true",
        help="with the page cache on, as shipped: every measured request is a cache hit",
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="count bench/ceiling/'s fixed page instead (no database needed, URLs ignored)",
    )
    parser.add_argument(
        "--gzip",
        action="store_true",
        help="ask as a browser does, Accept-Encoding: gzip (articles/reader/encoding.py)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="copy callgrind's dumps here, for callgrind_annotate (the even ones are the measured)",
    )
    parser.add_argument(
        "--not-modified",
        action="store_true",
        help="send the page's own ETag in If-None-Match: every measured answer is a 304",
    )
    parser.add_argument(
        "--steps",
        action="store_true",
        help="with --cached: where a cache hit's instructions go, per middleware above the "
        "page cache and per step inside it (each measured as the difference of two loops)",
    )
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "urls", nargs="*", metavar="URL", help="such as / or /feed/ (else bench/run.py's pages)"
    )
    return parser.parse_args(argv)


def measured_requests(urls, requests):
    """Inside valgrind: serve each address, bracketing the measured requests with getppid()."""
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    for url in urls:
        answered = []
        for _ in range(WARMUP):
            status = serve(application, url, answered=answered)
        if not status.startswith("200"):
            raise SystemExit(f"{url} answered {status}")
        extra = {}
        if os.environ.get("BENCH_NOT_MODIFIED"):  # --not-modified: the reader holds the page
            extra["HTTP_IF_NONE_MATCH"] = dict(answered[-1])["ETag"]
            if not serve(application, url, extra).startswith("304"):
                raise SystemExit(f"{url} did not answer 304 to its own ETag")
        os.getppid()  # dump: everything up to here
        for _ in range(requests):
            serve(application, url, extra)
        os.getppid()  # dump: the measured requests only


PAGE_CACHE = "articles.reader.pagecache.PageCacheMiddleware"


def hit_stacks():
    """(label, MIDDLEWARE) pairs: the page cache and what is below it, then each
    middleware above it added in turn, up to the whole stack as shipped. On a hit
    nothing below the page cache runs, so each difference is one middleware's cost."""
    from django.conf import settings

    full = list(settings.MIDDLEWARE)
    at = full.index(PAGE_CACHE)
    stacks = [("handler, signals and the page cache's hit", full[at:])]
    for index in range(at - 1, -1, -1):
        stacks.append((f"+ {full[index].rsplit('.', 1)[1]}", full[index:]))
    return stacks


def hit_steps(url):
    """(label, callable) pairs, each doing one more step of a hit than the one before,
    on a request made from the same environ as ``serve`` makes (see pagecache)."""
    import time

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIRequest
    from django.utils import timezone

    from articles.reader import fragments, pagecache
    from bench.profile_pages import environ_for

    environ = environ_for(url)
    state = {}

    def request():
        state["request"] = WSGIRequest(dict(environ))
        return state["request"]

    def resolved():
        found = pagecache.is_reader_page(request())
        return found and settings.SESSION_COOKIE_NAME not in state["request"].COOKIES

    def stamped():
        resolved()
        req = state["request"]
        state["now"] = timezone.now()
        state["stamps"] = fragments.read_stamps(req, req.reader_scope, req.reader_story)

    def keyed():
        stamped()
        (version, _), page_stamp = state["stamps"]
        pagecache.seen.observe(version, time.monotonic())
        state["key"] = pagecache.page_key(
            state["request"], version if page_stamp is None else page_stamp
        )

    def found():
        keyed()
        state["ready"] = pagecache.recent.get(state["key"], state["request"], state["now"])
        assert state["ready"] is not None, "not a hit: warm the page first"

    def answered():
        found()
        middleware, request = pagecache.PageCacheMiddleware, state["request"]
        if hasattr(middleware, "respond"):
            middleware.respond(request, state["ready"], state["now"])
        else:  # the code before pagecache.Ready (to measure it with this tool)
            middleware.serve(request, state["key"], state["ready"], state["now"])

    return [
        ("the request object (WSGIRequest)", request),
        ("+ is it a reader page (resolve, cached), session cookie?", resolved),
        ("+ the stamps: one query (queries.content_stamp)", stamped),
        ("+ the page key (host, address, digest)", keyed),
        ("+ the kept copy (recent)", found),
        ("+ the response: body, headers, Cache-Control, 304 check", answered),
    ]


def measured_steps(url, requests):
    """Inside valgrind: the hit under each middleware stack, then each step alone;
    the signals every request sends around them. Each measurement is a dump pair."""
    import django

    django.setup(set_prefix=False)  # as get_wsgi_application() does

    from django.core import signals
    from django.core.cache import caches
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    from articles.reader import pagecache
    from bench.profile_pages import environ_for

    labels = []
    for label, stack in hit_stacks():
        with override_settings(MIDDLEWARE=stack):
            # Each stack stores its own copy: what is stored depends on what is above
            # the page cache (pagecache.headers_from_above).
            pagecache.recent.clear()
            caches["pages"].clear()
            application = WSGIHandler()
            for _ in range(WARMUP):
                status = serve(application, url)
            if not status.startswith("200"):
                raise SystemExit(f"{url} answered {status}")
            os.getppid()
            for _ in range(requests):
                serve(application, url)
            os.getppid()
        labels.append(("stack", label))
    environ = environ_for(url)
    for label, step in [
        (
            "request_started and request_finished (their receivers)",
            lambda: (
                signals.request_started.send(sender=WSGIHandler, environ=environ),
                signals.request_finished.send(sender=WSGIHandler),
            ),
        ),
        *hit_steps(url),
    ]:
        for _ in range(WARMUP):
            step()
        os.getppid()
        for _ in range(requests):
            step()
        os.getppid()
        labels.append(("step", label))
    return labels


def print_steps(labels, counts, requests):
    """The two tables: per middleware (differences of stacks) and per step."""
    per = [counts[2 * index + 1] / requests for index in range(len(labels))]
    print("| middleware stack, cache hit | instructions per request | this layer |")
    print("|---|--:|--:|")
    before = None
    for (kind, label), count in zip(labels, per, strict=True):
        if kind != "stack":
            continue
        layer = "" if before is None else f"{(count - before) / 1e3:+.0f} k"
        print(f"| {label} | {count / 1e6:.3f} M | {layer} |")
        before = count
    print()
    print("| step of a hit, alone | instructions (cumulative) | this step |")
    print("|---|--:|--:|")
    before = None
    for (kind, label), count in zip(labels, per, strict=True):
        if kind != "step":
            continue
        step = ""
        if before is not None and label.startswith("+"):
            step = f"{(count - before) / 1e3:+.0f} k"
        print(f"| {label} | {count / 1e3:.0f} k | {step} |")
        before = count


def totals(out_dir):
    """Instruction totals of the callgrind dumps, in the order they were written."""
    dumps = sorted(
        Path(out_dir).glob("callgrind.out.*"),
        key=lambda path: int(path.name.rsplit(".", 1)[1]) if path.name.count(".") > 2 else 0,
    )
    counts = []
    for dump in dumps:
        match = re.search(r"^(?:summary|totals): (\d+)", dump.read_text(), re.MULTILINE)
        if match and dump.name.count(".") > 2:
            counts.append(int(match.group(1)))
    return counts


def main(argv=None):
    args = parse_args(argv)
    if args.ceiling:
        args.urls = [CEILING_URL]
    elif args.database is None:
        raise SystemExit("--database is required (or --ceiling)")
    elif not args.urls:
        _, pages = pick_urls(args.database)
        args.urls = list(dict.fromkeys(url for _, url in pages if url != CEILING_URL))
    if args.steps and (args.ceiling or not args.cached or len(args.urls) != 1):
        raise SystemExit("--steps measures one address's cache hit: --cached and one URL")
    if args.inner:
        if args.ceiling:
            sys.path.insert(0, str(CEILING_DIR))
        if args.steps:
            labels = measured_steps(args.urls[0], args.requests)
            Path(os.environ["BENCH_STEPS_FILE"]).write_text(repr(labels))
            return
        measured_requests(args.urls, args.requests)
        return
    with tempfile.TemporaryDirectory(prefix="newsroom-instructions-") as var_dir:
        if args.ceiling:
            env = ceiling_environment()
        else:
            cache = "PAGE_CACHE=1" if args.cached else "PAGE_CACHE=0"
            env = server_environment(args.database.resolve(), var_dir, [cache])
            collectstatic(env)
        # The same secret every run: nothing here signs, but nothing should differ either.
        env["SECRET_KEY"] = "instructions-" + "abcdefghij" * 5
        out = Path(var_dir) / "callgrind.out.%p"
        inner = ["--ceiling"] if args.ceiling else ["--database", str(args.database)]
        if args.cached:
            inner.append("--cached")
        if args.gzip:
            env["BENCH_ACCEPT_ENCODING"] = "gzip, deflate, br"
        if args.not_modified:
            env["BENCH_NOT_MODIFIED"] = "1"
        steps_file = Path(var_dir) / "steps.txt"
        if args.steps:
            env["BENCH_STEPS_FILE"] = str(steps_file)
            inner.append("--steps")
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--dump-before=getppid",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--inner",
                *inner,
                "--requests",
                str(args.requests),
                *args.urls,
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        counts = totals(var_dir)
        labels = eval(steps_file.read_text()) if args.steps else None  # noqa: S307 (our own repr)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for dump in Path(var_dir).glob("callgrind.out.*"):
                shutil.copy(dump, args.keep / dump.name)
    if labels is not None:
        print_steps(labels, counts, args.requests)
        return
    # Two dumps per address: the warm-up (ignored) and the measured requests.
    if len(counts) < 2 * len(args.urls):
        raise SystemExit(f"expected {2 * len(args.urls)} callgrind dumps, found {len(counts)}")
    print("| page | instructions per request |")
    print("|---|---|")
    for index, url in enumerate(args.urls):
        print(f"| `{url}` | {counts[2 * index + 1] / args.requests / 1e6:.2f} M |")


if __name__ == "__main__":
    main()
