"""A real gunicorn serving a real SQLite file, as `make run` does, for tests that need one."""

import fcntl
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_environment(folder, port, database_url=None):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    return {
        **env,
        "NEWSROOM_VAR_DIR": str(folder / "var"),
        "DATABASE_URL": database_url or f"sqlite:///{folder / 'newsroom.sqlite3'}",
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-to-pass-checks-0123456789",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
    }


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout


# Where served_site keeps the demo sites it has built, to copy rather than build again
# (set per test run by tests/conftest.py; None: build every site in place).
BUILT_SITES = None

BUILD = """
import io
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
call_command("load_demo", *{demo_options!r}, stdout=io.StringIO())
created = io.StringIO()
call_command("create_staff", "desk", role="editor", name="Desk Editor", stdout=created)
print(created.getvalue())
"""


def build_site(env, demo_options):
    """Migrate, collect static files, load the demo, create an editor (one process: each
    ``manage.py`` start costs seconds of imports); return the editor's password."""
    created = manage(env, "shell", "-c", BUILD.format(demo_options=list(demo_options)))
    return re.search(r"Password: (\S+)", created).group(1)


def copy_of_built_site(folder, demo_options):
    """The demo site built once per test run (per ``demo_options``, shared by the
    pytest-xdist workers, the first one builds it) and copied into ``folder``: its
    SQLite file and its var/ (static files, demo photos). Building takes ~20 s of CPU;
    a copy, a fraction of a second. What the site serves is the same: its content
    does not depend on the port or the settings the test adds."""
    key = "demo" + "".join(demo_options).replace("-", "_")
    built = BUILT_SITES / key
    BUILT_SITES.mkdir(parents=True, exist_ok=True)
    with open(BUILT_SITES / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (built / "password").exists():
            built.mkdir(exist_ok=True)
            build_env = site_environment(built, 8000)
            (built / "password").write_text(build_site(build_env, demo_options))
    for name in ["newsroom.sqlite3", "newsroom.sqlite3-wal"]:
        if (built / name).exists():
            shutil.copyfile(built / name, folder / name)
    shutil.copytree(built / "var", folder / "var", dirs_exist_ok=True)
    return (built / "password").read_text()


@contextmanager
def served_site(folder, demo_options=(), database_url=None, workers=2, port=None, settings=None):
    """Migrate, collect static files, load the demo, create an editor; then serve.

    ``port``: where to serve (a free one unless said); ``settings``: more environment
    variables for the site (a purge backend, a replica's address...).
    The server's log (errors, warnings) goes to ``folder / "server.log"``."""
    port = port or free_port()
    env = {**site_environment(folder, port, database_url), **(settings or {})}
    if database_url is None and BUILT_SITES is not None:
        password = copy_of_built_site(folder, demo_options)
    else:
        password = build_site(env, demo_options)
    log = folder / "server.log"
    with open(log, "wb") as log_file:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "newsroom.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "/dev/null",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=10)
            break
        # Not up yet: refused or reset, or (TimeoutError) a first, cold page slower than
        # the timeout on a busy machine. The deadline still bounds the wait.
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.2)
    try:
        yield {
            "base": base,
            "database": folder / "newsroom.sqlite3",
            "env": env,
            "editor": ("desk", password),
            "server": server,
            "log": log,
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


class RedisServer:
    """A private redis-server on a free loopback port, which a test may stop and start."""

    def __init__(self, folder):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
