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


def site_environment(folder, port):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    return {
        **env,
        "NEWSROOM_VAR_DIR": str(folder / "var"),
        "DATABASE_URL": f"sqlite:///{folder / 'newsroom.sqlite3'}",
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
def served_site(folder, demo_options=()):
    """Migrate, collect static files, load the demo, create an editor; then serve."""
    port = free_port()
    env = site_environment(folder, port)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "load_demo", *demo_options)
    created = manage(env, "create_staff", "desk", "--role", "editor", "--name", "Desk Editor")
    password = re.search(r"Password: (\S+)", created).group(1)
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "newsroom.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError(server.stderr.read().decode()) from None
            time.sleep(0.2)
    try:
        yield {
            "base": base,
            "database": folder / "newsroom.sqlite3",
            "env": env,
            "editor": ("desk", password),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)
