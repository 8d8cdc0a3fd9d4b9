"""
A load test of the reader site: many readers at once on a realistic mix of pages.

    python bench/load.py --database /tmp/bench.sqlite3 [--uncached]
    python bench/load.py --database-url postgres://newsroom:newsroom@127.0.0.1:5432/newsroom_bench

Starts gunicorn the way ``bench/run.py`` does (its functions: ``newsroom.settings``,
``--workers`` sync workers, DEBUG off, collected static files, a free port of
127.0.0.1) on the given database (made by ``bench/generate.py``), with the page
cache on (``--cached``, the default: ``PAGE_CACHE=1``) or off (``--uncached``:
``PAGE_CACHE=0``). Then it runs wrk with ``--connections`` (64) connections for
``--duration`` (60) seconds, after a ``--warmup`` of the same load. A generated
Lua script draws every request's path from a weighted list picked from the
database:

* stories 45%: ``--stories`` (400) distinct ones. Three quarters are the newest
  live stories, weighted towards the most recent (1 / (rank + 10)); the other
  quarter are older ones drawn at random from the whole archive, which share
  15% of the story requests;
* the front page 15% (a few of them pages 2 and 3);
* section pages 10% (by the section's size; one in ten page 2);
* tag pages 8% (the ``--tags`` most used tags, popular ones more often);
* author pages 4% (by the author's number of bylines);
* search 8%: a few dozen queries made of words from recent headlines (common
  and rarer words, two-word queries) and popular tag names;
* feeds 10%: the site's RSS, Atom and JSON feeds and those of every section.

Prints a Markdown table row (date, database, cache, workers, connections,
duration, requests per second, p50/p95/p99 latency, errors, the workers' peak
RSS) and, under it, what each kind of page got: its share of the requests, the
server's own time for it (from gunicorn's access log) and any error answers,
with the failing addresses. Errors are answers other than 2xx/3xx, socket
errors and timeouts (``--timeout``, 5 s); the script exits with 1 if there was
any.

The same load (``--connections``, ``--duration``, wrk's flags) is then run on
the *ceiling* (``bench/ceiling/``, a separate minimal Django project returning
a fixed 30 KB page, under its own gunicorn with the same flags and
``gunicorn.conf.py``), and the product's throughput and p99 are reported as
ratios to it.

``--publish-every 6``: while the load runs, a story is published every 6
seconds through the ORM (``Article.save()``, a byline and the two most used
tags, as the admin does: the content version is bumped, and the pages that show
the story go stale: the site-wide ones, its section's, tags' and author's, and
every story page's Latest and Related blocks), and the front page is
polled until the new headline shows; the report gives the time each story took
to appear. The stories are deleted at the end.

When the database has open live coverage (``bench/generate.py --live-updates``), the
mix also asks for the live story's page and polls its updates endpoint (``live``).
``--update-every 10``: while the load runs, an update is posted to that story every 10
seconds through the desk's own function (``editorial.live.save_update``, as a
temporary editor), and its updates endpoint is polled as ``static/live.js`` does
(``?after=`` the newest update shown) until the update shows; the report gives the
time each took (the issue: within the poll interval plus 5 s). The updates and the
editor are deleted at the end.

``--base-url http://127.0.0.1:8100``: no server is started; the mix is picked from
the given database (the site's own) and wrk runs against that address, e.g.
``deploy/local-cluster``'s edge or one of its hosts (the ceiling too, unless
``--no-ceiling``). Publications then need the site's purge settings in this process
(``--env EDGE_PURGE_BACKEND=varnish --env EDGE_PURGE_URLS=...``: docs/deploy.md).

Other processes on the same cores distort the figures: the script waits (at
most ``--patience`` seconds) for a quiet second before measuring and says how
much CPU others used during the run. Only 127.0.0.1 is ever targeted; wrk is
killed if it has not finished a few seconds after ``--duration``, and gunicorn
(only the process this script started) is stopped at the end, whatever happens.
"""

import argparse
import collections
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from shutil import which
from urllib.parse import quote_plus, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    CEILING_URL,
    GRACE,
    MAX_OTHER_CORES,
    CpuMeter,
    MemoryWatch,
    add_database_options,
    add_env_option,
    check_database_url,
    collectstatic,
    fetch,
    free_port,
    parse_checked,
    server_environment,
    start_ceiling,
    start_gunicorn,
    stop,
    wait_until_quiet,
    wait_until_ready,
)

# Share of the requests per kind of page (percent).
MIX = {
    "story": 45,
    "front": 15,
    "section": 10,
    "tag": 8,
    "author": 4,
    "search": 8,
    "feed": 10,
    "live": 6,  # only with open live coverage: its page and its updates endpoint
}
LIVE_POLL_SHARE = 0.7  # of the live requests: the endpoint polled, the rest the page
ARCHIVE_SHARE = 0.15  # of the story requests: older stories, found through search and links
RECENT_OFFSET = 10  # story weights 1 / (rank + RECENT_OFFSET), newest first
FEED_FORMATS = {"feed/": 0.7, "feed/atom/": 0.2, "feed/json/": 0.1}  # share of a feed's readers
SITE_FEEDS = 0.55  # share of the feed requests for the site's own feeds (the rest: sections)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}  # --base-url: never another machine

# Words that make poor searches (PostgreSQL drops most of them anyway).
STOP_WORDS = set(
    """
    about after also been from have into more said says than that their them they this
    told were what when which while will with would over under along among around across
    before because between despite during since through toward until upon within without
    although onto
    """.split()  # noqa: SIM905 -- a paragraph of words reads better than a list
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    add_database_options(parser)
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="load a site already running on this machine (deploy/local-cluster's edge or "
        "one of its hosts): no server is started, the addresses are still picked from "
        "--database/--database-url (the site's own database)",
    )
    parser.add_argument(
        "--connections", type=int, default=64, help="concurrent connections (%(default)s)"
    )
    parser.add_argument("--duration", type=int, default=60, help="seconds measured (%(default)s)")
    parser.add_argument(
        "--warmup", type=int, default=5, help="seconds of load before measuring (%(default)s)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (%(default)s)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (%(default)s)")
    parser.add_argument(
        "--timeout",
        type=int,
        default=5,
        help="seconds after which wrk counts a request as timed out (%(default)s)",
    )
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument(
        "--cached",
        dest="cached",
        action="store_true",
        default=True,
        help="with the page cache (PAGE_CACHE=1; the default)",
    )
    cache.add_argument(
        "--uncached", dest="cached", action="store_false", help="without it (PAGE_CACHE=0)"
    )
    parser.add_argument(
        "--stories", type=int, default=400, help="distinct story pages (%(default)s)"
    )
    parser.add_argument("--tags", type=int, default=150, help="distinct tag pages (%(default)s)")
    parser.add_argument("--terms", type=int, default=40, help="distinct searches (%(default)s)")
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the choices and requests (%(default)s)"
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=120,
        help="seconds to wait for other processes to leave the CPU before measuring (%(default)s)",
    )
    parser.add_argument(
        "--publish-every",
        type=float,
        default=0,
        metavar="SECONDS",
        help="publish a story this often during the run (0: never; the issue asks for 6)",
    )
    parser.add_argument(
        "--update-every",
        type=float,
        default=0,
        metavar="SECONDS",
        help="post a live update this often during the run (0: never; issue 17 asks for 10)",
    )
    parser.add_argument(
        "--no-ceiling", action="store_true", help="skip the ceiling run under the same load"
    )
    add_env_option(parser)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the weighted addresses picked from the database and stop (no server, no load)",
    )
    args = parse_checked(parser, argv)
    if any(item.split("=", 1)[0] in {"PAGE_CACHE", "DATABASE_URL"} for item in args.env):
        parser.error("use --cached/--uncached and --database/--database-url, not --env")
    if args.database is not None and not args.database.is_file():
        parser.error(f"{args.database} does not exist; make it with bench/generate.py")
    check_database_url(parser, args)
    if args.base_url is not None:
        address = urlsplit(args.base_url)
        if address.scheme != "http" or address.hostname not in LOOPBACK:
            parser.error("--base-url must be an http:// address of this machine (127.0.0.1)")
    if min(args.connections, args.duration, args.workers, args.threads, args.timeout) < 1:
        parser.error(
            "--connections, --duration, --workers, --threads and --timeout must be positive"
        )
    if args.threads > args.connections:
        parser.error("--threads cannot exceed --connections")
    if min(args.stories, args.tags, args.terms) < 1:
        parser.error("--stories, --tags and --terms must be positive")
    if min(args.warmup, args.patience) < 0:
        parser.error("--warmup and --patience cannot be negative")
    return args


def database_kind(args):
    return "SQLite" if args.database is not None else "PostgreSQL"


def environment(args, var_dir, access_log):
    """The server's environment: run.py's, pointed at the database, the cache on or off.

    gunicorn also writes an access log (status, microseconds, request line) and the
    workers' own output (Django's error tracebacks) to its error log, through
    GUNICORN_CMD_ARGS, which adds to the flags run.py gives it.
    """
    extra = [
        f"PAGE_CACHE={1 if args.cached else 0}",
        "GUNICORN_CMD_ARGS=--capture-output "
        f"--access-logfile {access_log} --access-logformat '%(s)s %(D)s %(r)s'",
        *args.env,
    ]
    if args.database_url is not None:
        # run.py's server_environment makes a sqlite:/// URL of its first argument;
        # a later DATABASE_URL among the extras replaces it.
        extra.insert(0, f"DATABASE_URL={args.database_url}")
    return server_environment(args.database, var_dir, extra)


# --- Which pages ------------------------------------------------------------


def setup_django(env):
    """Django in this process, on the server's settings and database, to pick addresses."""
    os.environ.update(env)
    import django

    django.setup()


def zipf(count, offset):
    return [1 / (rank + offset) for rank in range(count)]


def story_urls(rng, live, count):
    """(path, weight): the newest stories weighted by recency, older ones at random."""
    newest = list(
        live.order_by("-published_at", "-id").values_list("id", "path")[: max(1, count * 3 // 4)]
    )
    recent_ids = {story_id for story_id, _ in newest}
    older = [
        story_id for story_id in live.values_list("id", flat=True) if story_id not in recent_ids
    ]
    sample = rng.sample(older, min(len(older), count - len(newest)))
    weights = zipf(len(newest), RECENT_OFFSET)
    share = 1 - ARCHIVE_SHARE if sample else 1
    urls = [
        (path, share * weight / sum(weights))
        for (_, path), weight in zip(newest, weights, strict=True)
    ]
    paths = live.filter(id__in=sample).values_list("path", flat=True)
    urls += [(path, ARCHIVE_SHARE / len(sample)) for path in paths]
    return urls


def search_terms(rng, live, tag_names, count):
    """A few dozen searches: words of recent headlines, pairs of them, popular tag names."""
    words = collections.Counter(
        word
        for headline in live.order_by("-published_at").values_list("headline", flat=True)[:500]
        for word in re.findall(r"[^\W\d_]{4,}", headline.lower())
        if word not in STOP_WORDS
    )
    ranked = [word for word, _ in words.most_common()]
    common = ranked[: count * 4 // 10]
    rarer = ranked[len(common) :]
    terms = list(common)
    terms += [name.lower() for name in tag_names[: count // 10]]
    for _ in range(count // 10):
        if len(common) >= 2:
            terms.append(" ".join(rng.sample(common, 2)))
    terms += rng.sample(rarer, min(len(rarer), count - len(terms)))
    terms = list(dict.fromkeys(terms))[:count]  # distinct, in order
    return [
        (f"/search/?q={quote_plus(term)}", weight)
        for term, weight in zip(terms, zipf(len(terms), 3), strict=True)
    ]


def pick_urls(args):
    """{kind: [(path, weight), ...]} from the database, and the number of live stories."""
    from django.db import connection
    from django.db.models import Count, Q
    from django.utils import timezone
    from taggit.models import Tag

    from articles.models import Article, Author, Section

    rng = random.Random(args.seed)  # noqa: S311 -- test data, not secrets
    now = timezone.now()
    live = Article.objects.live(now)
    count = live.count()
    if count < 2:
        raise SystemExit(f"the database has {count} live stories; make one with bench/generate.py")
    live_filter = Q(articles__status=Article.Status.PUBLISHED, articles__published_at__lte=now)

    sections = list(
        Section.objects.annotate(stories=Count("articles", filter=live_filter))
        .filter(stories__gt=0)
        .order_by("-stories", "id")
        .values_list("slug", "stories")
    )
    section_total = sum(stories for _, stories in sections)
    tags = list(
        Tag.objects.annotate(links=Count("articles_taggedarticle_items"))
        .filter(links__gt=0)
        .order_by("-links", "id")
        .values_list("slug", "name")[: args.tags]
    )
    authors = list(
        Author.objects.annotate(stories=Count("bylines"))
        .filter(stories__gt=0)
        .order_by("-stories", "id")
        .values_list("slug", "stories")
    )
    author_total = sum(stories for _, stories in authors)

    urls = {
        "story": story_urls(rng, live, args.stories),
        "front": [("/", 0.9), ("/?page=2", 0.07), ("/?page=3", 0.03)],
        "section": [
            (f"/section/{slug}/{page}", stories / section_total * share)
            for slug, stories in sections
            for page, share in (("", 0.9), ("?page=2", 0.1))
        ],
        "tag": [
            (f"/tag/{slug}/", weight)
            for (slug, _), weight in zip(tags, zipf(len(tags), 5), strict=True)
        ],
        "author": [(f"/author/{slug}/", stories / author_total) for slug, stories in authors],
        "search": search_terms(rng, live, [name for _, name in tags], args.terms),
        "feed": [(f"/{suffix}", SITE_FEEDS * share) for suffix, share in FEED_FORMATS.items()]
        + [
            (f"/section/{slug}/{suffix}", (1 - SITE_FEEDS) * stories / section_total * share)
            for slug, stories in sections
            for suffix, share in FEED_FORMATS.items()
        ],
    }
    coverage = live_story(now)
    if coverage is not None:
        _, path, newest = coverage
        urls["live"] = [
            (path, 1 - LIVE_POLL_SHARE),
            (f"{path}updates/?after={newest}", LIVE_POLL_SHARE),
        ]
    connection.close()
    empty = [kind for kind, items in urls.items() if not items]
    if empty:
        raise SystemExit(f"nothing to request for {', '.join(empty)}: is the archive complete?")
    return urls, count


def live_story(now):
    """(id, address, newest visible update's id) of the open live coverage with the most
    updates, or None."""
    from django.db.models import Count

    from articles.models import Article, LiveUpdate

    story = (
        Article.objects.live(now)
        .filter(live_started_at__isnull=False, live_ended_at__isnull=True)
        .annotate(updates=Count("live_updates"))
        .order_by("-updates", "-id")
        .values_list("id", "path")
        .first()
    )
    if story is None:
        return None
    newest = (
        LiveUpdate.objects.visible(now)
        .filter(story_id=story[0])
        .order_by("-published_at", "-id")
        .values_list("id", flat=True)
        .first()
    )
    return story[0], story[1], newest or 0


def weighted(urls):
    """[(path, kind, weight)]: each kind's weights scaled to its share of MIX (percent)."""
    rows = []
    for kind, items in urls.items():
        total = sum(weight for _, weight in items)
        rows += [(path, kind, MIX[kind] * weight / total) for path, weight in items]
    return rows


# --- The load ---------------------------------------------------------------

LUA = """\
-- Generated by bench/load.py: every request draws its path from a weighted list.
local paths = {
%(paths)s
}
local cumulative = {
%(cumulative)s
}
local total = cumulative[#cumulative]
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  math.randomseed(%(seed)d + number)
end

function request()
  local r = math.random() * total
  local low, high = 1, #cumulative
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cumulative[middle] < r then low = middle + 1 else high = middle end
  end
  return wrk.format("GET", paths[low])
end

-- wrk counts answers other than 2xx/3xx (status) and socket errors; report them all.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "LOAD-RESULT requests=%%d duration_us=%%d bytes=%%d connect=%%d read=%%d write=%%d " ..
    "status=%%d timeout=%%d p50_us=%%d p95_us=%%d p99_us=%%d max_us=%%d\\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""

SAFE_PATH = re.compile(r"[A-Za-z0-9/_.~%?=&+-]+")


def lua_script(rows, seed):
    paths, cumulative, total = [], [], 0.0
    for path, _, weight in rows:
        if not SAFE_PATH.fullmatch(path):
            raise SystemExit(f"unexpected characters in {path!r}")
        total += weight
        paths.append(f'  "{path}",')
        cumulative.append(f"  {total!r},")
    return LUA % {"paths": "\n".join(paths), "cumulative": "\n".join(cumulative), "seed": seed}


def wrk(base, script, args, duration, watchers):
    """One bounded wrk run of the script; returns (parsed result, wrk's own report)."""
    command = [
        which("wrk") or "/usr/bin/wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        f"{args.timeout}s",
        "-s",
        str(script),
        base + "/",
    ]
    deadline = time.monotonic() + duration + args.timeout + GRACE
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while process.poll() is None:
            if time.monotonic() > deadline:
                raise SystemExit(f"wrk did not stop after {duration} s: killed")
            for watcher in watchers:  # peak memory, CPU of the run's processes
                watcher.sample()
            time.sleep(0.5)
        output, errors = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
    match = re.search(r"^LOAD-RESULT (.+)$", output, re.MULTILINE)
    if process.returncode != 0 or match is None:
        raise SystemExit(f"wrk failed ({process.returncode}):\n{output}{errors}")
    result = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}
    report = output[: match.start()] + output[match.end() :]
    return result, report.strip()


def run_errors(result):
    return sum(result[key] for key in ("connect", "read", "write", "status", "timeout"))


# --- What the server saw ----------------------------------------------------


def server_log(access_log, offset, kinds):
    """Per kind, from the access log after ``offset``: requests, server time, error answers."""
    seen = collections.defaultdict(
        lambda: {"requests": 0, "ms": [], "errors": collections.Counter()}
    )
    try:
        with open(access_log, encoding="utf-8", errors="replace") as log:
            log.seek(offset)
            lines = log.read().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split(" ")
        if len(parts) < 4 or not parts[0].isdigit() or not parts[1].isdigit():
            continue
        status, ms, path = int(parts[0]), int(parts[1]) / 1000, parts[3]
        entry = seen[kinds.get(path, "other")]
        entry["requests"] += 1
        entry["ms"].append(ms)
        if status >= 400:
            entry["errors"][(status, path)] += 1
    return seen


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(len(ordered) * share) - 1)]


def kind_table(seen, rows):
    planned = collections.Counter()
    distinct = collections.Counter()
    for _, kind, weight in rows:
        planned[kind] += weight
        distinct[kind] += 1
    total = sum(entry["requests"] for entry in seen.values()) or 1
    lines = [
        "| kind | distinct URLs | planned | got | server p50 ms | server p95 ms | error answers |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for kind in [*MIX, *sorted(set(seen) - set(MIX))]:
        entry = seen.get(kind)
        if entry is None or not entry["requests"]:
            lines.append(f"| {kind} | {distinct[kind]} | {planned[kind]:.0f}% | 0 | | | |")
            continue
        errors = ", ".join(
            f"{status} {path} ×{number}"
            for (status, path), number in entry["errors"].most_common(5)
        )
        more = len(entry["errors"]) - 5
        if more > 0:
            errors += f" and {more} more addresses"
        lines.append(
            f"| {kind} | {distinct[kind]} | {planned[kind]:.0f}% "
            f"| {entry['requests'] / total:.1%} | {statistics.median(entry['ms']):.1f} "
            f"| {percentile(entry['ms'], 0.95):.1f} | {errors} |"
        )
    return "\n".join(lines)


def error_log_notes(error_log):
    """Worker timeouts, restarts after a crash and Django's tracebacks in gunicorn's error log."""
    try:
        text = Path(error_log).read_text(errors="replace")
    except OSError:
        return []
    notes = []
    for pattern, what in (
        (r"WORKER TIMEOUT", "worker timeouts"),
        (r"Worker \(pid:\d+\) was sent", "workers killed"),
        (r"^.*(?:Internal Server Error|Service Unavailable): (\S+)", "server errors"),
        (r"Traceback \(most recent call last\)", "tracebacks"),
    ):
        found = re.findall(pattern, text, re.MULTILINE)
        if found:
            example = f" (e.g. {found[0]})" if isinstance(found[0], str) and "/" in found[0] else ""
            notes.append(f"{len(found)} {what}{example}")
    return notes


# --- Other processes --------------------------------------------------------

# --- Publishing under load ---------------------------------------------------


class Ticker:
    """Does something every ``every`` seconds in a thread while the load runs (the first
    after half of that) and times how long each takes to show where readers look
    (polled every 20 ms, at most ``PATIENCE`` seconds)."""

    POLL = 0.02
    PATIENCE = 30.0
    SHOWN = "done; shown"  # the summary's words: "N <SHOWN> after median ..."
    NONE = "nothing was shown"

    def __init__(self, base, every):
        self.base, self.every = base, every
        self.appeared, self.missing, self.ids = [], 0, []  # seconds from each commit
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.thread.start()

    def finish(self):
        self.stop.set()
        self.thread.join(timeout=self.PATIENCE + 10)
        from django.db import connection

        self.clean_up()
        connection.close()

    def run(self):
        from django.db import connection

        self.prepare()
        number = 0
        while not self.stop.wait(self.every if number else self.every / 2):
            number += 1
            shown = self.post(number)
            committed = time.monotonic()
            self.wait_until(shown, committed)
        connection.close()

    def wait_until(self, shown, committed):
        while time.monotonic() - committed < self.PATIENCE:
            try:
                if shown():
                    self.appeared.append(time.monotonic() - committed)
                    return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(self.POLL)
        self.missing += 1

    def summary(self):
        if not self.appeared:
            return f"{self.NONE} ({self.missing} missing)"
        ordered = sorted(self.appeared)
        return (
            f"{len(ordered)} {self.SHOWN} after "
            f"median {statistics.median(ordered) * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms"
            + (f"; {self.missing} not within {self.PATIENCE:.0f} s" if self.missing else "")
        )


class Publisher(Ticker):
    """Publishes a story every ``every`` seconds through the ORM and times how long
    each takes to show on the front page."""

    SHOWN = "stories published; on the front page"
    NONE = "no story appeared on the front page"

    def prepare(self):
        from django.db import models

        from articles.models import Byline, Section, TaggedArticle

        self.section = Section.objects.order_by("id").first()
        self.author_id = Byline.objects.values_list("author_id", flat=True).first()
        # Tagged like a real story: the two most used tags, whose pages are in the mix
        # and whose stories' Related blocks it joins (the costly case for a publication).
        self.tags = list(
            TaggedArticle.objects.values_list("tag__name", flat=True)
            .annotate(uses=models.Count("id"))
            .order_by("-uses")[:2]
        )

    def post(self, number):
        from articles.models import Article, Byline

        headline = f"Load test bulletin {number} {time.time_ns()}"
        story = Article(
            headline=headline,
            dek="Published while readers load the site.",
            body="<p>Published by bench/load.py --publish-every.</p>",
            status=Article.Status.PUBLISHED,
            section=self.section,
        )
        story.save()
        if self.author_id:
            Byline.objects.create(article=story, author_id=self.author_id, position=0)
        if self.tags:
            story.tags.add(*self.tags)
        self.ids.append(story.id)
        needle = headline.encode()

        def on_the_front():
            with urllib.request.urlopen(self.base + "/", timeout=5) as response:  # noqa: S310
                return needle in response.read()

        return on_the_front

    def clean_up(self):
        from articles.models import Article

        Article.objects.filter(id__in=self.ids).delete()


class Updater(Ticker):
    """Posts a live update every ``every`` seconds through the desk's function and times
    how long each takes to reach a reader polling the story's updates endpoint with the
    newest update they saw (at most 35 s: the issue's bound)."""

    PATIENCE = 35.0
    SHOWN = "updates posted; seen by a poller"
    NONE = "no update reached a poller"
    EDITOR = "bench-load-live-desk"

    def __init__(self, base, every, story_id, path, newest):
        super().__init__(base, every)
        self.story_id, self.path, self.newest = story_id, path, newest

    def prepare(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        self.editor, _ = get_user_model().objects.get_or_create(
            username=self.EDITOR, defaults={"is_staff": True}
        )
        self.editor.groups.add(Group.objects.get(name="Editor"))

    def post(self, number):
        from articles.editorial import live as desk
        from articles.models import LiveUpdate

        update = LiveUpdate(
            story_id=self.story_id,
            body=f"<p>Live update {number} posted by bench/load.py --update-every.</p>",
        )
        desk.save_update(update, self.editor, publish=True)
        self.ids.append(update.id)

        def seen_by_a_poller():
            address = f"{self.base}{self.path}updates/?after={self.newest}"
            with urllib.request.urlopen(address, timeout=5) as response:  # noqa: S310
                shown = [item["id"] for item in json.loads(response.read())["updates"]]
            if update.id in shown:
                self.newest = update.id
                return True
            return False

        return seen_by_a_poller

    def clean_up(self):
        from django.contrib.auth import get_user_model

        from articles.models import LiveUpdate

        LiveUpdate.objects.filter(id__in=self.ids).delete()
        get_user_model().objects.filter(username=self.EDITOR).delete()


def live_updater(args, base):
    """The ``--update-every`` poster, or None (not asked, or no open live coverage)."""
    if not args.update_every:
        return None
    from django.utils import timezone

    coverage = live_story(timezone.now())
    if coverage is None:
        raise SystemExit(
            "--update-every needs open live coverage: bench/generate.py --live-updates"
        )
    return Updater(base, args.update_every, *coverage)


def against_base_url(args, urls, rows, count, script, var_dir):
    """``--base-url``: the same mix, warm-up, publications and ceiling on a site this
    script did not start (deploy/local-cluster). Its servers' memory, CPU and access
    log are not this script's to read: only wrk's figures are reported."""
    base = args.base_url.rstrip("/")
    for kind, items in urls.items():
        path = max(items, key=lambda item: item[1])[0]
        status = fetch(base + path)[0]
        if status != 200:
            raise SystemExit(f"{kind} {path} answered {status} at {base}, not 200")
    print(f"{len(rows)} addresses, {count:,} live stories, on {base}", file=sys.stderr)
    if args.warmup:
        print(f"warming up: {args.warmup} s", file=sys.stderr)
        wrk(base, script, args, args.warmup, [])
    print(f"measuring: {args.duration} s", file=sys.stderr)
    publisher = Publisher(base, args.publish_every) if args.publish_every else None
    if publisher:
        publisher.start()
    try:
        result, report = wrk(base, script, args, args.duration, [])
    finally:
        if publisher:
            publisher.finish()
    ceiling = None if args.no_ceiling else ceiling_run(args, var_dir)
    print(report, file=sys.stderr)
    seconds = result["duration_us"] / 1e6
    errors = run_errors(result)
    print(
        f"{base}, {database_kind(args)} ({count:,} live), {args.connections} connections, "
        f"{args.duration} s: {result['requests'] / seconds:,.0f} req/s, p50 "
        f"{result['p50_us'] / 1000:.1f} ms, p95 {result['p95_us'] / 1000:.1f} ms, p99 "
        f"{result['p99_us'] / 1000:.1f} ms; {result['requests']:,} requests, {errors} errors: "
        f"{result['status']} answers other than 2xx/3xx, socket errors connect "
        f"{result['connect']}, read {result['read']}, write {result['write']}, timeout "
        f"{result['timeout']} (> {args.timeout} s)."
    )
    if ceiling is not None:
        ceiling_rps = ceiling["requests"] / (ceiling["duration_us"] / 1e6)
        print(
            f"Ceiling under the same load: {ceiling_rps:,.0f} req/s, p99 "
            f"{ceiling['p99_us'] / 1000:.1f} ms: the site's throughput "
            f"{result['requests'] / seconds / ceiling_rps:.2f} × the ceiling's."
        )
    if publisher:
        print(f"Publishing every {args.publish_every:g} s: {publisher.summary()}.")
    return 1 if errors else 0


def ceiling_run(args, var_dir):
    """The same load on the ceiling project; returns wrk's parsed LOAD-RESULT."""
    script = Path(var_dir) / "ceiling.lua"
    script.write_text(lua_script([(CEILING_URL, "ceiling", 1.0)], args.seed))
    server, base = start_ceiling(args.env, args.workers, Path(var_dir) / "ceiling.log")
    try:
        if args.warmup:
            wrk(base, script, args, args.warmup, [])
        result, _ = wrk(base, script, args, args.duration, [])
    finally:
        stop(server)
    return result


# --- Report -----------------------------------------------------------------


def table_row(args, count, result, memory):
    seconds = result["duration_us"] / 1e6
    peak = max(memory.peaks.values(), default=0) / 1024
    return (
        f"| {datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC "
        f"| {database_kind(args)} ({count:,} live) "
        f"| {'cached' if args.cached else 'uncached'} | {args.workers} | {args.connections} "
        f"| {args.duration} s | {result['requests'] / seconds:,.0f} "
        f"| {result['p50_us'] / 1000:.1f} | {result['p95_us'] / 1000:.1f} "
        f"| {result['p99_us'] / 1000:.1f} | {run_errors(result)} | {peak:.1f} MB |"
    )


TABLE_HEAD = (
    "| date | database | cache | workers | connections | duration | req/s "
    "| p50 ms | p95 ms | p99 ms | errors | peak RSS |\n"
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
)


def main(argv=None):
    args = parse_args(argv)
    if args.database is not None:
        args.database = args.database.resolve()
    with tempfile.TemporaryDirectory(prefix="newsroom-load-") as var_dir:
        access_log = Path(var_dir) / "access.log"
        error_log = Path(var_dir) / "gunicorn.log"
        env = environment(args, var_dir, access_log)
        setup_django(env)
        urls, count = pick_urls(args)
        rows = weighted(urls)
        kinds = {path: kind for path, kind, _ in rows}
        if args.dry_run:
            for path, kind, weight in sorted(rows, key=lambda row: -row[2]):
                print(f"{weight:8.4f}%  {kind:8}  {path}")
            print(f"{len(rows)} addresses, {count:,} live stories", file=sys.stderr)
            return 0
        script = Path(var_dir) / "mix.lua"
        script.write_text(lua_script(rows, args.seed))
        if args.base_url:
            return against_base_url(args, urls, rows, count, script, var_dir)

        collectstatic(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_gunicorn(env, port, args.workers, error_log)
        try:
            wait_until_ready(server, base, error_log)
            memory = MemoryWatch(server.pid)
            meter = CpuMeter(
                server.pid,
                database=urlsplit(args.database_url or "").path.lstrip("/") or None,
            )
            # One address of each kind must answer 200 before any load.
            for kind, items in urls.items():
                path = max(items, key=lambda item: item[1])[0]
                status = fetch(base + path)[0]
                if status != 200:
                    raise SystemExit(f"{kind} {path} answered {status}, not 200")
            counts = ", ".join(f"{kind} {len(items)}" for kind, items in urls.items())
            print(f"{len(rows)} addresses ({counts}), {count:,} live stories", file=sys.stderr)
            if args.warmup:
                print(f"warming up: {args.warmup} s", file=sys.stderr)
                warm, _ = wrk(base, script, args, args.warmup, [memory, meter])
                if run_errors(warm):
                    print(f"  {run_errors(warm)} errors while warming up", file=sys.stderr)
            wait_until_quiet(meter, args.patience)
            offset = access_log.stat().st_size if access_log.exists() else 0
            print(f"measuring: {args.duration} s", file=sys.stderr)
            publisher = Publisher(base, args.publish_every) if args.publish_every else None
            updater = live_updater(args, base)
            meter.start()
            if publisher:
                publisher.start()
            if updater:
                updater.start()
            try:
                result, report = wrk(base, script, args, args.duration, [memory, meter])
            finally:
                if publisher:
                    publisher.finish()
                if updater:
                    updater.finish()
            other = meter.other_cores()
            memory.sample()
            seen = server_log(access_log, offset, kinds)
        finally:
            stop(server)
        notes = error_log_notes(error_log)
        ceiling = None
        if not args.no_ceiling:
            print(f"the ceiling under the same load: {args.duration} s", file=sys.stderr)
            ceiling = ceiling_run(args, var_dir)

    print(report, file=sys.stderr)
    print(TABLE_HEAD)
    print(table_row(args, count, result, memory))
    print()
    errors = run_errors(result)
    print(
        f"{result['requests']:,} requests, {errors} errors: {result['status']} answers other "
        f"than 2xx/3xx, socket errors connect {result['connect']}, read {result['read']}, "
        f"write {result['write']}, timeout {result['timeout']} (> {args.timeout} s)."
    )
    print(
        "Peak RSS (VmHWM) per gunicorn worker: "
        + ", ".join(f"{kb / 1024:.1f} MB (pid {pid})" for pid, kb in sorted(memory.peaks.items()))
        + (
            f" — {len(memory.peaks)} workers seen for {args.workers}: some were replaced"
            if len(memory.peaks) > args.workers
            else ""
        )
    )
    if ceiling is not None:
        seconds = result["duration_us"] / 1e6
        ceiling_rps = ceiling["requests"] / (ceiling["duration_us"] / 1e6)
        print(
            f"Ceiling under the same load: {ceiling_rps:,.0f} req/s, p99 "
            f"{ceiling['p99_us'] / 1000:.1f} ms, {run_errors(ceiling)} errors. Product: "
            f"throughput {result['requests'] / seconds / ceiling_rps:.2f} × the ceiling's, "
            f"p99 {result['p99_us'] / ceiling['p99_us']:.1f} × the ceiling's."
        )
    if publisher:
        print(f"Publishing every {args.publish_every:g} s: {publisher.summary()}.")
    if updater:
        print(f"A live update every {args.update_every:g} s: {updater.summary()}.")
    busy = f"Other processes used {other:.2f} cores during the run"
    print(
        busy + (": **the figures are disturbed, run again**." if other > MAX_OTHER_CORES else ".")
    )
    if notes:
        print("gunicorn's error log: " + "; ".join(notes) + ".")
    if seen is not None:
        print()
        print(kind_table(seen, rows))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
