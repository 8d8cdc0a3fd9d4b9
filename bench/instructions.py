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
        for _ in range(WARMUP):
            status = serve(application, url)
        if not status.startswith("200"):
            raise SystemExit(f"{url} answered {status}")
        os.getppid()  # dump: everything up to here
        for _ in range(requests):
            serve(application, url)
        os.getppid()  # dump: the measured requests only


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
    if args.inner:
        if args.ceiling:
            sys.path.insert(0, str(CEILING_DIR))
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
        if args.gzip:
            env["BENCH_ACCEPT_ENCODING"] = "gzip, deflate, br"
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
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for dump in Path(var_dir).glob("callgrind.out.*"):
                shutil.copy(dump, args.keep / dump.name)
    # Two dumps per address: the warm-up (ignored) and the measured requests.
    if len(counts) < 2 * len(args.urls):
        raise SystemExit(f"expected {2 * len(args.urls)} callgrind dumps, found {len(counts)}")
    print("| page | instructions per request |")
    print("|---|---|")
    for index, url in enumerate(args.urls):
        print(f"| `{url}` | {counts[2 * index + 1] / args.requests / 1e6:.2f} M |")


if __name__ == "__main__":
    main()
