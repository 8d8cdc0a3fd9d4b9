"""
Create a benchmark database: a fresh SQLite file, or an emptied PostgreSQL
database, filled with a realistic archive.

    python bench/generate.py --stories 100000 --database /tmp/bench.sqlite3
    python bench/generate.py --stories 100000 \\
        --database-url postgres://newsroom:newsroom@127.0.0.1:5432/newsroom_bench

The schema comes from ``manage.py migrate`` (run in a subprocess against the
new database); the content is then written in bulk, which is two orders of
magnitude faster than ``Article.save()``: ``executemany`` on :mod:`sqlite3`, or
``COPY`` through psycopg on PostgreSQL. Both write the same rows, built by the
same code. Every stored column is what ``Article.save()`` would have stored: the
body goes through the app's own ``sanitize_html``, the slug through
``short_slug`` (numbered with ``with_suffix`` when another story that day has
it), the path through ``story_path`` (the date in the newsroom's zone),
datetimes through the database backend's own adapter (UTC text on SQLite,
timezone-aware values on PostgreSQL), and each byline and tag link carries a
copy of its story's ``published_at``. Columns the script does not know get the
model field's default, and where the project has a search index it is rebuilt
afterwards. At the end the script checks its work through Django: the live
count, ``Article.save()`` run again on a sample changes nothing, a story page
and the front page render. On PostgreSQL the id sequences are then moved past
the ids written and ``ANALYZE`` gives the planner statistics.

An existing SQLite file, or a PostgreSQL database that has tables, is only
replaced with ``--force``: on PostgreSQL that drops every table in the
connection's current schema, so point it at a scratch database.

For a given ``--seed`` the text and the shape of the archive are always the
same; dates are relative to the moment of generation.

The archive: 12 sections, 40 authors, 2,000 tags; stories published over the
last three years with 1-3 authors and 3 tags each (popular sections, authors
and tags are used more often than others), ~600 words of HTML per body; about
3% drafts (some never published, some withdrawn), 0.5% scheduled for the
coming month and one story in 50 featured.

Options change the archive's *shape* (issue 13: reader costs must be bounded by
the page on any of them): ``--featured none|all``, ``--pins 50`` (on the home
page and on the biggest section's front), ``--big-section 0.9`` (one section
holds 90% of stories), ``--big-tag 0.5`` (one tag on half the stories),
``--lone-author`` (one more author, with a single story), ``--tags 0`` (stories
without tags) or ``--tags 2000``, ``--scheduled 0.9`` (most stories scheduled in
the future) and ``--withdrawn 0.9`` (most withdrawn). ``tests/test_query_cost.py``
builds the same shapes with :func:`generate` in the test database.

For the admin's benchmark (``bench/admin.py``) the archive can also hold a photo
library and a review queue: ``--photos 20000`` adds that many library photos
(rows only, with renditions named as uploads name them; no files are written) and
makes one story in three lead with one of them; ``--review 500`` puts that many
of the most recent unpublished-looking stories in review, as writers leave them
for an editor. Both draw from their own random stream, so the rest of the archive
is the same with or without them.

For live coverage (issue 17), ``--live-updates 2000`` makes the newest live story a
live story (coverage opened at its publication, still open) with that many updates
spread from then until a minute ago: a few sentences each, one of the story's authors,
one in 40 a key event, 2 pinned, one in 50 a draft, and a library photo on one in 10
when there are ``--photos``. They draw from their own random stream too.
"""

import argparse
import bisect
import dataclasses
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]

BATCH = 2_000
POSTGRES = ("postgres", "postgresql")  # URL schemes of --database-url
YEARS = 3
DRAFT_SHARE = 0.02  # never published: no publication time, no path
WITHDRAWN_SHARE = 0.01  # published once, then withdrawn (keeps its time and path)
SCHEDULED_SHARE = 0.005
FEATURED_SHARE = 1 / 50
TAGS_PER_STORY = 3
BODY_WORDS = 600

SECTIONS = [
    ("City", "city", 10),
    ("Politics", "politics", 7),
    ("Business", "business", 6),
    ("Transit", "transit", 4),
    ("Schools", "schools", 4),
    ("Health", "health", 3),
    ("Science & Environment", "science", 3),
    ("Sports", "sports", 6),
    ("Arts & Culture", "arts", 4),
    ("Food", "food", 2),
    ("Opinion", "opinion", 3),
    ("Obituaries", "obituaries", 1),
]

FIRST_NAMES_TEXT = """
Ada Amara Anton Beatriz Callum Dalia Elif Farid Greta Hamish Ines Jonah Kavya Lars Mireille
Nadia Oskar Paloma Quentin Rosa Soren Talia Umar Vera Wendell Ximena Yusuf Zofia
"""
LAST_NAMES_TEXT = """
Abernethy Bassett Carvalho Delacroix Eriksen Fairweather Gallardo Haddad Ishikawa Jankowski
Kovacs Lindqvist Moreau Nakamura Okafor Petrakis Quintero Rasmussen Sandoval Thorne
"""

PLACES_TEXT = """
PORT ALDER, KESTREL BAY, MILLBROOK, NORTH SHORE, HARTWELL, CEDAR POINT, EASTON FERRY,
GREY HARBOUR, LOWER DOCKS, SALTMARSH
"""

# The vocabulary of the generated text: ordinary news English.
VOCABULARY = """
the of and to in a is that for on was with as by at from said it be are have has this
which will not but an they their were been more after about who its would new also
city council mayor budget vote plan project residents neighbourhood street harbour ferry
bus route station transit bridge road traffic cyclists parking school board teachers
students parents classroom district college university hospital clinic doctors nurses
patients health care funding grant province federal government minister election campaign
candidate party poll voters debate policy report study data survey researchers scientists
climate weather storm rain flood coast beach water river park trees wildlife birds salmon
business company owner shop restaurant market jobs workers union strike wages economy
prices housing rent tenants landlord developer tower permit zoning heritage building
museum gallery theatre festival music concert artist exhibit film library book author
team season game coach players league championship goal match win loss crowd fans stadium
police fire court judge trial charge investigation safety emergency crews officials
spokesperson statement meeting hearing committee proposal decision approval review cost
million thousand percent year month week day morning evening night weekend summer winter
spring autumn local regional national community public private volunteer group families
children seniors visitors staff members leaders experts critics supporters opponents
early late long short high low large small major minor first last next final recent
former current local annual weekly daily open closed free full empty quiet busy
says told asked added noted explained argued expected announced approved rejected delayed
opened closed started finished built planned raised cut spent saved moved changed grew
fell rose doubled reached signed launched hired lost won joined left returned arrived
because while although since until before during under over between across through
around near along against without within toward into onto upon among despite
"""

FIRST_NAMES = FIRST_NAMES_TEXT.split()
LAST_NAMES = LAST_NAMES_TEXT.split()
PLACES = [place.strip() for place in PLACES_TEXT.split(",")]
WORDS = VOCABULARY.split()

QUOTE_NAMES = [f"{first} {last}" for first in FIRST_NAMES[:12] for last in LAST_NAMES[:10]]

# The article columns this script writes, in the order of its rows.
ARTICLE_COLUMNS = (
    "id",
    "headline",
    "slug",
    "dek",
    "body",
    "dateline",
    "status",
    "published_at",
    "featured",
    "path",
    "created_at",
    "updated_at",
    "section_id",
    "lead_image_id",
    "word_count",
)
LEAD_PHOTO_SHARE = 1 / 3  # with --photos: stories that lead with a library photo


@dataclasses.dataclass(frozen=True)
class Shape:
    """The shape of a generated archive; the defaults are the usual newsroom."""

    featured: str = "some"  # "some" (FEATURED_SHARE), "none" or "all" (of published stories)
    pins: int = 0  # stories pinned to the home page and to the biggest section's front
    big_section: float = 0.0  # share of stories in the first section (0: the usual weights)
    big_tag: float = 0.0  # share of stories carrying the first tag, besides their others
    lone_author: bool = False  # one more author, with a single (live) story
    tags: int = 2_000  # tags to choose from; 0: no story has a tag
    scheduled: float = SCHEDULED_SHARE  # share of stories scheduled in the coming month
    withdrawn: float = WITHDRAWN_SHARE  # share published once and then withdrawn
    body_words: int = BODY_WORDS
    photos: int = 0  # library photos; one story in three leads with one
    review: int = 0  # recent stories left in review for an editor
    live_updates: int = 0  # updates of one live story (the newest), 0: no live coverage

    def label(self):
        default = Shape()
        changed = [
            f"{field.name}={getattr(self, field.name)}"
            for field in dataclasses.fields(self)
            if getattr(self, field.name) != getattr(default, field.name)
        ]
        return ", ".join(changed) or "default"


BIO = "{name} reports for the newsroom on {beat} and has covered the region for {years} years."


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--stories", type=int, required=True, help="how many stories to create")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--database", type=Path, help="the SQLite file to create")
    target.add_argument(
        "--database-url",
        metavar="URL",
        help="a scratch PostgreSQL database to fill (postgres://user:password@host:port/name)",
    )
    parser.add_argument(
        "--seed", type=int, default=20261125, help="random seed (default: %(default)s)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the SQLite file if it exists; empty the PostgreSQL database if it has tables",
    )
    shape = parser.add_argument_group("shape of the archive")
    shape.add_argument("--featured", choices=("some", "none", "all"), default="some")
    shape.add_argument("--pins", type=int, default=0, help="pinned stories per front (0)")
    shape.add_argument("--big-section", type=float, default=0.0, metavar="SHARE")
    shape.add_argument("--big-tag", type=float, default=0.0, metavar="SHARE")
    shape.add_argument("--lone-author", action="store_true")
    shape.add_argument("--tags", type=int, default=2_000, help="(%(default)s; 0: no tags)")
    shape.add_argument("--scheduled", type=float, default=SCHEDULED_SHARE, metavar="SHARE")
    shape.add_argument("--withdrawn", type=float, default=WITHDRAWN_SHARE, metavar="SHARE")
    shape.add_argument("--body-words", type=int, default=BODY_WORDS)
    shape.add_argument("--photos", type=int, default=0, help="library photos (%(default)s)")
    shape.add_argument("--review", type=int, default=0, help="stories in review (%(default)s)")
    shape.add_argument(
        "--live-updates",
        type=int,
        default=0,
        metavar="N",
        help="make the newest live story live coverage with N updates (%(default)s)",
    )
    args = parser.parse_args(argv)
    args.shape = Shape(
        featured=args.featured,
        pins=args.pins,
        big_section=args.big_section,
        big_tag=args.big_tag,
        lone_author=args.lone_author,
        tags=args.tags,
        scheduled=args.scheduled,
        withdrawn=args.withdrawn,
        body_words=args.body_words,
        photos=args.photos,
        review=args.review,
        live_updates=args.live_updates,
    )
    if args.stories < 1:
        parser.error("--stories must be at least 1")
    if args.live_updates < 0:
        parser.error("--live-updates cannot be negative")
    if args.review > args.stories // 2:
        parser.error("--review may put at most half the stories in review")
    if args.scheduled + args.withdrawn + DRAFT_SHARE >= 1:
        parser.error("--scheduled and --withdrawn leave no live story")
    if args.database_url is not None and urlsplit(args.database_url).scheme not in POSTGRES:
        parser.error("--database-url must be a postgres:// URL (use --database for SQLite)")
    return args


def shown(url):
    """A database URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def django_environment(database_url, var_dir):
    """Environment variables that point the project's settings at ``database_url``."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "NEWSROOM_VAR_DIR": str(var_dir),
        "SECRET_KEY": "bench-only-0123456789abcdefghijklmnopqrstuvwxyz-0123456789",
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
    }


def migrate(env):
    """Create the schema (and the content-version row) with the project's migrations."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )


def setup_django(env):
    """Configure Django in this process for the same database (for the app's helpers)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class Text:
    """Deterministic news-like text built from ``WORDS``."""

    def __init__(self, rng):
        self.rng = rng

    def words(self, count):
        return self.rng.choices(WORDS, k=count)

    def sentence(self, low=8, high=22):
        words = self.words(self.rng.randint(low, high))
        if len(words) > 10 and self.rng.random() < 0.3:
            words[len(words) // 2] += ","
        return " ".join(words).capitalize() + "."

    def paragraph(self, target):
        """About ``target`` words of sentences; returns (text, words used)."""
        sentences, used = [], 0
        while used < target:
            sentence = self.sentence()
            sentences.append(sentence)
            used += sentence.count(" ") + 1
        return " ".join(sentences), used

    def headline(self):
        return " ".join(self.words(self.rng.randint(6, 11))).capitalize()

    def dek(self):
        return " ".join(self.sentence(12, 24) for _ in range(self.rng.randint(1, 2)))

    def body(self, words=BODY_WORDS):
        """Paragraphs of HTML: plain ones, a quote, sometimes a subheading and a link."""
        parts, used = [], 0
        while used < words:
            roll = self.rng.random()
            if roll < 0.12:
                quote, count = self.paragraph(20)
                name = self.rng.choice(QUOTE_NAMES)
                parts.append(f"<p>\u201c{quote}\u201d said {name}.</p>")
            elif roll < 0.18 and parts:
                heading = " ".join(self.words(4)).capitalize()
                parts.append(f"<h2>{heading}</h2>")
                count = 4
            elif roll < 0.24:
                text, count = self.paragraph(50)
                head, _, tail = text.partition(" ")
                slug = "-".join(self.words(3))
                parts.append(
                    f'<p>{head} <a href="https://example.org/reports/{slug}">'
                    f"{' '.join(self.words(3))}</a> {tail}</p>"
                )
            else:
                text, count = self.paragraph(self.rng.randint(35, 90))
                parts.append(f"<p>{text}</p>")
            used += count
        return "\n".join(parts)

    def clean_body(self, words=BODY_WORDS):
        """A body as ``Article.save()`` stores it (through the app's sanitiser), and its
        words as ``save()`` counts them."""
        from articles.models.seo import word_count
        from articles.text import sanitize_html, strip_control_characters

        body = sanitize_html(strip_control_characters(self.body(words)))
        return body, word_count(body)


class WeightedPicker:
    """Draws items with weights 1/(rank + offset): a few popular, a long tail."""

    def __init__(self, rng, items, offset):
        self.rng = rng
        self.items = items
        total, self.cumulative = 0.0, []
        for rank in range(len(items)):
            total += 1 / (rank + offset)
            self.cumulative.append(total)
        self.total = total

    def one(self):
        index = bisect.bisect(self.cumulative, self.rng.random() * self.total)
        return self.items[min(index, len(self.items) - 1)]

    def distinct(self, count):
        chosen = []
        while len(chosen) < count:
            item = self.one()
            if item not in chosen:
                chosen.append(item)
        return chosen


class SqliteWriter:
    """Writes rows into a SQLite file with :mod:`sqlite3`: ``executemany`` of INSERTs."""

    def __init__(self, path):
        import sqlite3

        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA cache_size = -200000")

    def columns(self, table):
        return {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}

    def insert(self, table, names, rows):
        self.db.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 -- names from the model
            f"VALUES ({', '.join('?' * len(names))})",
            rows,
        )

    def execute(self, sql, params=()):
        self.db.execute(sql.replace("%s", "?"), params)

    def commit(self):
        self.db.commit()

    def finish(self):
        """After the last row: fold the write-ahead log back into the file."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self):
        self.db.close()


class PostgresWriter:
    """Writes rows into PostgreSQL with psycopg: one ``COPY ... FROM STDIN`` per batch."""

    def __init__(self, url):
        import psycopg

        self.db = psycopg.connect(url)

    def columns(self, table):
        return {
            name
            for (name,) in self.db.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s",
                [table],
            )
        }

    def insert(self, table, names, rows):
        with (
            self.db.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def execute(self, sql, params=()):
        self.db.execute(sql, params)

    def commit(self):
        self.db.commit()

    def finish(self):
        """After the last row: move every id sequence past the ids written explicitly."""
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import connection

        models = [
            model
            for label in ("articles", "taggit")
            for model in apps.get_app_config(label).get_models()
        ]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            self.db.execute(statement)
        self.db.commit()

    def close(self):
        self.db.close()


class DjangoWriter:
    """Writes rows through Django's own connection (``executemany``), inside whatever
    transaction it is in: the tests build archives in the test database with it."""

    def __init__(self):
        from django.db import connection

        self.connection = connection

    def columns(self, table):
        with self.connection.cursor() as cursor:
            description = self.connection.introspection.get_table_description(cursor, table)
        return {column.name for column in description}

    def insert(self, table, names, rows):
        if not rows:
            return
        if self.connection.vendor == "postgresql":  # COPY, as PostgresWriter: several times faster
            with self.connection.cursor() as cursor:
                statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"
                with cursor.cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
            return
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 -- names from the model
                f"VALUES ({', '.join(['%s'] * len(names))})",
                rows,
            )

    def execute(self, sql, params=()):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)

    def commit(self):
        pass  # the caller's transaction

    def finish(self):
        """Move the id sequences past the ids written (PostgreSQL)."""
        from django.apps import apps
        from django.core.management.color import no_style

        models = [
            model
            for label in ("articles", "taggit")
            for model in apps.get_app_config(label).get_models()
        ]
        with self.connection.cursor() as cursor:
            for statement in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)

    def close(self):
        pass


class Table:
    """Bulk inserts into a model's table, through a writer.

    The caller gives some columns; every other column the table has gets the
    model field's default, as ``Model.objects.create()`` would store it. So the
    generator keeps working when the model grows a field with a default.
    """

    def __init__(self, writer, model, columns):
        from django.db import connection

        self.name = model._meta.db_table
        present = writer.columns(self.name)
        missing = set(columns) - present
        if missing:
            raise SystemExit(f"{self.name} has no column {', '.join(sorted(missing))}")
        self.defaulted = [
            field
            for field in model._meta.concrete_fields
            if field.column in present and field.column not in columns and not field.primary_key
        ]
        self.defaults = tuple(
            field.get_db_prep_save(field.get_default(), connection) for field in self.defaulted
        )
        self.names = [*columns, *(field.column for field in self.defaulted)]
        self.writer = writer

    def insert(self, rows):
        self.writer.insert(self.name, self.names, [(*row, *self.defaults) for row in rows])


def insert_taxonomy(writer, rng, text, shape=Shape()):
    """Sections, authors and tags; returns their ids in order of popularity."""
    from django.utils.text import slugify
    from taggit.models import Tag

    from articles.models import Author, Section

    Table(writer, Section, ("id", "name", "slug", "description", "position")).insert(
        [
            (number, name, slug, text.sentence(14, 24), number * 10)
            for number, (name, slug, _) in enumerate(SECTIONS, start=1)
        ]
    )
    section_weights = [weight for _, _, weight in SECTIONS]

    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    authors = []
    for number, name in enumerate(names[: 41 if shape.lone_author else 40], start=1):
        beat = rng.choice(SECTIONS)[0].lower()
        bio = BIO.format(name=name, beat=beat, years=rng.randint(2, 25))
        authors.append((number, name, slugify(name), bio))
    Table(writer, Author, ("id", "name", "slug", "bio")).insert(authors)

    tags, slugs = [], set()
    content_words = [word for word in WORDS if len(word) > 3]
    while len(tags) < shape.tags:
        name = " ".join(rng.sample(content_words, rng.choice((1, 2, 2, 3)))).title()
        slug = slugify(name)
        if slug not in slugs:
            slugs.add(slug)
            tags.append((len(tags) + 1, name, slug))
    Table(writer, Tag, ("id", "name", "slug")).insert(tags)
    return section_weights, [row[0] for row in authors], [row[0] for row in tags]


def insert_photos(writer, rng, text, count, now):
    """``count`` library photos, newest last; returns their ids. Rows only: the
    renditions are named as an upload names them, but no file is written (the
    admin's lists show addresses, they do not read the pictures)."""
    from django.db import connection

    from articles.models import Image

    db_time = connection.ops.adapt_datetimefield_value
    start = now - timedelta(days=365 * YEARS)
    span = (now - start).total_seconds()
    times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(count))
    credits = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} / Ledger" for _ in range(60)]
    rows = []
    table = Table(
        writer,
        Image,
        (
            "id",
            "file",
            "alt_text",
            "caption",
            "credit",
            "width",
            "height",
            "renditions",
            "uploaded_at",
        ),
    )
    for photo_id, uploaded_at in enumerate(times, start=1):
        name = f"{rng.getrandbits(80):020x}"
        folder = f"images/{name[:2]}/{name}"
        renditions = {
            kind: [
                {
                    "w": width,
                    "h": width * 2 // 3,
                    "webp_bytes": width * 40,
                    "fallback_bytes": width * 60,
                    "webp": f"{folder}/{prefix}{width}.webp",
                    "fallback": f"{folder}/{prefix}{width}.jpg",
                }
                for width in widths
            ]
            for kind, prefix, widths in (
                ("full", "", (480, 960, 1600)),
                ("thumb", "thumb-", (160, 320, 640)),
            )
        }
        renditions["fallback_type"] = "image/jpeg"
        rows.append(
            (
                photo_id,
                f"{folder}/original.jpg",
                " ".join(text.words(rng.randint(5, 10))).capitalize(),
                text.sentence(8, 18),
                rng.choice(credits),
                2400,
                1600,
                json.dumps(renditions),
                db_time(uploaded_at),
            )
        )
        if len(rows) >= BATCH:
            table.insert(rows)
            rows.clear()
    table.insert(rows)
    writer.commit()
    return list(range(1, count + 1))


def story_times(rng, count, now, withdrawn, shape=Shape()):
    """(status, published_at, written_at) per story in id order: the archive, then the
    scheduled ones. ``withdrawn`` is the status of a story taken down after publication."""
    scheduled = max(1, round(count * shape.scheduled)) if count >= 10 and shape.scheduled else 0
    start = now - timedelta(days=365 * YEARS)
    span = (now - timedelta(minutes=10) - start).total_seconds()
    past = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(count - scheduled))
    future = sorted(
        now + timedelta(days=1) + timedelta(seconds=rng.random() * 29 * 86_400)
        for _ in range(scheduled)
    )
    # Of the past stories, this share is withdrawn (shape.withdrawn of all stories).
    withdrawn_share = shape.withdrawn * count / max(1, count - scheduled)
    for when in past:
        roll = rng.random()
        if roll < DRAFT_SHARE:
            yield "draft", None, when
        elif roll < DRAFT_SHARE + withdrawn_share:
            yield withdrawn, when, when
        else:
            yield "published", when, when
    for when in future:
        yield "published", when, now - timedelta(hours=rng.randint(1, 48))


QUICK_WORDS = 6  # in each of QuickText's sentences


class QuickText(Text):
    """Short, cheap text for tests that count queries, not words: headlines and
    slugs stay distinct and news-like, decks and bodies are a sentence."""

    def sentence(self, low=8, high=22):
        return " ".join(self.words(QUICK_WORDS)).capitalize() + "."

    def dek(self):
        return self.sentence()

    def body(self, words=BODY_WORDS):
        return f"<p>{self.sentence()}</p>"

    def clean_body(self, words=BODY_WORDS):
        """One paragraph of ``QUICK_WORDS`` plain words (letters only), which the sanitiser
        keeps as it is: the same body and count as ``Text.clean_body`` gives it, without
        running the sanitiser and the count on each story (a third of the time an archive
        of them took). tests/test_query_cost.py holds the two to the same answer."""
        return self.body(words), QUICK_WORDS


def generate(writer, count, seed, now, shape=Shape(), text_class=Text):
    """Write ``count`` stories with bylines and tags through ``writer`` (a
    :class:`SqliteWriter`, :class:`PostgresWriter` or :class:`DjangoWriter`) in the
    given ``shape``; returns the expected live count."""
    from django.db import connection

    from articles.models import Article, Byline, Pin, TaggedArticle
    from articles.models.article import story_path
    from articles.text import short_slug, strip_control_characters, with_suffix

    rng = random.Random(seed)  # noqa: S311 -- test data, not secrets
    text = text_class(rng)
    db_time = connection.ops.adapt_datetimefield_value

    section_weights, author_ids, tag_ids = insert_taxonomy(writer, rng, text, shape)
    section_ids = list(range(1, len(SECTIONS) + 1))
    if shape.big_section:  # the first section holds that share, the others the rest
        rest = sum(section_weights[1:])
        section_weights = [
            shape.big_section * rest / (1 - shape.big_section),
            *section_weights[1:],
        ]
    section_cumulative = list(itertools.accumulate(section_weights))
    lone_author = author_ids.pop() if shape.lone_author else None
    author_picker = WeightedPicker(rng, author_ids, offset=8)
    big_tag = tag_ids[0] if shape.big_tag and tag_ids else None
    others = tag_ids[1:] if big_tag else tag_ids
    tag_picker = WeightedPicker(rng, others, offset=5) if others else None

    # Photos and the review queue draw from a stream of their own: the rest of the
    # archive is the same with or without them.
    extra_rng = random.Random(seed + 1)  # noqa: S311 -- test data, not secrets
    photo_ids = insert_photos(writer, extra_rng, Text(extra_rng), shape.photos, now)
    scheduled = max(1, round(count * shape.scheduled)) if count >= 10 and shape.scheduled else 0
    past = count - scheduled
    recent = range(max(1, past - 4 * shape.review) + 1, past + 1)
    in_review = set(extra_rng.sample(recent, min(shape.review, len(recent))))

    # The migration creates the content-version row; keep it whatever happens.
    writer.execute(
        "INSERT INTO articles_contentversion (id, version, changed_at, shared_version) "
        "VALUES (1, 1, %s, 0) "
        "ON CONFLICT (id) DO NOTHING",
        [db_time(now)],
    )
    used_paths = set()
    articles, bylines, tagged = [], [], []
    live = 0

    article_table = Table(writer, Article, ARTICLE_COLUMNS)
    byline_table = Table(writer, Byline, ("position", "published_at", "article_id", "author_id"))
    tagged_table = Table(writer, TaggedArticle, ("published_at", "content_object_id", "tag_id"))
    for table in (article_table, byline_table, tagged_table):
        if table.defaulted:
            names = ", ".join(field.column for field in table.defaulted)
            print(f"{table.name}: model defaults for {names}")

    def flush():
        article_table.insert(articles)
        byline_table.insert(bylines)
        tagged_table.insert(tagged)
        writer.commit()
        articles.clear()
        bylines.clear()
        tagged.clear()

    # Models with a "withdrawn" status use it; older ones set the story back to draft.
    withdrawn = "withdrawn" if "withdrawn" in Article.Status.values else "draft"
    live_ids = []
    newest_live = None
    for story_id, (status, published_at, written_at) in enumerate(
        story_times(rng, count, now, withdrawn, shape), start=1
    ):
        if story_id in in_review:  # written, submitted, not yet published
            status, published_at = "review", None
        # What Article.save() does to the fields, in the same order.
        headline = strip_control_characters(text.headline()).strip()
        dek = strip_control_characters(text.dek()).strip()
        dateline = rng.choice(PLACES) if rng.random() < 0.6 else ""
        body, words = text.clean_body(shape.body_words)
        slug = short_slug(headline)
        path = None  # NULL while a story has no date (a unique column)
        if published_at is not None:
            base, number = slug, 2
            path = story_path(published_at, slug)
            while path in used_paths:
                slug = with_suffix(base, number)
                number += 1
                path = story_path(published_at, slug)
            used_paths.add(path)
        created_at = written_at - timedelta(minutes=rng.randint(10, 600))
        updated_at = min(written_at + timedelta(minutes=rng.randint(0, 2_880)), now)
        updated_at = max(updated_at, created_at)
        published = db_time(published_at)
        # Tag links and bylines carry the time only while the story is published.
        listed = published if status == "published" else None
        featured = status == "published" and (
            shape.featured == "all" or (shape.featured == "some" and rng.random() < FEATURED_SHARE)
        )
        articles.append(
            (
                story_id,
                headline,
                slug,
                dek,
                body,
                dateline,
                status,
                published,
                featured,
                path,
                db_time(created_at),
                db_time(updated_at),
                rng.choices(section_ids, cum_weights=section_cumulative)[0],
                extra_rng.choice(photo_ids)
                if photo_ids and extra_rng.random() < LEAD_PHOTO_SHARE
                else None,
                words,
            )
        )
        authors = author_picker.distinct(rng.choices((1, 2, 3), weights=(80, 17, 3))[0])
        is_live = status == "published" and published_at <= now
        if lone_author and is_live:
            authors, lone_author = [lone_author], None
        bylines.extend(
            (position, listed, story_id, author_id) for position, author_id in enumerate(authors)
        )
        story_tags = []
        if big_tag and rng.random() < shape.big_tag:
            story_tags.append(big_tag)
        if tag_picker is not None:
            story_tags += tag_picker.distinct(min(TAGS_PER_STORY, len(others)))
        tagged.extend((listed, story_id, tag_id) for tag_id in story_tags)
        if is_live:
            live += 1
            live_ids.append(story_id)
            newest_live = (story_id, published_at, authors)
        if len(articles) >= BATCH:
            flush()
    flush()
    if shape.pins:
        # The newest live stories, pinned to the home page and to the first section.
        chosen = live_ids[-shape.pins :]
        rows = [(None, story_id, position) for position, story_id in enumerate(chosen, start=1)]
        rows += [(1, story_id, position) for position, story_id in enumerate(chosen, start=1)]
        Table(writer, Pin, ("section_id", "article_id", "position")).insert(rows)
        writer.commit()
    if shape.live_updates and newest_live is not None:
        live_rng = random.Random(seed + 2)  # noqa: S311 -- test data, not secrets
        insert_live_updates(
            writer, live_rng, Text(live_rng), *newest_live, shape.live_updates, now, photo_ids
        )
    return live


LIVE_KEY_EVERY = 40  # one update in 40 is a key event
LIVE_PINNED = 2
LIVE_DRAFT_SHARE = 0.02
LIVE_PHOTO_EVERY = 10  # with --photos


def insert_live_updates(writer, rng, text, story_id, started, authors, count, now, photo_ids):
    """Open live coverage on the story and write ``count`` updates from ``started`` until a
    minute ago, oldest first, as ``editorial.live.save_update`` stores them (bodies through
    the sanitiser, by one of the story's authors)."""
    from django.db import connection

    from articles.models import LiveUpdate
    from articles.text import sanitize_html, strip_control_characters

    db_time = connection.ops.adapt_datetimefield_value
    writer.execute(
        "UPDATE articles_article SET live_started_at = %s, live_ended_at = NULL WHERE id = %s",
        [db_time(started), story_id],
    )
    last = max(now - timedelta(minutes=1), started + timedelta(seconds=count))
    step = (last - started) / count
    pinned = set(rng.sample(range(count), min(LIVE_PINNED, count)))
    updates, bylines = [], []
    table = Table(
        writer,
        LiveUpdate,
        (
            "id",
            "story_id",
            "published_at",
            "body",
            "photo_id",
            "key_event",
            "pinned",
            "status",
            "created_at",
            "updated_at",
        ),
    )
    through = Table(writer, LiveUpdate.authors.through, ("liveupdate_id", "author_id"))
    for number in range(count):
        update_id = number + 1
        when = started + step * (number + 1)
        paragraphs = [text.paragraph(rng.randint(25, 70))[0] for _ in range(rng.randint(1, 3))]
        body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
        draft = rng.random() < LIVE_DRAFT_SHARE and number not in pinned
        photo = rng.choice(photo_ids) if photo_ids and update_id % LIVE_PHOTO_EVERY == 0 else None
        updates.append(
            (
                update_id,
                story_id,
                db_time(when),
                sanitize_html(strip_control_characters(body)),
                photo,
                update_id % LIVE_KEY_EVERY == 0,
                number in pinned,
                "draft" if draft else "published",
                db_time(when),
                db_time(when),
            )
        )
        bylines.append((update_id, rng.choice(authors)))
        if len(updates) >= BATCH:
            table.insert(updates)
            through.insert(bylines)
            updates.clear()
            bylines.clear()
    table.insert(updates)
    through.insert(bylines)
    writer.commit()


def rebuild_search_index():
    """Index the new stories for search, as saving each one would have; returns seconds.

    Only for versions of the project that have ``articles.reader.search.rebuild()``
    (None otherwise): bulk inserts bypass the signals that keep the index.
    """
    try:
        from articles.reader import search
    except ImportError:
        return None
    if not hasattr(search, "rebuild"):
        return None
    started = time.monotonic()
    search.rebuild()
    return time.monotonic() - started


def require(condition, message):
    """Stop with ``message`` unless ``condition`` holds (unlike assert, not skipped by -O)."""
    if not condition:
        raise SystemExit(f"check failed: {message}")


def check(expected_live):
    """Read the new database back through Django: counts, stored columns, two pages."""
    from django.db import connection, transaction
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment

    from articles.models import Article, Byline, LiveUpdate, TaggedArticle

    live = Article.objects.live().count()
    require(live == expected_live, f"live().count() is {live}, expected {expected_live}")

    # Saved again through Article.save(), a sample of stories must keep every
    # column this script wrote (but updated_at): then those are what save() stores.
    compared = [column for column in ARTICLE_COLUMNS if column != "updated_at"]
    sample = list(Article.objects.order_by("?").values_list("id", flat=True)[:20])
    written = {row["id"]: row for row in Article.objects.filter(id__in=sample).values(*compared)}
    with transaction.atomic():
        for story in Article.objects.filter(id__in=sample):
            story.save()
        saved = {row["id"]: row for row in Article.objects.filter(id__in=sample).values(*compared)}
        transaction.set_rollback(True)
    for story_id, row in written.items():
        changed = [column for column in compared if saved[story_id][column] != row[column]]
        require(not changed, f"Article.save() changes {', '.join(changed)} of story {story_id}")

    # "IS NOT" compares any two values (NULL included) on SQLite; PostgreSQL spells it so.
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    with connection.cursor() as cursor:
        for table, column in (
            ("articles_byline", "article_id"),
            ("articles_taggedarticle", "content_object_id"),
        ):
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} x JOIN articles_article a ON a.id = x.{column} "  # noqa: S608
                f"WHERE x.published_at {differs} "
                "(CASE WHEN a.status = 'published' THEN a.published_at END)"
            )
            require(
                cursor.fetchone()[0] == 0,
                f"{table}.published_at differs from the story's (while published)",
            )
        cursor.execute("SELECT COUNT(*) FROM articles_contentversion WHERE id = 1")
        require(cursor.fetchone()[0] == 1, "the content-version row is missing")

    newest = Article.objects.live().order_by("-published_at").values("path", "headline")
    story = newest[min(10, live - 1)]
    setup_test_environment()
    # whitenoise warns that nothing was collected: this check needs no static files.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    coverage = {}
    live_story = Article.objects.filter(live_started_at__isnull=False).values("id", "path").first()
    with override_settings(STORAGES=plain_static):
        client = Client()
        page = client.get(story["path"])
        front = client.get("/")
        live_page = client.get(live_story["path"]) if live_story else None
    require(
        page.status_code == 200 and story["headline"] in page.content.decode(),
        f"{story['path']} answered {page.status_code} without its headline",
    )
    require(front.status_code == 200, f"the front page answered {front.status_code}")
    if live_story is not None:
        path = live_story["path"]
        require(live_page.status_code == 200, f"{path} answered {live_page.status_code}")
        updates = LiveUpdate.objects.filter(story_id=live_story["id"])
        coverage["live story"] = (
            f"{path} ({updates.count():,} updates, {updates.visible().count():,} "
            f"visible; {len(live_page.content):,} bytes)"
        )
    return {
        "live": live,
        "stories": Article.objects.count(),
        "bylines": Byline.objects.count(),
        "tag links": TaggedArticle.objects.count(),
        "story page": f"{story['path']} ({len(page.content):,} bytes)",
        **coverage,
    }


def prepare_sqlite(database, force):
    """Make way for a new SQLite file; returns its database URL."""
    if database.exists():
        if not force:
            raise SystemExit(f"{database} exists; pass --force to replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{database}"


def prepare_postgres(url, force):
    """Empty the PostgreSQL database (with ``force``): drop the tables of its current schema."""
    import psycopg
    from psycopg import sql

    try:
        db = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as error:
        raise SystemExit(f"cannot connect to {shown(url)}: {error}") from None
    with db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            )
        ]
        if tables and not force:
            raise SystemExit(
                f"{shown(url)} has {len(tables)} tables; pass --force to drop them "
                "(point it at a scratch database)"
            )
        if tables:
            db.execute(
                sql.SQL("DROP TABLE {} CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier(name) for name in tables)
                )
            )
    return url


def analyze():
    """Planner statistics for every table (PostgreSQL); returns seconds."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.monotonic() - started


def fill_what_save_keeps():
    """Rows written straight into the tables skip ``Article.save()``: give them what it
    keeps (where photos are used, word counts) as the migration that added them does."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from articles import migrations

    folder = Path(migrations.__file__).parent
    (path,) = folder.glob("*_photo_placements_word_count_desk_order.py")
    module = importlib.import_module(f"articles.migrations.{path.stem}")
    module.fill(apps, SimpleNamespace(connection=connection))


def main(argv=None):
    args = parse_args(argv)
    if args.database is not None:
        database = args.database.resolve()
        url, label = prepare_sqlite(database, args.force), str(database)
    else:
        url, label = prepare_postgres(args.database_url, args.force), shown(args.database_url)

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="newsroom-bench-") as var_dir:
        env = django_environment(url, var_dir)
        migrate(env)
        setup_django(env)
        from django.utils import timezone

        writer = SqliteWriter(database) if args.database is not None else PostgresWriter(url)
        try:
            expected_live = generate(writer, args.stories, args.seed, timezone.now(), args.shape)
            writer.finish()
        finally:
            writer.close()
        fill_what_save_keeps()
        written = time.monotonic() - started
        indexed = rebuild_search_index()
        checking = time.monotonic()
        summary = check(expected_live)
        checked = time.monotonic() - checking
        analyzed = analyze() if args.database_url is not None else None

    print(f"{label}: {args.stories:,} stories ({args.shape.label()}) written in {written:.1f} s")
    if indexed is not None:
        print(f"  search index rebuilt in {indexed:.1f} s")
    print(f"  checked in {checked:.1f} s")
    if analyzed is not None:
        print(f"  ANALYZE in {analyzed:.1f} s")
    print(f"  total {time.monotonic() - started:.1f} s")
    for name, value in summary.items():
        print(f"  {name}: {value:,}" if isinstance(value, int) else f"  {name}: {value}")


if __name__ == "__main__":
    main()
