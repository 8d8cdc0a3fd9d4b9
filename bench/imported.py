"""
A benchmark archive made the way outside testers make one: story files in the sample
story's plain-text format, imported with ``manage.py import_stories`` in batches.

    python bench/imported.py --database /tmp/imported-20k.sqlite3
    python bench/imported.py --database-url postgres://newsroom:newsroom@127.0.0.1:5432/newsroom_imported

``bench/generate.py`` writes rows straight into the tables and chooses every column
itself (times spread through the day, one story in 50 featured, photos, deks). The
speed issue (13) was found on an archive nobody here had shaped: 20,000 stories
imported in 800 batches, each batch filed in one section under one byline with a few
tags, 12 sections (one holding 30% of the stories), 40 authors, 2,000 tags. Imported
stories are what the importer makes of a text file: a headline and paragraphs, no
dek, no photo, nothing featured, published at midnight of their date line, so a day's
stories share one publication time. This script builds that shape through the
importer's own command (``call_command("import_stories", …)`` per batch, in one process
to spare 800 start-ups), then rebuilds the search index as the site's task would.

The text is made from ``bench/generate.py``'s vocabulary with a fixed seed, never from
the seed story (``../shared/seeds/``), so two runs make the same archive.
"""

import argparse
import io
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import (  # noqa: E402
    FIRST_NAMES,
    LAST_NAMES,
    POSTGRES,
    SECTIONS,
    WORDS,
    Text,
    django_environment,
    migrate,
    prepare_postgres,
    prepare_sqlite,
    rebuild_search_index,
    setup_django,
    shown,
)

YEARS = 3


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--database", type=Path, help="a new SQLite file")
    target.add_argument("--database-url", metavar="URL", help="a scratch PostgreSQL database")
    parser.add_argument("--stories", type=int, default=20_000, help="(%(default)s)")
    parser.add_argument("--batches", type=int, default=800, help="(%(default)s)")
    parser.add_argument("--sections", type=int, default=12, help="(%(default)s)")
    parser.add_argument(
        "--big-section", type=float, default=0.3, help="share of batches in one (%(default)s)"
    )
    parser.add_argument("--authors", type=int, default=40, help="(%(default)s)")
    parser.add_argument("--tags", type=int, default=2_000, help="(%(default)s)")
    parser.add_argument("--tags-per-batch", type=int, default=3, help="(%(default)s)")
    parser.add_argument("--seed", type=int, default=13, help="(%(default)s)")
    parser.add_argument("--force", action="store_true", help="replace an existing archive")
    args = parser.parse_args(argv)
    if args.database_url and not args.database_url.startswith(tuple(f"{s}:" for s in POSTGRES)):
        parser.error("--database-url must be a postgres:// URL")
    if not 1 <= args.batches <= args.stories:
        parser.error("--batches must be between 1 and --stories")
    if args.sections > len(SECTIONS) or min(args.sections, args.authors, args.tags) < 1:
        parser.error(f"--sections 1-{len(SECTIONS)}; --authors and --tags at least 1")
    if not 0 <= args.big_section <= 1:
        parser.error("--big-section is a share between 0 and 1")
    return args


def names(rng, count, make):
    """``count`` distinct names from ``make(rng)``."""
    found = {}
    while len(found) < count:
        name = make(rng)
        found.setdefault(name.casefold(), name)
    return list(found.values())


def batch_plan(args, rng):
    """[(section, author, tags)] per batch: the big section takes its share of batches,
    the others share the rest in turn; tags are dealt in order so all of them are used."""
    sections = [name for name, *_ in SECTIONS[: args.sections]]
    authors = names(rng, args.authors, lambda r: f"{r.choice(FIRST_NAMES)} {r.choice(LAST_NAMES)}")
    tags = names(rng, args.tags, lambda r: " ".join(r.sample(WORDS, 2)))
    big = round(args.batches * args.big_section)
    plan = []
    for number in range(args.batches):
        if number < big or len(sections) == 1:
            section = sections[0]
        else:
            section = sections[1 + (number - big) % (len(sections) - 1)]
        start = number * args.tags_per_batch
        chosen = [tags[(start + k) % len(tags)] for k in range(args.tags_per_batch)]
        plan.append((section, authors[number % len(authors)], chosen))
    rng.shuffle(plan)  # the big section's batches spread through the years
    return plan


def story_file(text, day):
    """One story in the sample's format: date line, headline, "Date:", paragraphs."""
    paragraphs = [
        text.paragraph(text.rng.randint(40, 120))[0] for _ in range(text.rng.randint(4, 9))
    ]
    return (
        "\n\n".join([day.strftime("%A, %B %-d, %Y"), text.headline(), "Date:", *paragraphs]) + "\n"
    )


def write_batches(folder, args, rng):
    """The story files, one folder per batch, oldest batch first; returns the folders."""
    text = Text(rng)
    first = date.today() - timedelta(days=365 * YEARS)
    span = (date.today() - first).days
    folders = []
    per_batch, extra = divmod(args.stories, args.batches)
    written = 0
    for number in range(args.batches):
        batch = folder / f"batch-{number:04d}"
        batch.mkdir()
        for index in range(per_batch + (number < extra)):
            day = first + timedelta(days=span * written // args.stories)
            (batch / f"{index:03d}.txt").write_text(story_file(text, day))
            written += 1
        folders.append(batch)
    return folders


def main(argv=None):
    args = parse_args(argv)
    rng = random.Random(args.seed)  # noqa: S311 -- the same archive every run, not secrets
    if args.database is not None:
        url = prepare_sqlite(args.database.resolve(), args.force)
    else:
        url = prepare_postgres(args.database_url, args.force)
    with tempfile.TemporaryDirectory(prefix="newsroom-imported-") as scratch:
        scratch = Path(scratch)
        env = django_environment(url, scratch / "var")
        (scratch / "var").mkdir()
        migrate(env)
        setup_django(env)
        from django.core.management import call_command

        plan = batch_plan(args, rng)
        (scratch / "stories").mkdir()
        folders = write_batches(scratch / "stories", args, rng)
        started = time.monotonic()
        batches = zip(folders, plan, strict=True)
        for number, (folder, (section, author, tags)) in enumerate(batches, start=1):
            call_command(  # a failed file raises CommandError, naming it
                "import_stories",
                str(folder),
                section=section,
                author=author,
                tags=tags,
                stdout=io.StringIO(),  # its line per story
            )
            if number % 50 == 0 or number == len(folders):
                print(
                    f"{number}/{len(folders)} batches, {time.monotonic() - started:.0f} s",
                    file=sys.stderr,
                )
        indexed = rebuild_search_index()
    from taggit.models import Tag

    from articles.models import Article, Author, Section

    print(
        f"{shown(url)}: {Article.objects.count():,} stories in {len(folders)} batches "
        f"({time.monotonic() - started:.0f} s, search index {indexed or 0:.0f} s), "
        f"{Section.objects.count()} sections, {Author.objects.count()} authors, "
        f"{Tag.objects.count():,} tags"
    )


if __name__ == "__main__":
    main()
