"""The read replica, on real processes: a PostgreSQL primary and a streaming replica of it
(initdb + ``pg_basebackup -R`` on free loopback ports, private to this test run), and
gunicorn serving the site with DATABASE_URL and DATABASE_REPLICA_URL.

Which database answered is seen the way it would matter: with the replica's replay
paused (``pg_wal_replay_pause()``), a headline changed on the primary is on the
primary only, so a page showing the old headline was read from the replica and one
showing the new headline from the primary."""

import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from .conftest import service_missing
from .servers import BIN, ROOT, free_port, manage, served_site
from .test_reliability import Browser, NoRedirects

# Servers and databases of their own (so the PostgreSQL pass leaves them out), and one
# pair and one demo site for the module: under pytest-xdist its tests stay on one worker.
pytestmark = [pytest.mark.slow, pytest.mark.own_database, pytest.mark.xdist_group("replica")]


def postgres_bin():
    try:
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        folder = Path(found.stdout.strip())
    except FileNotFoundError:
        folder = None
    if not folder or not (folder / "pg_basebackup").exists():
        versions = Path("/usr/lib/postgresql")
        if not versions.is_dir():
            return None
        newest = sorted(os.listdir(versions), key=lambda v: [int(p) for p in v.split(".")])[-1]
        folder = versions / newest / "bin"
    return folder if (folder / "initdb").exists() else None


class PostgresPair:
    """A primary and a streaming replica of it, each a private cluster in a folder of
    its own, on free loopback ports; the replica may be paused, stopped and started.

    The folders are made with ``tempfile`` rather than under pytest's ``tmp_path``:
    PostgreSQL refuses to run as root, so as root the clusters run as ``postgres``,
    which cannot enter pytest's root-only temporary folder."""

    def __init__(self, bindir):
        self.bin = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="newsroom-replica-"))
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
        self.primary_port, self.replica_port = free_port(), free_port()
        self.primary_data, self.replica_data = self.folder / "primary", self.folder / "replica"

    def url(self, port):
        return f"postgres://postgres@127.0.0.1:{port}/newsroom"

    def run(self, *command):
        return subprocess.run(
            [*self.as_postgres, *map(str, command)],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def pg_ctl(self, data, port, action):
        options = f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = self.folder / f"{data.name}.log"
        mode = ["-m", "immediate"] if action == "stop" else []
        self.run(self.tool("pg_ctl"), "-D", data, "-l", log, "-w", "-o", options, *mode, action)

    def tool(self, name):
        return str(self.bin / name)

    def start(self):
        # --no-sync: nothing here needs to survive a crash of the machine (fsync=off too).
        initdb = [self.tool("initdb"), "-D", self.primary_data, "-U", "postgres", "--auth=trust"]
        self.run(*initdb, "--no-sync")
        self.pg_ctl(self.primary_data, self.primary_port, "start")
        self.sql(self.primary_port, "CREATE DATABASE newsroom", database="postgres")
        # The replica: a base backup that starts as a standby streaming from the primary
        # (-R writes primary_conninfo and standby.signal), as .ci/run makes its own.
        address = ["-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres"]
        # --checkpoint=fast: by default the backup starts after a spread checkpoint, paced
        # over most of checkpoint_timeout (~95 s of waiting here, doing nothing).
        backup = [self.tool("pg_basebackup"), *address, "-D", self.replica_data, "-R"]
        self.run(*backup, "-X", "stream", "--checkpoint=fast", "--no-sync")
        self.start_replica()
        return self

    def start_replica(self):
        self.pg_ctl(self.replica_data, self.replica_port, "start")

    def stop_replica(self):
        self.pg_ctl(self.replica_data, self.replica_port, "stop")

    def sql(self, port, statement, database="newsroom"):
        address = ["-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database]
        return self.run(self.tool("psql"), *address, "-qtAc", statement).stdout.strip()

    def caught_up(self):
        """Wait until the replica has replayed all the primary has written."""
        written = self.sql(self.primary_port, "SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + 60
        query = f"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn"
        while self.sql(self.replica_port, query) != "t":
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.1)

    def stop(self):
        for data in [self.replica_data, self.primary_data]:
            if (data / "postmaster.pid").exists():
                stop = [self.tool("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
                subprocess.run([*self.as_postgres, *stop], capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_pair():
    bindir = postgres_bin()
    if bindir is None or not shutil.which("psql"):
        service_missing(
            "PostgreSQL's server programs are not installed (apt-get install postgresql)"
        )
    pair = PostgresPair(bindir)
    try:
        yield pair.start()
    finally:
        pair.stop()


class Person(Browser):
    """A browser whose cookies the test can read."""

    def __init__(self, base):
        self.base, self.jar = base, CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirects()
        )


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@contextmanager
def gunicorn(env, folder):
    """Another gunicorn on the same database (no migrate or demo: the site is loaded)."""
    port = free_port()
    env = {**env, "SITE_URL": f"http://127.0.0.1:{port}"}
    with open(folder / "server.log", "wb") as log:
        command = [str(BIN / "gunicorn"), "newsroom.wsgi:application", "--workers", "1"]
        command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=10)
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError((folder / "server.log").read_text()) from None
            time.sleep(0.2)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


RENAME = """
from articles.models import Article
story = Article.objects.get(path={path!r})
story.headline = {headline!r}
story.save()
"""


@pytest.fixture(scope="module")
def replicated_site(postgres_pair, tmp_path_factory):
    """The demo site on the primary, read by readers from the replica. The replica may
    lag an hour here before readers leave it (REPLICA_MAX_LAG), so a paused replica keeps
    answering them: what it shows is then what the replica holds."""
    environment = {
        "DATABASE_REPLICA_URL": postgres_pair.url(postgres_pair.replica_port),
        "REPLICA_MAX_LAG": "3600",
        "REPLICA_CHECK_SECONDS": "0",  # every request measures: the tests need no waiting
    }
    folder = tmp_path_factory.mktemp("replicated")
    url = postgres_pair.url(postgres_pair.primary_port)
    with served_site(folder, ["--no-photos"], database_url=url, settings=environment) as site:
        status, _, front = get(site["base"] + "/")
        site["story"] = re.search(r'href="(/\d{4}/\d\d/\d\d/[^"]+/)"', front).group(1)
        yield site


@contextmanager
def replay_paused(pair):
    pair.caught_up()
    pair.sql(pair.replica_port, "SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        pair.sql(pair.replica_port, "SELECT pg_wal_replay_resume()")
        pair.caught_up()


def headline(html):
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


def test_readers_read_the_replica_and_editors_the_primary(postgres_pair, replicated_site):
    site, story = replicated_site, replicated_site["story"]
    base = site["base"]
    status, _, page = get(base + story)
    assert status == 200
    before = headline(page)
    editor = Person(base)
    editor.log_in(*site["editor"])

    with replay_paused(postgres_pair):
        manage(site["env"], "shell", "-c", RENAME.format(path=story, headline="Harbour reopens"))

        # Readers: from the replica, which has not replayed the change yet.
        for _ in range(3):  # rendered, then served from the page cache
            status, headers, page = get(base + story)
            assert status == 200 and headline(page) == before
        assert "Harbour reopens" not in get(base + "/")[2]
        # The editor, signed in, reads the primary: their change is there.
        status, page = editor.request(story)
        assert status == 200 and headline(page) == "Harbour reopens"
        status, page = editor.request("/")
        assert "Harbour reopens" in page
        # The admin reads the primary too.
        status, page = editor.request("/admin/articles/article/?q=Harbour+reopens")
        assert status == 200 and "Harbour reopens" in page

    # Replayed: readers see the change; the page stored under the old version is not
    # served under the new one.
    status, _, page = get(base + story)
    assert headline(page) == "Harbour reopens"


def test_a_client_that_wrote_reads_the_primary_for_a_while(postgres_pair, replicated_site):
    site, story = replicated_site, replicated_site["story"]
    base = site["base"]
    editor = Person(base)
    editor.log_in(*site["editor"])
    logout = dict(editor.form("/admin/", "logout-form"))

    with replay_paused(postgres_pair):
        manage(site["env"], "shell", "-c", RENAME.format(path=story, headline="Ferry back"))
        # Signing out is a write (a POST): for REPLICA_STICKY_SECONDS after it this
        # browser still reads the primary, though it no longer has a session.
        status, _ = editor.request("/admin/logout/", logout)
        assert status in {200, 302}
        assert "sessionid" not in {cookie.name for cookie in editor.jar}
        status, page = editor.request(story)
        assert status == 200 and headline(page) == "Ferry back"

        # Another reader, or one sending a cookie of that name it made up, reads the replica.
        assert headline(get(base + story)[2]) != "Ferry back"
        forged = {"Cookie": "newsroom_primary=1"}
        assert headline(get(base + story, headers=forged)[2]) != "Ferry back"

    assert headline(get(base + story)[2]) == "Ferry back"


def test_readers_fall_back_to_the_primary_when_the_replica_stops(
    postgres_pair, replicated_site, tmp_path
):
    """A host that measures the replica only once an hour: the replica stopping is seen
    by the requests themselves, each answered again from the primary, and none lost."""
    site, story = replicated_site, replicated_site["story"]
    env = {**site["env"], "REPLICA_CHECK_SECONDS": "3600"}
    pages = ["/", story, "/section/city/", "/feed/", "/search/?q=harbour", "/sitemap.xml"]
    with gunicorn(env, tmp_path) as base:
        for url in pages:
            assert get(base + url)[0] == 200, url  # its connection to the replica is open

        postgres_pair.stop_replica()
        try:
            manage(site["env"], "shell", "-c", RENAME.format(path=story, headline="Bridge closed"))
            for url in pages * 3:
                status, _, body = get(base + url)
                assert status == 200, (url, status, body[:300])
            assert headline(get(base + story)[2]) == "Bridge closed"  # the primary's
            metrics = get(base + "/metrics")[2]
            assert re.search(r'newsroom_replica_fallbacks_total\{reason="error"\} [1-9]', metrics)
            assert re.search(r'newsroom_replica_fallbacks_total\{reason="failing"\} [1-9]', metrics)
            status, _, body = get(base + "/healthz")
            assert status == 200
            assert '"replica": "failing"' in body and '"status": "degraded"' in body
        finally:
            postgres_pair.start_replica()
        postgres_pair.caught_up()
        status, _, body = get(base + "/healthz")
        assert status == 200 and '"replica": "ok"' in body and '"status": "ok"' in body
        assert get(base + story)[0] == 200
    log = (tmp_path / "server.log").read_text()
    assert "read replica failing" in log  # said once, with the errors that showed it
    assert "Internal Server Error" not in log


def test_a_lagging_replica_sends_readers_to_the_primary(postgres_pair, replicated_site, tmp_path):
    """A second host allowing no lag at all: while the replica has not replayed a change,
    its readers get the primary's page and /healthz says "degraded"."""
    site, story = replicated_site, replicated_site["story"]
    env = {**site["env"], "REPLICA_MAX_LAG": "0"}
    with gunicorn(env, tmp_path) as base:
        postgres_pair.caught_up()
        # Allowing no lag, the replica counts as behind for the moment it takes to replay
        # anything the primary wrote since (autovacuum, the other host's sessions): ask again.
        deadline = time.monotonic() + 30
        while '"replica": "ok"' not in (body := get(base + "/healthz")[2]):
            assert time.monotonic() < deadline, body
            time.sleep(0.2)
        with replay_paused(postgres_pair):
            manage(site["env"], "shell", "-c", RENAME.format(path=story, headline="Tide turns"))
            status, _, page = get(base + story)
            assert status == 200 and headline(page) == "Tide turns"
            assert headline(get(site["base"] + story)[2]) != "Tide turns"  # the hour-lag host
            status, _, body = get(base + "/healthz")
            assert status == 200
            assert '"replica": "lagging"' in body and '"status": "degraded"' in body
            metrics = get(base + "/metrics")[2]
            assert re.search(r'newsroom_replica_fallbacks_total\{reason="lagging"\} [1-9]', metrics)


@pytest.mark.slow
def test_the_ci_replica_streams_the_test_database():
    """.ci/run starts a streaming replica of the test PostgreSQL (TEST_POSTGRES_REPLICA_URL):
    what is written on the primary reaches it, and it refuses writes of its own."""
    primary = os.environ.get("TEST_POSTGRES_URL")
    replica = os.environ.get("TEST_POSTGRES_REPLICA_URL")
    if not (primary and replica):
        service_missing(
            "TEST_POSTGRES_URL and TEST_POSTGRES_REPLICA_URL are unset (.ci/run sets them)"
        )
    import psycopg
    from psycopg.sql import SQL, Identifier

    table = Identifier(f"replica_probe_{os.getpid()}_{free_port()}")
    with psycopg.connect(primary, autocommit=True) as writer:
        writer.execute(SQL("CREATE TABLE {} (note text)").format(table))
        try:
            writer.execute(SQL("INSERT INTO {} VALUES ('streamed')").format(table))
            deadline = time.monotonic() + 30
            with psycopg.connect(replica, autocommit=True) as reader:
                while True:
                    try:
                        rows = reader.execute(SQL("SELECT note FROM {}").format(table)).fetchall()
                    except psycopg.errors.UndefinedTable:
                        rows = []
                    if rows == [("streamed",)]:
                        break
                    assert time.monotonic() < deadline, "the replica did not receive the row"
                    time.sleep(0.1)
                assert reader.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
                with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                    reader.execute(SQL("INSERT INTO {} VALUES ('local')").format(table))
        finally:
            writer.execute(SQL("DROP TABLE {}").format(table))
