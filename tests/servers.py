"""A real gunicorn serving a real SQLite file, as `make run` does, for tests that need one."""

import os
import re
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


@contextmanager
def served_site(folder, demo_options=(), database_url=None, workers=2, port=None, settings=None):
    """Migrate, collect static files, load the demo, create an editor; then serve.

    ``port``: where to serve (a free one unless said); ``settings``: more environment
    variables for the site (a purge backend, a replica's address...).
    The server's log (errors, warnings) goes to ``folder / "server.log"``."""
    port = port or free_port()
    env = {**site_environment(folder, port, database_url), **(settings or {})}
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "load_demo", *demo_options)
    created = manage(env, "create_staff", "desk", "--role", "editor", "--name", "Desk Editor")
    password = re.search(r"Password: (\S+)", created).group(1)
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
