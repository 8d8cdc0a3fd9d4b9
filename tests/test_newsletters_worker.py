"""A real worker process, killed with SIGKILL in the middle of a send, then a new one:
nobody gets a second copy, and everyone else gets theirs. Both task backends: the
database's ``db_worker`` and RQ's ``rqworker`` on a real Redis (django-tasks-rq)."""

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings

from newsletters import tasks
from newsletters.models import Delivery, Send

from .servers import ROOT, free_port
from .test_newsletters import Mailbox, briefing_of, make_story, subscriber

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def database_url():
    """The test database, as the worker processes reach it."""
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user = quote(database["USER"]) + (
        ":" + quote(database["PASSWORD"]) if database["PASSWORD"] else ""
    )
    return f"postgres://{user}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"


def worker_environment(tmp_path, smtp_port, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return {
        **env,
        "DATABASE_URL": database_url(),
        "NEWSROOM_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-to-pass-checks-0123456789",
        "DEBUG": "0",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "NEWSLETTER_RATE_PER_SECOND": "0",
        **extra,
    }


WORKERS = {
    "database": ["db_worker", "--queue-name", "mail", "--interval", "0.1", "--no-startup-delay"],
    # django-tasks-rq runs jobs through its own job class.
    "rq": ["rqworker", "mail", "--job-class", "django_tasks_rq.Job"],
}


def start_worker(backend, env, log):
    # Its own process group: RQ runs each job in a forked child, which dies with it.
    return subprocess.Popen(
        [sys.executable, "manage.py", *WORKERS[backend]],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill(worker, how=signal.SIGKILL):
    if worker.poll() is None:
        os.killpg(worker.pid, how)
    worker.wait(timeout=30)


@pytest.fixture(params=["database", "rq"])
def backend(request, settings):
    """This process's task settings and the workers' environment, for each backend."""
    queues = ["default", "mail", "purge"]
    if request.param == "database":
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": queues}
        }
        return request.param, {"TASKS_BACKEND": "database"}
    redis_url = request.getfixturevalue("redis_url")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": queues}}
    settings.RQ_QUEUES = {name: {"URL": redis_url} for name in queues}
    import django_rq

    django_rq.get_queue("mail").empty()
    return request.param, {"TASKS_BACKEND": "rq", "REDIS_URL": redis_url}


def wait_for(condition, log, timeout=120):
    deadline = time.monotonic() + timeout  # a bound on waiting, not a speed limit
    while not condition():
        if time.monotonic() > deadline:
            log.flush()
            raise AssertionError(
                "gave up waiting; the workers said:\n" + Path(log.name).read_text()
            )
        time.sleep(0.1)


def test_a_worker_killed_mid_send_is_resumed_without_a_second_copy(tmp_path, backend):
    backend, backend_env = backend
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
    env = worker_environment(tmp_path, port, **backend_env)
    log = (tmp_path / "worker.log").open("w")
    first = start_worker(backend, env, log)
    try:
        wait_for(lambda: len(box.messages) >= 5, log)
        kill(first)
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
        second = start_worker(backend, resumed_env, log)
        try:
            wait_for(lambda: Send.objects.get().state == Send.State.DONE, log)
        finally:
            kill(second, signal.SIGTERM)
    finally:
        kill(first)
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
