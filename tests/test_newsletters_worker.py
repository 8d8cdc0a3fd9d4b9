"""A real ``db_worker`` process, killed with SIGKILL in the middle of a send, then a
new one: nobody gets a second copy, and everyone else gets theirs."""

import collections
import os
import signal
import subprocess
import sys
import time

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings

from newsletters import tasks
from newsletters.models import Delivery, Send

from .servers import ROOT, free_port
from .test_newsletters import Mailbox, briefing_of, make_story, subscriber

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def worker_environment(tmp_path, smtp_port, **extra):
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the worker test shares the test database file (SQLite)")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return {
        **env,
        "DATABASE_URL": f"sqlite:///{database['NAME']}",
        "NEWSROOM_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-to-pass-checks-0123456789",
        "DEBUG": "0",
        "TASKS_BACKEND": "database",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "NEWSLETTER_RATE_PER_SECOND": "0",
        **extra,
    }


def start_worker(env, log):
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--queue-name",
            "mail",
            "--interval",
            "0.1",
            "--no-startup-delay",
            "--no-reload",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, timeout=120):
    deadline = time.monotonic() + timeout  # a bound on waiting, not a speed limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.1)


def test_a_worker_killed_mid_send_is_resumed_without_a_second_copy(tmp_path, settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "mail", "purge"],
        }
    }
    box = Mailbox()
    box.delay = 0.3  # each email takes a while, so the kill lands mid-conversation
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    readers = [subscriber(f"reader{n}@example.com").email for n in range(25)]
    send = Send.objects.create(
        kind=Send.Kind.BRIEFING, subject="x", briefing=briefing_of(make_story("Budget"))
    )
    tasks.start(send)
    env = worker_environment(tmp_path, port)
    log = (tmp_path / "worker.log").open("w")
    first = start_worker(env, log)
    try:
        wait_for(lambda: len(box.messages) >= 5)
        first.send_signal(signal.SIGKILL)
        first.wait()
        time.sleep(box.delay + 0.2)  # the email in flight arrives at the server
        assert Send.objects.get().state == Send.State.SENDING
        left = Delivery.objects.exclude(state="sent").count()
        assert 0 < left < 25

        # Restarted: resume_sends (run by `make run` before the worker), then a worker.
        box.delay = 0
        resumed_env = {**env, "NEWSLETTER_SENDING_LEASE_SECONDS": "1"}
        time.sleep(1.1)
        subprocess.run(
            [sys.executable, "manage.py", "resume_sends"],
            cwd=ROOT,
            env=resumed_env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        second = start_worker(resumed_env, log)
        try:
            wait_for(lambda: Send.objects.get().state == Send.State.DONE)
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
        controller.stop()
        log.close()

    received = collections.Counter(rcpt for rcpts, _ in box.messages for rcpt in rcpts)
    assert max(received.values()) == 1, "someone got a second copy"
    states = dict(Delivery.objects.values_list("subscriber__email", "state"))
    interrupted = [email for email, state in states.items() if state == "failed"]
    assert len(interrupted) <= 1  # at most the one copy in flight when it was killed
    for email in readers:
        if email not in interrupted:
            assert states[email] == "sent" and received[email] == 1, email
