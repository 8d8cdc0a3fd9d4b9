"""
What an editor's tag merge and rename cost the request (issue 18: slow work moved to tasks).

    python bench/tag_merge.py --stories 5000

Makes a fresh SQLite database (``manage.py migrate`` in a subprocess) and, in a child
process, ``--stories`` live stories tagged "harbor" (and their search entries), then
times, on the default task backend (the database queue: the request only queues):

* merging "harbor" into "harbour" (``editorial.taxonomy.merge_tags``, what the admin's
  merge action runs, in its transaction, its commit included);
* renaming "harbour" to "harbourside" (the tag's save, as the admin's change form
  saves it, in a transaction);
* then the queued work itself, as a worker runs it (``db_worker --batch``).

Each figure is the child's CPU time (``time.process_time``: fair on a shared machine)
and its wall time, best of ``--repeat`` fresh runs.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import newsletters  # noqa: E402


def environment(database):
    """The newsletters bench's environment, with the default task backend: the database
    queue, where a request only queues its work."""
    return newsletters.environment(database, TASKS_BACKEND="database")


def timed(work):
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return time.process_time() - cpu, time.perf_counter() - wall


def run(stories):
    """Child: fill, then time the merge, the rename and the queued work."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from taggit.models import Tag

    from articles.editorial.taxonomy import merge_tags
    from articles.models import Article, TaggedArticle
    from articles.reader import search

    now = timezone.now()
    harbor = Tag.objects.create(name="harbor", slug="harbor")
    harbour = Tag.objects.create(name="harbour", slug="harbour")
    made = Article.objects.bulk_create(
        Article(
            headline=f"Pier story {n}",
            slug=f"pier-story-{n}",
            dek="A dek.",
            body="<p>Work on the pier goes on through the winter.</p>",
            status=Article.Status.PUBLISHED,
            published_at=now,
            path=f"/2026/11/28/pier-story-{n}/",
        )
        for n in range(stories)
    )
    TaggedArticle.objects.bulk_create(
        TaggedArticle(content_object=story, tag=harbor) for story in made
    )
    search.rebuild()

    def merge():
        merge_tags([harbor], harbour)

    def rename():
        with transaction.atomic():
            harbour.name, harbour.slug = "harbourside", "harbourside"
            harbour.save()

    def worker():
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    figures = [timed(merge), timed(rename), timed(worker)]
    hits = len(search.search("harbourside", timezone.now(), 10))
    print(" ".join(f"{cpu:.3f} {wall:.3f}" for cpu, wall in figures), hits)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        return run(options.stories)
    results = []
    for _ in range(options.repeat):
        with tempfile.TemporaryDirectory() as folder:
            env = environment(Path(folder) / "bench.sqlite3")
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--stories", str(options.stories)],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout.split()
            results.append([float(x) for x in out[:6]] + [int(out[6])])
    best = [min(column) for column in zip(*[r[:6] for r in results], strict=True)]
    names = ["merge request", "rename request", "queued work (db_worker)"]
    for n, name in enumerate(names):
        print(
            f"{name}: {best[2 * n] * 1000:.0f} ms CPU, {best[2 * n + 1] * 1000:.0f} ms wall "
            f"(best of {options.repeat}, {options.stories} stories)"
        )
    print(f"stories found under the new name afterwards: {results[-1][6]} (search shows 10)")
    print(f"load average {os.getloadavg()[0]:.1f}")
    return None


if __name__ == "__main__":
    main()
