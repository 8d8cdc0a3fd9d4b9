import os
import shutil
import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone

from articles.reader import fragments, pagecache, stampwatch
from newsroom.settings import redis_caches

from . import servers
from .factories import make_staff
from .servers import RedisServer

SEEDS_DIR = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared" / "seeds"


# Under pytest-xdist (make test runs two workers), tests that share an expensive
# served site (module or session fixtures: gunicorn, Chromium) run on one worker, so
# the site starts once, not once per worker. The browser tests are the longest part of
# the suite, so they are two groups of about equal length (the reader's pages, the
# desk's), each starting its own site and Chromium on whichever worker takes it: one
# group would keep one worker busy long after the other has finished.
SHARED_SITES = {
    "tests/browser/test_accessibility.py": "browser-readers",
    "tests/browser/test_validators.py": "browser-readers",
    "tests/browser/test_reading.py": "browser-readers",
    "tests/browser/test_front_and_story.py": "browser-readers",
    "tests/browser/test_live.py": "browser-readers",
    "tests/browser/test_newsletters.py": "browser-readers",
    "tests/browser/": "browser-desk",
    "tests/test_server.py": "served-site",
}


# A test that asks for none of these never reaches the database, so it runs the same
# on SQLite and PostgreSQL (unless marked each_database). Not django_db_blocker:
# pytest-django's own autouse fixtures ask for it in every test.
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup"}


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help=(
            "run only the tests that use the test database (make test's PostgreSQL pass: "
            "the others would repeat the SQLite pass exactly)"
        ),
    )


def uses_database(item):
    fixtures = set(getattr(item, "fixturenames", ()))
    marked = item.get_closest_marker("django_db") or item.get_closest_marker("each_database")
    return marked is not None or bool(fixtures & DATABASE_FIXTURES)


# tryfirst: pytest-xdist reads each test's xdist_group in a pytest_collection_modifyitems
# of its own, registered after this file; without it the groups below are added too
# late and every test of a shared site is a unit of its own (pytest-xdist issue 1241).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    if config.getoption("--database-tests-only"):
        kept = [item for item in items if uses_database(item)]
        left_out = [item for item in items if not uses_database(item)]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = kept
    for item in items:
        for prefix, group in SHARED_SITES.items():
            if item.nodeid.startswith(prefix):
                item.add_marker(pytest.mark.xdist_group(group))
                break
        else:
            if item.get_closest_marker("xdist_group") is None and uses_module_fixture(item):
                item.add_marker(pytest.mark.xdist_group(item.nodeid.partition("::")[0]))


def uses_module_fixture(item):
    """Whether the test uses a fixture of its module's scope defined by the suite (a
    served site, a private Redis, PostgreSQL or S3): the module's tests that do are one
    xdist group, so the fixture is built once, not on each worker that gets one of them
    (and again whenever other modules' tests came in between)."""
    info = getattr(item, "_fixtureinfo", None)
    for definitions in info.name2fixturedefs.values() if info else ():
        for definition in definitions:
            module = getattr(definition.func, "__module__", "") or ""
            if definition.scope in ("module", "package") and module.startswith("tests."):
                return True
    return False


class XdistGroups:
    """pytest-xdist's --dist loadgroup keeps a group on one worker by suffixing each
    test's node id with "@group" on the workers. pytest-xdist 3.8 writes
    ``item._nodeid``, which pytest 9.2 no longer reads (a node's id is ``item._id``),
    so no test had a group: a module's tests were dealt to both workers, and its module
    fixtures built on each (the replica pair and its PostgreSQL site, ~110 s, twice),
    a shared site's tests likewise. This puts the suffix where pytest reads it, after
    pytest-xdist's own hook (trylast), and does nothing where its suffix took."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        if not getattr(config.option, "loadgroup", False):
            return
        for item in items:
            marks = item.iter_markers("xdist_group")
            names = sorted(
                {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in marks}
            )
            suffix = "@" + "_".join(names)
            if not names or item.nodeid.endswith(suffix):
                continue
            if hasattr(item, "_id"):  # pytest 9.2 and later
                from _pytest.nodeid import NodeId

                item._id = NodeId.parse(item.nodeid + suffix)
            else:
                item._nodeid = item.nodeid + suffix


def pytest_configure(config):
    config.pluginmanager.register(XdistGroups(), "newsroom-xdist-groups")


# What each pytest-xdist worker did (make test prints it after each parallel pass): its
# tests' time and when its last test ended. A worker ending long before the other sat
# idle while the other finished a long group or test: balance them.
WORKERS = {}  # worker id -> [tests, seconds in tests, seconds from the start to its last end]


def pytest_sessionstart(session):
    session.config.newsroom_started = time.monotonic()


def pytest_runtest_logreport(report):
    node = getattr(report, "node", None)  # set by pytest-xdist on the controller only
    worker = getattr(getattr(node, "gateway", None), "id", None)
    started = getattr(getattr(node, "config", None), "newsroom_started", None)
    if worker is None or started is None:
        return
    done = WORKERS.setdefault(worker, [0, 0.0, 0.0])
    done[0] += report.when == "call"
    done[1] += report.duration
    done[2] = time.monotonic() - started


def pytest_terminal_summary(terminalreporter):
    if not WORKERS:
        return
    terminalreporter.section("time per pytest-xdist worker")
    for worker, (tests, busy, ended) in sorted(WORKERS.items()):
        terminalreporter.write_line(
            f"{worker}: {tests} tests, {busy:.0f} s in tests, its last one ended "
            f"{ended:.0f} s after the start"
        )


@pytest.fixture(autouse=True, scope="session")
def test_settings():
    """Tests render pages without running collectstatic first (gunicorn tests do run it)."""
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Real password hashing takes a third of a second per account; tests make hundreds.
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(STORAGES=storages, PASSWORD_HASHERS=hashers):
        yield


@pytest.fixture(autouse=True, scope="session")
def built_sites(tmp_path_factory):
    """served_site builds each demo site once per test run and copies it after: in the
    run's own temporary folder, which a pytest-xdist worker's is a folder of; or in
    NEWSROOM_TEST_BUILT_SITES, which `make test` sets to one folder for all its passes,
    so the pass of the tests marked alone copies the site the first pass built."""
    if os.environ.get("NEWSROOM_TEST_BUILT_SITES"):
        servers.BUILT_SITES = Path(os.environ["NEWSROOM_TEST_BUILT_SITES"])
        return
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    servers.BUILT_SITES = root / "built-sites"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's, and before it drops the test database: this process's stamp
    listener (articles/reader/stampwatch.py), started by any reader page read outside a
    test transaction on PostgreSQL, closes its connection (PostgreSQL refuses to drop a
    database a session is connected to)."""
    yield
    stampwatch.listener.stop(wait=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory, django_db_modify_db_settings_parallel_suffix):
    """On SQLite, test in a database file as production runs (WAL, one writer at a
    time, waiting on a busy database) rather than Django's shared in-memory one,
    whose table locks fail at once when two threads write. (Under pytest-xdist each
    worker has a folder of its own; on PostgreSQL pytest-django's parallel suffix
    names each worker's test database, test_newsroom_gw0...)"""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = tmp_path_factory.mktemp("database")
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")


def rows_for_the_module(request, django_db_blocker, build):
    """For a module-scoped fixture: the rows ``build()`` writes, written once for the
    module rather than before each test, and what it returns (a function-scoped fixture
    hands each test a ``copy.deepcopy`` of it, as Django's ``setUpTestData`` does).

    They are written in a transaction left open for the module: each test runs in a
    savepoint inside it (pytest-django's ``db``, as Django's ``TestCase``), rolled back
    after the test, so every test starts from these rows exactly as if it had written
    them itself; the transaction is rolled back after the module's last test. Every test
    of the module must use the fixture (one that did not would find the rows) and none
    may be transactional (it would commit or flush them)."""
    from django.db import transaction

    for item in request.session.items:
        if getattr(item, "module", None) is not request.module:
            continue
        marker = item.get_closest_marker("django_db")
        transactional = "transactional_db" in item.fixturenames or (
            marker is not None and marker.kwargs.get("transaction")
        )
        if request.fixturename not in item.fixturenames or transactional:
            raise pytest.UsageError(
                f"{item.nodeid}: every test of a module whose rows are written once "
                f"({request.fixturename}) uses them, in a transaction of the module's"
            )
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # a durable block in a test is the test's own
        outer.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def fresh_caches():
    """Each test's database starts over (and its content version with it), so must
    the per-process fragments and the page cache."""
    fragments.cache.clear()
    caches["pages"].clear()
    pagecache.recent.clear()
    pagecache.health.recovered()
    yield
    fragments.cache.clear()
    caches["pages"].clear()
    pagecache.recent.clear()


@pytest.fixture
def no_page_cache(settings):
    """For tests that pin what rendering a page costs: every request renders.
    (What a cached page costs is pinned in test_pagecache.py.)"""
    settings.PAGE_CACHE = False


@pytest.fixture
def site_noon(time_machine):
    """The clock at noon today in the site's time zone, still ticking. For a test whose
    stories, made an hour or a few before "now", must fall on one day, month and year:
    run near the site's midnight (CI runs at any hour) they would straddle two."""
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    time_machine.move_to(noon, tick=True)
    return noon


@pytest.fixture
def seeds_dir():
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"the sample stories folder {SEEDS_DIR} is absent")
    return SEEDS_DIR


def service_missing(reason):
    """Skip with the reason locally; in CI (.ci/run sets NEWSROOM_REQUIRE_SERVICES)
    a missing service is a failure, so no suite is ever skipped there."""
    if os.environ.get("NEWSROOM_REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real Redis, private to this test run, which a test may stop and start."""
    if not shutil.which("redis-server"):
        service_missing("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(request, worker_id):
    """The Redis the cache tests use: the one CI starts (TEST_REDIS_URL), else a private one.

    The tests empty their database, so each pytest-xdist worker gets one of its own:
    TEST_REDIS_URL's database for the first (gw0), the one below it for the next."""
    if os.environ.get("TEST_REDIS_URL"):
        url = os.environ["TEST_REDIS_URL"]
        if worker_id.startswith("gw"):
            base, _, number = url.rstrip("/").rpartition("/")
            if not number.isdigit():
                base, number = url.rstrip("/"), "15"
            database = int(number) - int(worker_id.removeprefix("gw"))
            if database < 0:
                pytest.fail(f"TEST_REDIS_URL's database {number} leaves none for {worker_id}")
            url = f"{base}/{database}"
        return url
    return request.getfixturevalue("redis_server").url


@pytest.fixture(params=["memory", "redis"])
def page_store(request, settings):
    """The page cache in each worker's memory (embedded mode) and in a real Redis."""
    if request.param == "redis":
        settings.CACHES = redis_caches(request.getfixturevalue("redis_url"))
    caches["pages"].clear()
    yield request.param
    caches["pages"].clear()


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run inside the call that enqueues them (for tests of what a task does, not
    of the worker), on every queue the project names."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": list(settings.TASK_QUEUES),
        }
    }


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded photos go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(client):
    """An editor, signed in on ``client``."""
    user = make_staff("ed", "Editor")
    client.force_login(user)
    return user
