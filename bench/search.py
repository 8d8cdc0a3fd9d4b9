"""
Search latency on a large archive, on SQLite (FTS5) and on PostgreSQL (tsvector + GIN).

    .venv/bin/python bench/search.py --stories 100000 --database sqlite:////tmp/search.sqlite3
    .venv/bin/python bench/search.py --stories 100000 \\
        --database postgres://newsroom:newsroom@127.0.0.1:5432/newsroom_bench

Builds the archive itself (bulk inserts: ~600-word bodies from a 5,000-word
vocabulary with a long tail, 3 tags each from 2,000), indexes it through
``articles.reader.search.rebuild()``, then times ``articles.reader.search.search()`` (match,
rank, fetch one page of 20 rows, highlight snippets) for a mix of queries: common
words, rare words, two words, phrases, exclusions and prefixes. Reports p50, p95
and the slowest query. The database is emptied first: point it at a scratch one.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault(
        "SECRET_KEY", "bench-only-" + "0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def vocabulary(rng, size=5000):
    letters = "etaoinshrdlucmfwypvbgkjqxz"
    words = set()
    while len(words) < size:
        length = rng.randint(3, 10)
        words.add("".join(rng.choice(letters[: 8 + length * 2]) for _ in range(length)))
    return sorted(words)


def build(count, rng):
    from django.db import connection, transaction
    from django.utils import timezone
    from taggit.models import Tag

    from articles.models import Article, TaggedArticle

    with connection.cursor() as cursor:
        for table in (
            "articles_taggedarticle",
            "articles_byline",
            "articles_pin",
            "articles_correction",
            "articles_storyredirect",
            "articles_previewlink",
            "articles_editingpresence",
            "articles_article",
            "taggit_tag",
        ):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608  (fixed names)
    words = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]  # Zipf-like: a long tail
    now = timezone.now()
    tags = Tag.objects.bulk_create(Tag(name=f"topic {n}", slug=f"topic-{n}") for n in range(2000))
    started = time.perf_counter()
    for start in range(0, count, 2000):
        batch = []
        for n in range(start, min(start + 2000, count)):
            paragraphs = [" ".join(rng.choices(words, weights, k=100)) for _ in range(6)]
            batch.append(
                Article(
                    headline=" ".join(rng.choices(words, weights, k=8)).capitalize(),
                    slug=f"story-{n}",
                    dek=" ".join(rng.choices(words, weights, k=20)),
                    body="".join(f"<p>{p}.</p>" for p in paragraphs),
                    status="published",
                    published_at=now - timedelta(minutes=n),
                    path=f"/2020/01/01/story-{n}/",
                )
            )
        with transaction.atomic():
            created = Article.objects.bulk_create(batch)
            TaggedArticle.objects.bulk_create(
                TaggedArticle(content_object=story, tag=tag, published_at=story.published_at)
                for story in created
                for tag in rng.sample(tags, 3)
            )
    loaded = time.perf_counter() - started
    from articles.reader import search

    started = time.perf_counter()
    with transaction.atomic():
        search.rebuild()
    return words, loaded, time.perf_counter() - started


def queries_for(words, rng):
    common, rare = words[:50], words[2000:]
    mix = []
    for _ in range(40):
        mix.append(("common word", rng.choice(common)))
        mix.append(("rare word", rng.choice(rare)))
        mix.append(("two words", f"{rng.choice(common)} {rng.choice(words[:500])}"))
        mix.append(("phrase", f'"{rng.choice(common)} {rng.choice(common)}"'))
        mix.append(("exclusion", f"{rng.choice(words[:300])} -{rng.choice(common)}"))
        mix.append(("prefix", rng.choice(words[:300])[:4] + "*"))
    return mix


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--database", required=True, help="a DATABASE_URL to a scratch database")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time queries on the archive an earlier run built there (same --seed and "
        "--stories) instead of building it again",
    )
    args = parser.parse_args()
    setup(args.database)
    from django.db import connection
    from django.utils import timezone

    from articles.reader import search

    rng = random.Random(args.seed)  # noqa: S311  (test data)
    if args.reuse:
        words, loaded, indexed = vocabulary(rng), 0, 0
    else:
        words, loaded, indexed = build(args.stories, rng)
    timings = {}
    for kind, query in queries_for(words, rng):
        started = time.perf_counter()
        search.search(query, timezone.now(), 20)
        timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    every = sorted(t for values in timings.values() for t in values)

    def pct(values, p):
        return sorted(values)[min(len(values) - 1, int(len(values) * p))]

    print(
        f"{connection.vendor}: {args.stories} stories loaded in {loaded:.0f} s, "
        f"indexed in {indexed:.0f} s; {len(every)} queries\n"
    )
    print("| queries | p50 ms | p95 ms | slowest ms |")
    print("|---|---|---|---|")
    for kind, values in timings.items():
        print(
            f"| {kind} | {statistics.median(values):.1f} | {pct(values, 0.95):.1f} | "
            f"{max(values):.1f} |"
        )
    print(
        f"| **all** | **{statistics.median(every):.1f}** | **{pct(every, 0.95):.1f}** | "
        f"**{max(every):.1f}** |"
    )


if __name__ == "__main__":
    main()
