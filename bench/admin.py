"""
Time every admin page an editor or a writer uses, on a big archive, through gunicorn.

    python bench/admin.py --database /tmp/admin-100k.sqlite3 [--rounds 5]

If the database does not exist it is made first with ``bench/generate.py``
(``--stories 100000 --photos 20000 --review 500`` by default: about ten minutes
on a busy two-core machine); an existing one is reused, so make it once. The
script then gives the archive its staff: an editor and a writer (``bench-editor``
and ``bench-writer``, in the Editor and Writer roles), the writer owning one story
in forty and a fifth of the review queue, each with a byline author of their own.

It runs ``collectstatic`` into a temporary directory, starts gunicorn as
``bench/run.py`` does (the project's ``gunicorn.conf.py``, 2 sync workers, DEBUG
off), logs in through the admin's login form as each of them, and requests every
page once to warm up and then ``--rounds`` times in turn, one request at a time;
the time is the client's, from sending the request to the last byte, and the
workers' CPU time for the request is read from ``/proc`` (a figure a busy
machine inflates less than the wall-clock time). Each page's
SQL queries are counted in this process, on the same database, with Django's
test client (``CaptureQueriesContext``). Prints a Markdown table: median,
fastest and slowest time, median server CPU, queries, size, and whether the
median is within ``--target`` ms (300).

Other processes on the same cores slow every page: the load average at the
start and at the end is printed under the table.
"""

import argparse
import http.cookiejar
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.run import (  # noqa: E402
    children,
    collectstatic,
    free_port,
    process_ticks,
    server_environment,
    start_gunicorn,
    stop,
    wait_until_ready,
)

PASSWORD = "bench-only-password-7b3d"  # noqa: S105 -- a throwaway account on a scratch database
EDITOR, WRITER = "bench-editor", "bench-writer"
WRITER_SHARE = 40  # the writer created one story in this many


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--database", type=Path, required=True, help="reused if it exists")
    parser.add_argument("--stories", type=int, default=100_000, help="if made (%(default)s)")
    parser.add_argument("--photos", type=int, default=20_000, help="if made (%(default)s)")
    parser.add_argument("--review", type=int, default=500, help="if made (%(default)s)")
    parser.add_argument("--rounds", type=int, default=5, help="timed requests per page (5)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (%(default)s)")
    parser.add_argument("--target", type=int, default=300, help="ms (%(default)s)")
    parser.add_argument("--only", metavar="TEXT", help="only the pages whose name contains TEXT")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


# --- The archive and its staff ---------------------------------------------------


def make_database(args):
    generate.main(
        [
            "--stories",
            str(args.stories),
            "--photos",
            str(args.photos),
            "--review",
            str(args.review),
            "--database",
            str(args.database),
        ]
    )


def setup_django(env):
    os.environ.update(env)
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed; nothing else changes here


def ensure_staff():
    """The editor and the writer, with their stories; the same on every run."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from articles.editorial.roles import EDITOR as EDITOR_ROLE
    from articles.editorial.roles import WRITER as WRITER_ROLE
    from articles.editorial.roles import sync_roles
    from articles.models import Author

    User = get_user_model()
    roles = sync_roles()
    with transaction.atomic():
        users = {}
        for username, role in ((EDITOR, EDITOR_ROLE), (WRITER, WRITER_ROLE)):
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": True}
            )
            if created or not user.check_password(PASSWORD):
                user.set_password(PASSWORD)
                user.save()
            user.groups.set([roles[role]])
            users[username] = user
        # Each has a byline author of their own: the first two authors.
        for number, username in enumerate((EDITOR, WRITER), start=1):
            Author.objects.filter(pk=number).update(user=users[username])
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE articles_article SET created_by_id = %s WHERE created_by_id IS NULL "
                "AND (id %% %s = 0 OR (status = 'review' AND id %% 5 = 0))",
                [users[WRITER].pk, WRITER_SHARE],
            )
    return users


def pick_pages():
    """(name, who, address) of every page timed, from the archive itself."""
    from django.urls import reverse

    from articles.models import Article

    changelist = reverse("admin:articles_article_changelist")
    published = Article.objects.filter(status="published").order_by("-id")
    story = published.values_list("id", flat=True)[0]
    # A photo that leads a live story, so its page has stories to list under "Used in".
    photo = published.exclude(lead_image=None).values_list("lead_image", flat=True)[0]
    from articles.admin.stories import ArticleAdmin

    per_page = ArticleAdmin.list_per_page
    pages = (Article.objects.count() + per_page - 1) // per_page
    autocomplete = reverse("admin:autocomplete")
    calendar = reverse("admin:articles_article_calendar")

    def picker(model, field, term):
        query = {"app_label": "articles", "model_name": model, "field_name": field, "term": term}
        return f"{autocomplete}?{urllib.parse.urlencode(query)}"

    published_at = 5  # the "publication time" column, after the checkboxes
    return [
        ("story list, default", EDITOR, changelist),
        ("story list, in review", EDITOR, f"{changelist}?status__exact=review"),
        ("story list, published", EDITOR, f"{changelist}?status__exact=published"),
        ("story list, sorted by time", EDITOR, f"{changelist}?o={published_at}"),
        ("story list, sorted newest first", EDITOR, f"{changelist}?o=-{published_at}"),
        ('story list, search "harbour"', EDITOR, f"{changelist}?q=harbour"),
        ('story list, search "grey harbour ferry"', EDITOR, f"{changelist}?q=grey+harbour+ferry"),
        ("story list, page 100", EDITOR, f"{changelist}?p=100"),
        (f"story list, last page ({pages})", EDITOR, f"{changelist}?p={pages}"),
        ("story list, mine", EDITOR, f"{changelist}?mine=1"),
        ("story list, by tag", EDITOR, f"{changelist}?tag=1"),
        ("story list, past 7 days", EDITOR, f"{changelist}?published_at__gte=past-week"),
        ('story list, "show counts"', EDITOR, f"{changelist}?_facets=True"),
        ("writer: story list", WRITER, changelist),
        ("writer: story list, mine", WRITER, f"{changelist}?mine=1"),
        ('writer: story list, search "harbour"', WRITER, f"{changelist}?q=harbour"),
        ("writer: story list, page 100", WRITER, f"{changelist}?p=100"),
        ("story change page", EDITOR, reverse("admin:articles_article_change", args=[story])),
        ("story add page", EDITOR, reverse("admin:articles_article_add")),
        ("writer: story add page", WRITER, reverse("admin:articles_article_add")),
        ("story history", EDITOR, reverse("admin:articles_article_history", args=[story])),
        ("photo library", EDITOR, reverse("admin:articles_image_changelist")),
        ("writer: photo library", WRITER, reverse("admin:articles_image_changelist")),
        ("photo change page", EDITOR, reverse("admin:articles_image_change", args=[photo])),
        ("autocomplete: tags", EDITOR, picker("article", "tags", "har")),
        ("writer: autocomplete: tags", WRITER, picker("article", "tags", "har")),
        ("autocomplete: authors", EDITOR, picker("byline", "author", "ana")),
        ("autocomplete: photos", EDITOR, picker("article", "lead_image", "harbour")),
        ("autocomplete: sections", EDITOR, picker("article", "section", "c")),
        ("pinned-story picker", EDITOR, picker("pin", "article", "harbour")),
        ("pinned-story picker, no term", EDITOR, picker("pin", "article", "")),
        ("pins", EDITOR, reverse("admin:articles_pin_changelist")),
        ("writer: photo change page", WRITER, reverse("admin:articles_image_change", args=[photo])),
        ("calendar", EDITOR, reverse("admin:articles_article_calendar")),
        ("planning, day", EDITOR, calendar + "?period=day"),
        ("planning, week", EDITOR, calendar + "?period=week"),
        ("writer: planning, week", WRITER, calendar + "?period=week"),
        ("dashboard (admin home)", EDITOR, reverse("admin:index")),
        ("writer: dashboard (admin home)", WRITER, reverse("admin:index")),
    ]


def past_week(url):
    """The "Past 7 days" link as the filter writes it (it needs today's date)."""
    if "past-week" not in url:
        return url
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    since = urllib.parse.quote(str(today - timedelta(days=7)))
    until = urllib.parse.quote(str(today + timedelta(days=1)))
    return url.replace("past-week", f"{since}&published_at__lt={until}")


def count_queries(pages, users):
    """{name: (queries, status)} for each page, served in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    for username, user in users.items():
        clients[username] = Client()
        clients[username].force_login(user)
    counted = {}
    for name, who, url in pages:
        with CaptureQueriesContext(connection) as queries:
            response = clients[who].get(url)
        counted[name] = (len(queries), response.status_code)
    return counted


# --- Over HTTP ----------------------------------------------------------------------------


def login(base, username):
    """An opener holding the session of ``username``, logged in through the admin's form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/admin/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    data = urllib.parse.urlencode(
        {
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        }
    ).encode()
    page = opener.open(f"{base}/admin/login/?next=/admin/", data=data, timeout=30)
    if "/admin/login/" in page.geturl():
        raise SystemExit(f"{username} could not log in")
    return opener


TICK = 1 / os.sysconf("SC_CLK_TCK")


def timed(opener, url, workers=()):
    """(seconds, CPU seconds of the workers, status, bytes) of one GET, from sending
    it to the last byte. Requests go one at a time, so the workers' CPU time is this
    request's, whatever else the machine is doing (to a clock tick)."""
    cpu = sum(process_ticks(pid) for pid in workers)
    started = time.perf_counter()
    try:
        with opener.open(url, timeout=60) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    elapsed = time.perf_counter() - started
    cpu = (sum(process_ticks(pid) for pid in workers) - cpu) * TICK
    return elapsed, cpu, status, len(body)


def report(pages, timings, counted, target):
    lines = [
        "| page | as | median | fastest | slowest | server CPU | queries | size | status |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for name, who, _url in pages:
        seconds, cpu, status, size = timings[name]
        median = statistics.median(seconds) * 1000
        flag = "" if median <= target else " ⚠"
        queries, _ = counted.get(name, ("–", None))
        lines.append(
            f"| {name.removeprefix('writer: ')} | {who.removeprefix('bench-')} | "
            f"{median:,.0f} ms{flag} | {min(seconds) * 1000:,.0f} | {max(seconds) * 1000:,.0f} "
            f"| {statistics.median(cpu) * 1000:,.0f} ms | {queries} | {size / 1024:,.0f} KB "
            f"| {status} |"
        )
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    args.database = args.database.resolve()
    if not args.database.exists():
        make_database(args)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="newsroom-bench-admin-") as var_dir:
        env = server_environment(args.database, var_dir)
        generate.migrate(env)  # a database made before the latest migrations gets them
        setup_django(env)
        users = ensure_staff()
        pages = [
            (name, who, past_week(url))
            for name, who, url in pick_pages()
            if not args.only or args.only in name
        ]
        collectstatic(env)
        counted = count_queries(pages, users)
        from django.db import connections

        connections.close_all()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(var_dir) / "gunicorn.log"
        server = start_gunicorn(env, port, args.workers, log)
        try:
            wait_until_ready(server, base, log)
            openers = {username: login(base, username) for username in (EDITOR, WRITER)}
            for _name, who, url in pages:  # warm-up: every worker, every page
                for _ in range(args.workers):
                    timed(openers[who], base + url)
            workers = children(server.pid)
            timings = {name: ([], [], None, 0) for name, _, _ in pages}
            for round_number in range(args.rounds):
                print(f"round {round_number + 1}/{args.rounds}", file=sys.stderr)
                for name, who, url in pages:
                    seconds, cpu, status, size = timed(openers[who], base + url, workers)
                    timings[name][0].append(seconds)
                    timings[name][1].append(cpu)
                    timings[name] = (*timings[name][:2], status, size)
        finally:
            stop(server)
    from articles.models import Article, Image

    print(report(pages, timings, counted, args.target))
    print()
    print(
        f"{Article.objects.count():,} stories ({Article.objects.filter(status='review').count():,} "
        f"in review), {Image.objects.count():,} photos; median of {args.rounds} after a warm-up, "
        f"{args.workers} gunicorn workers; load average {load_before[0]:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after."
    )


if __name__ == "__main__":
    main()
