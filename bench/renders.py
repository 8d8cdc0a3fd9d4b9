"""
How many pages the load mix renders, and why: capacity or publication.

    python bench/renders.py --database /tmp/copy.sqlite3 [--requests 2000] [--env NAME=VALUE]

Deterministic and in-process (no server, no clock): one worker's share of
``bench/load.py``'s mix, drawn from the same weighted address list (its
``pick_urls`` and ``weighted``, same seed), is replayed through Django's test client
on the project's settings and page cache, as one gunicorn worker sees it:

1. warm-up: ``--warmup`` requests (default 3 × ``--requests``);
2. quiet: ``--requests`` more, nothing published: every render is a *capacity* miss
   (the page fell out of the worker's cache), or a page never seen before;
3. after a publication: a story is published as ``load.py --publish-every`` does
   (``Article.save()``, a byline, the two most used tags), then ``--requests`` more.

A render is a request the view ran for (the page cache's miss path). Prints, per
kind of page, the distinct addresses, and the renders in each phase. ``--requests``
2,000 is about what one of two workers serves between two publications 6 s apart
under ``load.py``'s 64 clients. **Writes to the database** (the story, deleted at the
end): run it on a copy.
"""

import argparse
import collections
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bench.run import collectstatic, server_environment  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--database", type=Path, required=True, help="a copy of a bench database")
    parser.add_argument("--requests", type=int, default=2000, help="per phase (%(default)s)")
    parser.add_argument("--warmup", type=int, help="requests before counting (3 × --requests)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    return parser.parse_args(argv)


def replay(client, paths, counts):
    """Request ``paths`` ((path, kind) pairs); count renders per kind in ``counts``."""
    for path, kind in paths:
        response = client.get(path)
        if response.status_code >= 400:
            raise SystemExit(f"{path}: {response.status_code}")
        if response.wsgi_request.resolver_match is not None:  # the view ran
            counts[kind] += 1


def publish():
    """A story, as ``load.py --publish-every`` publishes one; returns its id."""
    publisher = load.Publisher("http://testserver", 6)
    publisher.prepare()
    publisher.post(1)
    return publisher.ids[0]


def main(argv=None):
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as var_dir:
        extra = ["ALLOWED_HOSTS=testserver", "PAGE_CACHE=1", *args.env]
        env = server_environment(args.database, var_dir, extra)
        collectstatic(env)
        load.setup_django(env)
        from django.core.cache import caches
        from django.test import Client

        from articles.models import Article

        mix = load.parse_args(["--database", str(args.database)])
        urls, count = load.pick_urls(mix)
        rows = load.weighted(urls)
        rng = random.Random(args.seed)  # noqa: S311 -- a draw, not a secret
        population = [(path, kind) for path, kind, _ in rows]
        weights = [weight for _, _, weight in rows]

        def draw(n):
            return rng.choices(population, weights, k=n)

        client = Client()
        distinct = collections.Counter(kind for _, kind in population)
        phases = {}
        replay(client, draw(args.warmup or 3 * args.requests), collections.Counter())
        phases["quiet"] = collections.Counter()
        replay(client, draw(args.requests), phases["quiet"])
        story = publish()
        try:
            phases["after a publication"] = collections.Counter()
            replay(client, draw(args.requests), phases["after a publication"])
        finally:
            Article.objects.filter(id=story).delete()

        print(f"{count:,} live stories; {args.requests:,} requests per phase, one worker")
        print()
        print("| kind | addresses | " + " | ".join(f"renders, {name}" for name in phases) + " |")
        print("|---|--:|" + "--:|" * len(phases))
        for kind in sorted(distinct):
            cells = " | ".join(str(phase[kind]) for phase in phases.values())
            print(f"| {kind} | {distinct[kind]} | {cells} |")
        totals = " | ".join(f"**{sum(phase.values())}**" for phase in phases.values())
        print(f"| all | {sum(distinct.values())} | {totals} |")
        stored = getattr(caches["pages"], "_cache", None)  # LocMem's own: key → pickle
        if stored is not None:
            size = sum(len(value) for value in stored.values())
            print()
            print(f"The worker's page cache at the end: {len(stored)} pages, {size / 1e6:.1f} MB.")


if __name__ == "__main__":
    main()
