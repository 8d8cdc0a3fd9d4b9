"""
Measure the reader pages against the ceiling, the way docs/perf-notes.md describes.

    python bench/run.py --database /tmp/bench.sqlite3 [--duration 10] [--connections 16]
    python bench/run.py --database-url postgres://newsroom:newsroom@127.0.0.1:5432/newsroom_bench

Runs ``collectstatic`` into a temporary directory and starts two gunicorns on
free ports of 127.0.0.1, with the same flags (2 sync workers, the project's own
``gunicorn.conf.py``, untouched: its access log and worker recycling stay on):

* the product, as shipped (``newsroom.wsgi``, ``newsroom.settings``, DEBUG off)
  on the given database (made by ``bench/generate.py``);
* the *ceiling*, a separate minimal Django project (``bench/ceiling/``:
  startproject's default middleware, no database, one view returning a fixed
  30 KB page), so nothing the product does to its own stack moves the yardstick.

It warms every page up, then runs ``wrk -t1 -c16 -d10s --latency`` once per
page and round: the ceiling first, then the reader pages, and the ceiling once
more at the very end. Prints a
Markdown table (the median round's requests per second, its ratio to the
median ceiling, p50/p99 latency, the target), how far the ceiling runs spread
(more than 10% means the machine was busy: run again) and the peak resident
memory of each worker, then stops gunicorn.

Other processes on the same cores (a test suite, a build) distort the figures.
Before each run the script waits (at most ``--patience`` seconds) for a quiet
second, and a run during which other processes used more than a tenth of a
core is repeated (at most ``--retries`` times); the table flags what stayed
disturbed.

Everything is bounded: wrk stops itself after ``--duration`` seconds and is
killed if it has not finished five seconds later, and waiting for a quiet
machine gives up after ``--patience`` seconds.
"""

import argparse
import os
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zoneinfo
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from shutil import which
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
CEILING_DIR = ROOT / "bench" / "ceiling"
CEILING_URL = "/bench/ceiling/"
CONFIG = ROOT / "gunicorn.conf.py"
BIN = Path(sys.executable).parent
PAGE_SIZE = 20  # articles.reader.paging.PAGE_SIZE
DEEP_PAGE = 500
POSTGRES = ("postgres", "postgresql")
GRACE = 5  # seconds a wrk run may overrun its duration before it is killed

# Lowest acceptable ratio to the ceiling, from the speed issue (issue 13).
TARGETS = {
    "story": 0.40,
    "front": 0.20,
    "section": 0.20,
    "tag": 0.20,
    "author": 0.20,
    "feed": 0.40,
    "live story": 0.25,  # its first screen, with 2,000 updates (issue 17)
}
# With the page cache on (--cached, as shipped): every page >= 0.9, the feed >= 0.6,
# and every page's p99 at most CACHED_P99 times the ceiling's.
CACHED_TARGETS = {
    "story": 0.9,
    "front": 0.9,
    "section": 0.9,
    "tag": 0.9,
    "author": 0.9,
    "archive (month)": 0.9,
    "feed": 0.6,
    "feed, 304": 0.9,
    "live story": 0.9,
    "live updates, 304": 0.9,  # a poll that finds nothing new (issue 17)
}
CACHED_P99 = 3.0
DEEP_PAGE_TARGET = 0.8  # page 500 of the front page, as a share of page 1
MAX_SPREAD = 0.10  # ceiling runs further apart than this: the machine was busy
MAX_OTHER_CORES = 0.1  # a run during which other processes used more CPU is repeated


@dataclass
class Result:
    """One wrk run: throughput, latency percentiles (ms) and anything that went wrong."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str = ""
    other_cores: float = 0.0  # CPU used by processes other than gunicorn and wrk
    attempts: int = 1


def add_env_option(parser):
    """``--env NAME=VALUE``: a setting for the server, for what-if runs (run.py, load.py)."""
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra environment variable for the server, e.g. CONN_MAX_AGE=60 (repeatable)",
    )


def parse_checked(parser, argv):
    args = parser.parse_args(argv)
    if any("=" not in item for item in args.env):
        parser.error("--env takes NAME=VALUE")
    return args


def add_database_options(parser):
    """``--database`` (a SQLite file) or ``--database-url`` (PostgreSQL), one required."""
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--database", type=Path, help="a SQLite file made by bench/generate.py")
    target.add_argument(
        "--database-url",
        metavar="URL",
        help="a PostgreSQL database filled by bench/generate.py --database-url",
    )


def check_database_url(parser, args):
    if args.database_url is not None and urlsplit(args.database_url).scheme not in POSTGRES:
        parser.error("--database-url must be a postgres:// URL (use --database for SQLite)")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    add_database_options(parser)
    parser.add_argument("--duration", type=int, default=10, help="seconds per page (%(default)s)")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c (%(default)s)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds per page (%(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (%(default)s)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="times every page is measured (%(default)s)"
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=3,
        help="repeats of a run disturbed by other processes (%(default)s)",
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=300,
        help="seconds to wait for other processes to leave the CPU before a run (%(default)s)",
    )
    parser.add_argument(
        "--cached",
        action="store_true",
        help="measure with the page cache on (PAGE_CACHE=1); without it every request renders",
    )
    add_env_option(parser)
    args = parse_checked(parser, argv)
    if args.database is not None and not args.database.is_file():
        parser.error(f"{args.database} does not exist; make it with bench/generate.py")
    check_database_url(parser, args)
    if min(args.duration, args.connections, args.workers, args.rounds) < 1:
        parser.error("--duration, --connections, --workers and --rounds must be positive")
    if min(args.warmup, args.retries, args.patience) < 0:
        parser.error("--warmup, --retries and --patience cannot be negative")
    return args


# --- Which pages ------------------------------------------------------------


class Archive:
    """The benchmark's database, read-only, for picking addresses: a SQLite file or a
    PostgreSQL URL. Queries name their parameters ``:name`` (SQLite's style)."""

    def __init__(self, database=None, url=None):
        self.url = url
        if url is None:
            self.connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        else:
            import psycopg

            self.connection = psycopg.connect(url, autocommit=True)

    def now(self):
        """The current time as the database compares it: UTC text in SQLite (as Django
        stores it there), an aware time for PostgreSQL."""
        now = datetime.now(UTC)
        return str(now.replace(tzinfo=None)) if self.url is None else now

    def execute(self, sql, params=None):
        if self.url is not None:
            sql = re.sub(r":(\w+)", r"%(\1)s", sql)
        return self.connection.execute(sql, params or {})

    def close(self):
        self.connection.close()


def pick_urls(database, url=None):
    """One address per page kind, chosen from the database: well-used ones, all live."""
    live = "a.status = 'published' AND a.published_at <= :now"
    db = Archive(database, url)
    try:

        def one(sql):
            row = db.execute(sql, {"now": db.now()}).fetchone()
            if row is None:
                raise SystemExit(
                    f"{database or url} has no live stories; make it with bench/generate.py"
                )
            return row

        (count,) = one(f"SELECT COUNT(*) FROM articles_article a WHERE {live}")  # noqa: S608
        if count < 2:
            raise SystemExit(f"{database or url} has {count} live stories; benchmarks need more")
        (story,) = one(
            f"SELECT a.path FROM articles_article a WHERE {live} "  # noqa: S608
            f"ORDER BY a.published_at DESC, a.id DESC LIMIT 1 OFFSET {min(100, count - 1)}"
        )
        (section,) = one(
            "SELECT s.slug FROM articles_section s JOIN articles_article a ON a.section_id = s.id "  # noqa: S608
            f"WHERE {live} GROUP BY s.id ORDER BY COUNT(*) DESC LIMIT 1"
        )
        (tag,) = one(
            "SELECT g.slug FROM taggit_tag g JOIN articles_taggedarticle t ON t.tag_id = g.id "
            "GROUP BY g.id ORDER BY COUNT(*) DESC LIMIT 1"
        )
        (author,) = one(
            "SELECT u.slug FROM articles_author u JOIN articles_byline b ON b.author_id = u.id "
            "GROUP BY u.id ORDER BY COUNT(*) DESC LIMIT 1"
        )
        coverage = live_coverage(db, live)
    finally:
        db.close()
    # The front page leads with one story and lists the others, PAGE_SIZE a page.
    deepest = max(1, -(-(count - 1) // PAGE_SIZE))
    deep = min(DEEP_PAGE, deepest)
    return count, [
        ("ceiling", CEILING_URL),
        ("front", "/"),
        ("story", story),
        ("section", f"/section/{section}/"),
        ("tag", f"/tag/{tag}/"),
        ("author", f"/author/{author}/"),
        ("archive (month)", previous_month()),
        (f"front, page {deep}", f"/?page={deep}"),
        ("feed", "/feed/"),
        ("feed, 304", "/feed/"),  # a feed reader's poll that finds nothing new
        *coverage,
    ]


def live_coverage(db, live):
    """The live story with the most updates (``bench/generate.py --live-updates``): its
    page, and its updates endpoint as a poll that finds nothing new (``If-None-Match``:
    the 304) asks it. None if the database has no open live coverage."""
    row = db.execute(
        f"SELECT a.id, a.path FROM articles_article a WHERE {live} "  # noqa: S608
        "AND a.live_started_at IS NOT NULL AND a.live_ended_at IS NULL "
        "ORDER BY (SELECT COUNT(*) FROM articles_liveupdate u WHERE u.story_id = a.id) DESC "
        "LIMIT 1",
        {"now": db.now()},
    ).fetchone()
    if row is None:
        return []
    newest = db.execute(
        "SELECT u.id FROM articles_liveupdate u WHERE u.story_id = :story "
        "AND u.status = 'published' AND u.published_at <= :now "
        "ORDER BY u.published_at DESC, u.id DESC LIMIT 1",
        {"story": row[0], "now": db.now()},
    ).fetchone()
    poll = f"{row[1]}updates/" + (f"?after={newest[0]}" if newest else "")
    return [("live story", row[1]), ("live updates, 304", poll)]


def previous_month():
    """``/YYYY/MM/`` of last month in the newsroom's zone: a full month of stories."""
    zone = zoneinfo.ZoneInfo(os.environ.get("TIME_ZONE") or "America/New_York")
    today = datetime.now(zone)
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"/{year:04d}/{month:02d}/"


# --- The server -------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database, var_dir, extra=(), url=None):
    """A clean environment: only what the settings need, nothing from the caller's shell.

    ``extra``: NAME=VALUE strings added last (``--env``), for experiments; ``url``, a
    PostgreSQL database's, instead of the SQLite file ``database``.
    """
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TZ") if name in os.environ}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": url or f"sqlite:///{database}",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "NEWSROOM_VAR_DIR": str(var_dir),
        # gunicorn.conf.py is the project's own, as shipped: access log and worker
        # recycling included (--env GUNICORN_...=... for what-if runs).
        **dict(item.split("=", 1) for item in extra),
    }


def ceiling_environment(extra=()):
    """The ceiling project's environment: its settings, and the same gunicorn settings
    (``GUNICORN_*`` among ``extra``) as the product."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TZ") if name in os.environ}
    gunicorn = dict(item.split("=", 1) for item in extra if item.startswith("GUNICORN_"))
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "ceiling.settings",
        "SECRET_KEY": "ceiling-" + secrets.token_urlsafe(40),
        **gunicorn,
    }


def collectstatic(env):
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )


def start_gunicorn(env, port, workers, log, app="newsroom.wsgi:application", chdir=ROOT):
    """gunicorn with the project's gunicorn.conf.py and the given flags; the ceiling
    (``app="ceiling.wsgi:application", chdir=CEILING_DIR``) gets the very same ones."""
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            app,
            "--config",
            str(CONFIG),
            "--chdir",
            str(chdir),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--error-logfile",
            str(log),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def start_ceiling(extra, workers, log):
    """The ceiling project under its own gunicorn; returns (process, base URL)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(
        ceiling_environment(extra), port, workers, log, "ceiling.wsgi:application", CEILING_DIR
    )
    wait_until_ready(server, base, log, path=CEILING_URL)
    return server, base


def wait_until_ready(server, base, log, timeout=30, path="/robots.txt"):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + path, timeout=5) as response:  # noqa: S310
                response.read()
            return
        except OSError:  # refused, reset or timed out (a busy machine): try again
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start:\n{log.read_text()}") from None
            time.sleep(0.2)


def stop(server):
    """Stop the gunicorn we started: TERM to its master, KILL if it lingers."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def fetch(url):
    """(status, body size, ETag) of one GET."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status, len(response.read()), response.headers.get("ETag")
    except urllib.error.HTTPError as error:
        return error.code, len(error.read()), None


# --- Memory -----------------------------------------------------------------


def children(pid):
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def peak_rss_kb(pid):
    """VmHWM of a process: the most resident memory it has ever had, in kB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


class MemoryWatch:
    """Keeps the peak RSS of every worker seen; a worker that was replaced stays listed."""

    def __init__(self, master):
        self.master = master
        self.peaks = {}
        self._lock = threading.Lock()

    def sample(self):
        for pid in children(self.master):
            peak = peak_rss_kb(pid)
            if peak is not None:
                with self._lock:
                    self.peaks[pid] = max(peak, self.peaks.get(pid, 0))

    def watch(self, every=0.5):
        """Sample in the background while the server runs (workers replaced mid-run
        are counted too)."""

        def loop():
            while self.master_alive():
                self.sample()
                time.sleep(every)

        threading.Thread(target=loop, daemon=True).start()
        return self

    def master_alive(self):
        return Path(f"/proc/{self.master}").exists()


# --- Other processes --------------------------------------------------------

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def busy_ticks():
    """CPU time the whole machine has spent running processes, or lost to steal, in ticks.

    Interrupt time is left out: most of it is the loopback traffic of the run
    itself (about 0.15 cores for the ceiling page), not anyone else's work.
    """
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = (int(f) for f in fields[:8])
    return user + nice + system + steal


def process_ticks(pid):
    """CPU time of one process (user + system), in clock ticks; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


BACKEND_TITLE = re.compile(r"postgres: (?:\S+: )?\S+ (\S+) ")


def postgres_backends(database):
    """The PostgreSQL server processes of connections to ``database`` (from their titles)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().split(b"\0", 1)[0].decode(errors="replace")
        except OSError:
            continue
        match = BACKEND_TITLE.match(title + " ")
        if match and match.group(1) == database:
            found.append(int(entry.name))
    return found


class CpuMeter:
    """How much CPU other processes took while a run went on, in cores.

    The machine's busy time minus the run's own: this process and its finished
    children (wrk), gunicorn's masters and workers, and on PostgreSQL the benchmark
    database's server processes, which do part of every request (and end with the
    worker that connected). Someone running a test suite on the same two cores shows
    up here, and the run is repeated. gunicorn.conf.py replaces a worker every ~2,000
    requests, so the run's processes are sampled while wrk runs (``sample``, as a
    watcher), and a process that ended keeps the time it had when last seen.
    """

    def __init__(self, *masters, database=None):
        self.masters = masters
        self.database = database
        self.latest = {}  # pid: CPU ticks when last seen

    def sample(self):
        pids = [pid for master in self.masters for pid in [master, *children(master)]]
        if self.database:
            pids += postgres_backends(self.database)
        for pid in pids:
            self.latest[pid] = max(process_ticks(pid), self.latest.get(pid, 0))

    def _ticks(self):
        self.sample()
        ours = os.times()
        own = (ours.user + ours.system + ours.children_user + ours.children_system) * (
            TICKS_PER_SECOND
        )
        return busy_ticks(), own + sum(self.latest.values()), time.monotonic()

    def start(self):
        self._start = self._ticks()

    def other_cores(self):
        busy, ours, now = self._ticks()
        busy0, ours0, then = self._start
        return max(0.0, (busy - busy0) - (ours - ours0)) / TICKS_PER_SECOND / (now - then)


# --- Load -------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS_MS[unit]


def parse_wrk(output):
    def find(pattern):
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise SystemExit(f"unexpected wrk output:\n{output}")
        return match.group(1)

    errors = []
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors.append(f"{non_2xx.group(1)} non-2xx")
    sockets = re.search(r"Socket errors: (.+)", output)
    if sockets:
        errors.append(f"socket errors: {sockets.group(1)}")
    return Result(
        requests_per_second=float(find(r"^Requests/sec:\s+([\d.]+)")),
        p50_ms=to_ms(find(r"^\s+50%\s+(\S+)")),
        p99_ms=to_ms(find(r"^\s+99%\s+(\S+)")),
        requests=int(find(r"^\s+(\d+) requests in")),
        errors="; ".join(errors),
    )


def wrk(url, duration, connections, headers=()):
    """One bounded wrk run against ``url``."""
    command = [
        which("wrk") or "/usr/bin/wrk",
        *(part for header in headers for part in ("-H", header)),
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "5s",
        url,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + GRACE, check=True
    )
    return parse_wrk(done.stdout)


def wait_until_quiet(meter, patience):
    """Wait (at most ``patience`` seconds) for a second in which others leave the CPU alone."""
    deadline = time.monotonic() + patience
    while True:
        meter.start()
        time.sleep(1)
        other = meter.other_cores()
        if other <= MAX_OTHER_CORES:
            return
        if time.monotonic() > deadline:
            print(f"  still busy ({other:.2f} cores used by others): measuring", file=sys.stderr)
            return


def measure(url, args, meter, headers=()):
    """A wrk run on a quiet machine: repeated (up to ``--retries``) while others use the CPU."""
    for attempt in range(1, args.retries + 2):
        wait_until_quiet(meter, args.patience)
        meter.start()
        result = wrk(url, args.duration, args.connections, headers)
        result.other_cores, result.attempts = meter.other_cores(), attempt
        if result.other_cores <= MAX_OTHER_CORES:
            break
        print(f"  other processes used {result.other_cores:.2f} cores: again", file=sys.stderr)
    return result


# --- Report -----------------------------------------------------------------


def verdict(name, ratio, share_of_front, targets, p99_ratio=None):
    """The target column: the page's target and whether this run met it."""
    if p99_ratio is not None and name != "ceiling":
        met = "met" if p99_ratio <= CACHED_P99 else "**not met**"
        rest = verdict(name, ratio, share_of_front, targets)
        return f"{rest}; p99 {p99_ratio:.1f} × ceiling's (≤ {CACHED_P99:.0f}: {met})".lstrip("; ")
    if name.startswith("front, page"):
        met = "met" if share_of_front >= DEEP_PAGE_TARGET else "**not met**"
        return f"{share_of_front:.3f} × page 1 (≥ {DEEP_PAGE_TARGET}: {met})"
    target = targets.get(name)
    if target is None:
        return ""
    if ratio >= target:
        return f"≥ {target:.2f}: met"
    # Three decimals: the ratio column rounds, and 0.168 would show as 0.17 there.
    return f"≥ {target:.2f}: **not met** ({ratio:.3f})"


def median_run(results):
    """The run with the median throughput (the lower middle one for an even count)."""
    ordered = sorted(results, key=lambda result: result.requests_per_second)
    return ordered[(len(ordered) - 1) // 2]


def report(pages, sizes, results, memory, count, args):
    """The Markdown table and the notes under it."""
    ceilings = results["ceiling"]
    ceiling = statistics.median(run.requests_per_second for run in ceilings)
    ceiling_p99 = statistics.median(run.p99_ms for run in ceilings)
    lines = [
        f"{count:,} live stories ({'SQLite' if args.database_url is None else 'PostgreSQL'})"
        f" · wrk -t1 -c{args.connections} -d{args.duration}s · "
        f"gunicorn {args.workers} sync workers, the project's gunicorn.conf.py · "
        "ceiling: bench/ceiling (separate project, same flags) · "
        f"{args.rounds} round(s) · "
        + ("page cache on" if args.cached else "page cache off (every request renders)")
        + "".join(f" · {item}" for item in args.env),
        "",
        "| page | URL | bytes | req/s | × ceiling | p50 ms | p99 ms | target |",
        "|---|---|--:|--:|--:|--:|--:|---|",
    ]
    front = median_run(results["front"]).requests_per_second
    for name, url in pages:
        result = median_run(results[name])
        if name == "ceiling":  # its row shows the median of all ceiling runs
            result = replace(result, requests_per_second=ceiling, p99_ms=ceiling_p99)
        ratio = result.requests_per_second / ceiling
        targets = CACHED_TARGETS if args.cached else TARGETS
        p99_ratio = result.p99_ms / ceiling_p99 if args.cached else None
        note = verdict(name, ratio, result.requests_per_second / front, targets, p99_ratio)
        errors = "; ".join(run.errors for run in results[name] if run.errors)
        if result.other_cores > MAX_OTHER_CORES:
            errors = f"{errors} other processes used {result.other_cores:.2f} cores".strip()
        if errors:
            note = f"{note} ⚠ {errors}".strip()
        lines.append(
            f"| {name} | `{url}` | {sizes[name]:,} | {result.requests_per_second:,.0f} "
            f"| {ratio:.2f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | {note} |"
        )
    low = min(run.requests_per_second for run in ceilings)
    high = max(run.requests_per_second for run in ceilings)
    spread = (high - low) / low
    repeats = sum(run.attempts - 1 for runs in results.values() for run in runs)
    lines += [
        "",
        "Ceiling runs, in order: "
        + ", ".join(f"{run.requests_per_second:,.0f}" for run in ceilings)
        + f" req/s (spread {spread:.0%}); ratios use the median, {ceiling:,.0f}."
        + (" **The machine was not steady: run again.**" if spread > MAX_SPREAD else ""),
        f"Runs repeated because other processes used the CPU: {repeats}.",
        f"Ceiling p99 runs: {', '.join(f'{run.p99_ms:.1f}' for run in ceilings)} ms "
        f"(median {ceiling_p99:.1f}).",
        f"Product workers seen: {len(memory.peaks)} for {args.workers} "
        "(more: workers were replaced during the run). Peak RSS (VmHWM) per worker: "
        + ", ".join(f"{kb / 1024:.1f} MB (pid {pid})" for pid, kb in sorted(memory.peaks.items())),
    ]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    database = args.database.resolve() if args.database is not None else None
    count, pages = pick_urls(database, args.database_url)
    results = {name: [] for name, _ in pages}
    with tempfile.TemporaryDirectory(prefix="newsroom-bench-") as var_dir:
        settings = [f"PAGE_CACHE={int(args.cached)}", *args.env]
        env = server_environment(database, var_dir, settings, url=args.database_url)
        collectstatic(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(var_dir) / "gunicorn.log"
        ceiling_server = server = None
        try:
            ceiling_server, ceiling_base = start_ceiling(
                args.env, args.workers, Path(var_dir) / "ceiling.log"
            )
            server = start_gunicorn(env, port, args.workers, log)
            wait_until_ready(server, base, log)
            memory = MemoryWatch(server.pid).watch()
            database_name = urlsplit(args.database_url or "").path.lstrip("/") or None
            meter = CpuMeter(server.pid, ceiling_server.pid, database=database_name)
            bases = {name: ceiling_base if name == "ceiling" else base for name, _ in pages}
            sizes, headers = {}, {}
            for name, url in pages:
                status, sizes[name], etag = fetch(bases[name] + url)
                if status != 200:
                    raise SystemExit(f"{name} {url} answered {status}, not 200")
                if name.endswith(", 304"):
                    headers[name], sizes[name] = [f"If-None-Match: {etag}"], 0
                if args.warmup:
                    wrk(bases[name] + url, args.warmup, args.connections, headers.get(name, ()))
            memory.sample()

            # The ceiling opens every round and closes the last one, to show drift.
            plan = [item for _ in range(args.rounds) for item in pages]
            for number, (name, url) in enumerate([*plan, pages[0]], start=1):
                print(
                    f"[{number}/{len(plan) + 1}] {name} {url}: {args.duration} s", file=sys.stderr
                )
                results[name].append(measure(bases[name] + url, args, meter, headers.get(name, ())))
                memory.sample()
        finally:
            for process in (server, ceiling_server):
                if process is not None:
                    stop(process)
    print(report(pages, sizes, results, memory, count, args))


if __name__ == "__main__":
    main()
