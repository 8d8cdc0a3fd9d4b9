"""
The reader site through Varnish with exact purges, against the origin alone, in one run.

    python bench/edge.py --database /tmp/bench.sqlite3 [--publish-every 6] [--duration 60]

Takes ``bench/load.py``'s options, page mix (``pick_urls``), wrk script and
publisher. Starts gunicorn (page cache on) with ``EDGE_PURGE_BACKEND=varnish``,
``CDN_MAX_AGE=3600`` and ``TASKS_BACKEND=immediate``, and ``varnishd`` on a free
loopback port in front of it with ``deploy/varnish/default.vcl``. This process
publishes through the ORM with the same settings, so each publication purges
Varnish right after its commit.

Story pages' Latest blocks are filled by Varnish (``EDGE_ESI=1``, ``--env EDGE_ESI=0``
to compare): a publication purges the small Latest fragment, not every story page.

1. The edge: every address of the mix fetched once (an edge in service is warm), then
   wrk with ``--connections`` (64) on Varnish for ``--duration``, a story
   published every ``--publish-every`` (6) seconds; hits are Varnish's own counters
   (``varnishstat``: ``cache_hit`` of every lookup, pages and the ESI fragments they
   include), and each publication's time to show on the front page *through
   Varnish* is reported.
2. A withdrawal: the last published story is withdrawn and its page asked of
   Varnish as soon as the save returned, and another story page kept at the edge is
   read until its Latest block no longer names it (the issue's target: gone within
   2 s with ``CDN_MAX_AGE`` of an hour).
3. The origin: the same load and publications straight on gunicorn.

Prints both throughputs and their ratio, p99s, errors, the hit ratio, whether each
of the issue's targets was met, and exits 1 on any error. Only 127.0.0.1 is
targeted; the processes this script started (gunicorn, varnishd, wrk) are stopped at
the end, whatever happens. Do not run it on a machine
other work shares: the figures would mean nothing and the others would suffer.
"""

import collections
import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from shutil import which

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bench.run import (  # noqa: E402
    collectstatic,
    fetch,
    free_port,
    start_gunicorn,
    stop,
    wait_until_ready,
)

VCL = ROOT / "deploy" / "varnish" / "default.vcl"


def start_varnish(folder, port, backend_port):
    """varnishd in the foreground on ``port`` with the repository's VCL pointed at
    ``backend_port``; (process, base address, its working directory)."""
    if not which("varnishd"):
        raise SystemExit("varnishd is not installed (apt-get install varnish varnish-modules)")
    vcl = folder / "default.vcl"
    vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{backend_port}";'))
    workdir = folder / "varnish"
    log = open(folder / "varnish.log", "wb")  # noqa: SIM115 -- kept open for the process
    process = subprocess.Popen(
        [
            *("varnishd", "-F", "-j", "none", "-n", str(workdir)),
            *("-a", f"127.0.0.1:{port}", "-T", f"127.0.0.1:{free_port()}"),
            *("-f", str(vcl), "-s", "malloc,256m"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=10)  # noqa: S310
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise SystemExit((folder / "varnish.log").read_text()) from None
            time.sleep(0.2)
    return process, base, workdir


def counters(workdir):
    """Varnish's request, hit, miss and pass counters (``esi_req``: the fragments fetched
    for pages' ``<esi:include>``s, each a lookup of its own)."""
    output = subprocess.run(
        ["varnishstat", "-n", str(workdir), "-1", "-j"],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout
    found = json.loads(output)
    found = found.get("counters", found)
    names = ("client_req", "esi_req", "cache_hit", "cache_hit_grace", "cache_miss", "s_pass")
    return {name: found[f"MAIN.{name}"]["value"] for name in names}


def measured(base, script, args, label):
    """One wrk run with publications; (wrk result, publisher)."""
    publisher = load.Publisher(base, args.publish_every) if args.publish_every else None
    print(f"{label}: {args.duration} s", file=sys.stderr)
    if publisher:
        publisher.start()
    try:
        result, _ = load.wrk(base, script, args, args.duration, [])
    finally:
        if publisher:
            publisher.finish()
    return result, publisher


def body(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def withdrawal(edge_base, other_path):
    """Publish a story, read its page and another story's page (whose Latest block shows
    it) through the edge twice (kept), withdraw it, and time from the save's start to
    the edge answering 404 for it and the other page no longer naming it."""
    from articles.models import Article

    headline = f"Edge withdrawal check {time.time_ns()}"
    story = Article(
        headline=headline,
        dek="Withdrawn by bench/edge.py.",
        body="<p>Withdrawn by bench/edge.py.</p>",
        status=Article.Status.PUBLISHED,
    )
    story.save()
    for _ in range(2):
        fetch(edge_base + story.path)
        named_before = headline.encode() in body(edge_base + other_path)[1]
    started = time.monotonic()
    story.status = Article.Status.WITHDRAWN
    story.save()
    status = fetch(edge_base + story.path)[0]
    seconds = time.monotonic() - started
    deadline = started + 30
    while headline.encode() in body(edge_base + other_path)[1] and time.monotonic() < deadline:
        time.sleep(0.02)
    other_seconds = time.monotonic() - started
    story.delete()
    return status, seconds, named_before, other_seconds


def prime(base, rows):
    """Every address of the mix once through the edge, one after another: an edge in
    service is warm, and a short run would otherwise measure its first fetches."""
    started = time.monotonic()
    statuses = collections.Counter(fetch(base + path)[0] for path, _, _ in rows)
    print(
        f"primed the edge with {len(rows)} addresses in {time.monotonic() - started:.0f} s "
        f"({dict(statuses)})",
        file=sys.stderr,
    )


def rate(result):
    return result["requests"] / (result["duration_us"] / 1e6)


def main(argv=None):
    args = load.parse_args(argv)
    if args.database is not None:
        args.database = args.database.resolve()
    if not args.cached:
        raise SystemExit("the edge is measured with the page cache on (--cached)")
    with tempfile.TemporaryDirectory(prefix="newsroom-edge-") as var_dir:
        folder = Path(var_dir)
        origin_port = free_port()
        # Varnish's address must be in the settings before Django starts here.
        edge_port = free_port()
        args.env = [
            "EDGE_ESI=1",  # story pages' Latest blocks filled at the edge (--env EDGE_ESI=0)
            *args.env,
            "EDGE_PURGE_BACKEND=varnish",
            f"EDGE_PURGE_URLS=http://127.0.0.1:{edge_port}",
            "CDN_MAX_AGE=3600",
            "TASKS_BACKEND=immediate",
        ]
        env = load.environment(args, var_dir, folder / "access.log")
        load.setup_django(env)
        urls, count = load.pick_urls(args)
        rows = load.weighted(urls)
        script = folder / "mix.lua"
        script.write_text(load.lua_script(rows, args.seed))
        collectstatic(env)
        origin_base = f"http://127.0.0.1:{origin_port}"
        server = start_gunicorn(env, origin_port, args.workers, folder / "gunicorn.log")
        varnish = None
        try:
            wait_until_ready(server, origin_base, folder / "gunicorn.log")
            varnish, edge_base, workdir = start_varnish(folder, edge_port, origin_port)
            print(f"{len(rows)} addresses, {count:,} live stories", file=sys.stderr)
            prime(edge_base, rows)
            if args.warmup:
                load.wrk(edge_base, script, args, args.warmup, [])
            before = counters(workdir)
            edge, edge_publisher = measured(edge_base, script, args, "the edge")
            after = counters(workdir)
            other_story = next(path for path, kind, _ in rows if kind == "story")
            withdrawn = withdrawal(edge_base, other_story)
            if args.warmup:
                load.wrk(origin_base, script, args, args.warmup, [])
            origin, origin_publisher = measured(origin_base, script, args, "the origin")
        finally:
            if varnish is not None:
                varnish.terminate()
                varnish.wait(timeout=20)
            stop(server)

    seen = {name: after[name] - before[name] for name in after}
    # Every lookup: the readers' requests and the fragments their pages include (ESI);
    # a purge (PURGE, answered by the VCL) is not one.
    lookups = seen["cache_hit"] + seen["cache_miss"] + seen["s_pass"]
    hits = seen["cache_hit"] / max(lookups, 1)
    errors = load.run_errors(edge) + load.run_errors(origin)
    withdrawn_status, withdrawn_seconds, named_before, other_seconds = withdrawn
    print("| | req/s | p99 ms | errors |")
    print("|---|---|---|---|")
    for label, result in (("edge (Varnish)", edge), ("origin (gunicorn)", origin)):
        print(
            f"| {label} | {rate(result):,.0f} | {result['p99_us'] / 1000:.1f} "
            f"| {load.run_errors(result)} |"
        )
    print()
    for label, result in (("Edge", edge), ("Origin", origin)):
        print(
            f"{label}: {result['requests']:,} requests; errors: {result['status']} answers "
            f"other than 2xx/3xx, socket errors connect {result['connect']}, read "
            f"{result['read']}, write {result['write']}, timeout {result['timeout']}."
        )
    print(
        f"Edge/origin throughput: {rate(edge) / rate(origin):.1f}×. Varnish: "
        f"{seen['client_req']:,} requests and {seen['esi_req']:,} ESI fragments, "
        f"{hits:.1%} of {lookups:,} lookups hits ({seen['cache_hit_grace']} in grace), "
        f"{seen['cache_miss']:,} misses, {seen['s_pass']:,} passes."
    )
    if edge_publisher:
        print(
            f"Through the edge, publishing every {args.publish_every:g} s: "
            f"{edge_publisher.summary()}."
        )
    if origin_publisher:
        print(f"At the origin: {origin_publisher.summary()}.")
    print(
        f"A withdrawn story's page through the edge answered {withdrawn_status} "
        f"{withdrawn_seconds * 1000:.0f} ms after the save began (CDN_MAX_AGE=3600); "
        f"another story's page kept at the edge ({other_story}) "
        + (
            f"named it in its Latest block and no longer did after {other_seconds * 1000:.0f} ms."
            if named_before
            else "never named it (its Latest block is not filled at the edge: EDGE_ESI=0)."
        )
    )
    gone = max(withdrawn_seconds, other_seconds if named_before else 0)
    targets = {
        "hits >= 90%": hits >= 0.9,
        "0 errors": not errors,
        "withdrawn story gone within 2 s": withdrawn_status == 404 and gone <= 2,
    }
    print(
        "Targets: "
        + ", ".join(f"{name}: {'yes' if met else 'NO'}" for name, met in targets.items())
        + "."
    )
    return 1 if errors or withdrawn_status != 404 else 0


if __name__ == "__main__":
    sys.exit(main())
