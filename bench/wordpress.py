"""
The WordPress import's targets (issue 16), measured.

    python bench/wordpress.py import --posts 10000 --database /tmp/wp-bench.sqlite3
    python bench/wordpress.py parse --posts 100000

``import`` writes an export of ``--posts`` published posts (3 tags and 2 categories
each, ~250 words of classic-editor text, 40 authors, 30 categories, 600 tags), creates
a fresh SQLite database (``manage.py migrate`` in a subprocess), runs
``manage.py import_wordpress`` on it twice in subprocesses, and prints each run's
wall time and peak memory (``ru_maxrss`` of the child) and the second run's share
of the first. Targets: the first run ≤ 120 s for 10,000 posts, the second ≤ 30% of it.

``parse`` writes an export of ``--posts`` posts and reads it the way the importer does
(the checking pass, then every item), in a subprocess, and prints its peak memory:
the target is ≤ 300 MB at 100,000 posts. Importing 100,000 posts is the same loop
with more rows; its memory is the parse's plus the per-run dictionaries (one entry
per previously imported post).

The machine is shared: the load average is printed with each figure.
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
WORDS = [
    "harbour",
    "council",
    "ferry",
    "tide",
    "storm",
    "budget",
    "school",
    "market",
    "festival",
    "pier",
    "road",
    "rail",
    "bridge",
    "library",
    "museum",
    "hospital",
    "election",
    "mayor",
    "river",
    "weather",
    "season",
    "fishing",
    "boat",
    "crew",
    "quay",
    "residents",
    "plan",
    "vote",
    "meeting",
    "report",
    "week",
    "month",
    "year",
    "town",
    "city",
    "coast",
    "island",
    "north",
    "south",
    ").split(",
]


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def write_export(path, posts, seed=16):
    rng = random.Random(seed)  # noqa: S311 (text for a benchmark)
    categories = [f"Category {n}" for n in range(30)]
    tags = [f"Tag {n}" for n in range(600)]
    start = datetime(2015, 1, 1)
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "<title>Bench Gazette</title><link>https://bench.example</link>\n"
            "<wp:wxr_version>1.2</wp:wxr_version>\n"
            "<wp:base_site_url>https://bench.example</wp:base_site_url>\n"
            "<wp:base_blog_url>https://bench.example</wp:base_blog_url>\n"
        )
        for n in range(40):
            out.write(
                f"<wp:author><wp:author_login>{cdata(f'writer{n}')}</wp:author_login>"
                f"<wp:author_display_name>{cdata(f'Writer {n}')}</wp:author_display_name>"
                "</wp:author>\n"
            )
        for n, name in enumerate(categories):
            out.write(
                f"<wp:category><wp:term_id>{n + 1}</wp:term_id><wp:category_nicename>"
                f"category-{n}</wp:category_nicename><wp:cat_name>{cdata(name)}</wp:cat_name>"
                "</wp:category>\n"
            )
        for post_id in range(1, posts + 1):
            when = start + timedelta(minutes=post_id * 47)
            title = " ".join(rng.choices(WORDS, k=8)).capitalize()
            paragraphs = [" ".join(rng.choices(WORDS, k=50)).capitalize() + "." for _ in range(5)]
            chosen = rng.sample(range(30), 2)
            out.write(
                f"<item><title>{escape(title)}</title>"
                f"<link>https://bench.example/?p={post_id}</link>"
                f"<dc:creator>{cdata(f'writer{post_id % 40}')}</dc:creator>"
                + "".join(
                    f'<category domain="category" nicename="category-{c}">'
                    f"{cdata(categories[c])}</category>"
                    for c in chosen
                )
                + "".join(
                    f'<category domain="post_tag" nicename="tag-{t}">{cdata(tags[t])}</category>'
                    for t in rng.sample(range(600), 3)
                )
                + f"<content:encoded>{cdata(chr(10).join(paragraphs))}</content:encoded>"
                f"<excerpt:encoded>{cdata('')}</excerpt:encoded>"
                f"<wp:post_id>{post_id}</wp:post_id>"
                f"<wp:post_date>{when:%Y-%m-%d %H:%M:%S}</wp:post_date>"
                f"<wp:post_date_gmt>{when:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>"
                f"<wp:post_name>{cdata('')}</wp:post_name>"
                "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
                "<wp:post_password></wp:post_password><wp:is_sticky>0</wp:is_sticky>"
                "</item>\n"
            )
        out.write("</channel>\n</rss>\n")


def child_run(command, env):
    """Run ``command``; (wall seconds, CPU seconds, peak RSS of the children in MB).

    On a loaded machine the wall time counts the waits for a core; the CPU time
    (user + system) is what the import itself costs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    # ru_maxrss of children is the largest of any child so far (kB on Linux).
    return seconds, cpu, after.ru_maxrss / 1024


def load():
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def environment(database):
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "bench-" + "abcdefghij" * 6)
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env.setdefault("DEBUG", "0")
    return env


def bench_import(args):
    export = Path(args.export or Path(tempfile.gettempdir()) / f"wp-bench-{args.posts}.xml")
    write_export(export, args.posts)
    print(f"export: {export} ({export.stat().st_size / 1048576:.0f} MB, {args.posts} posts)")
    database = Path(args.database)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    env = environment(database)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    command = [sys.executable, "manage.py", "import_wordpress", str(export)]
    first, first_cpu, first_peak = child_run(command, env)
    print(
        f"first run: {first:.1f} s wall, {first_cpu:.1f} s CPU "
        f"({1000 * first_cpu / args.posts:.1f} ms a post), peak RSS {first_peak:.0f} MB "
        f"({load()})"
    )
    second, second_cpu, _ = child_run(command, env)
    print(
        f"re-run (unchanged): {second:.1f} s wall = {100 * second / first:.0f}% of the first; "
        f"{second_cpu:.1f} s CPU = {100 * second_cpu / first_cpu:.0f}% ({load()})"
    )


def bench_parse(args):
    export = Path(args.export or Path(tempfile.gettempdir()) / f"wp-bench-{args.posts}.xml")
    if not export.exists():
        write_export(export, args.posts)
    print(f"export: {export} ({export.stat().st_size / 1048576:.0f} MB, {args.posts} posts)")
    code = (
        "import resource, sys; from articles.ingest.wxr import Export; e = Export(sys.argv[1]); "
        "c = e.survey(); n = sum(1 for _ in e.items()); "
        "print(n, 'items;', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, 'MB')"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, str(export)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    print(
        f"parse (both passes): {time.perf_counter() - started:.1f} s, peak RSS "
        f"{result.stdout.strip()} ({load()})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["import", "parse"])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--database", default=str(Path(tempfile.gettempdir()) / "wp-bench.sqlite3"))
    parser.add_argument("--export", help="Where to write the export (default /tmp).")
    args = parser.parse_args()
    (bench_import if args.what == "import" else bench_parse)(args)


if __name__ == "__main__":
    main()
