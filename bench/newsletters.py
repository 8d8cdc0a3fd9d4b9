"""
The newsletters' targets (issue 18), measured.

    python bench/newsletters.py queue --subscribers 100000
    python bench/newsletters.py render --copies 3000

``queue`` creates a fresh SQLite database (``manage.py migrate`` in a subprocess),
fills it with ``--subscribers`` confirmed subscribers of the daily briefing (in a
first child process), then, in a second child, queues a briefing for them
(``sending.queue_recipients``: one Delivery row each) and prints the wall time and
the child's peak memory (``ru_maxrss``: Django, the ORM and the queuing together).
Targets: ≤ 60 s and ≤ 200 MB for 100,000 subscribers.

``render`` starts a local SMTP server (aiosmtpd, in this process) and, in a child
process, first makes ``--copies`` personalised copies of a briefing (the shared HTML
and text with each subscriber's signed preferences and unsubscribe links, as
``Letter.copy_for`` does) without sending, then runs the real path,
``sending.deliver``: claim each copy, hand it to the SMTP server, mark it sent. It
prints copies per second for each, twice: per second of the worker process's CPU time
(``time.process_time``: what one worker can do, fair on a shared machine, and without
the SMTP server, which runs in the parent process) and per second of wall time (the
server's replies and other processes' load included). ``BENCH_PROFILE=1`` prints a
cProfile of the real path to stderr, in CPU time. Target: ≥ 500 a second per worker.

The machine is shared: the load average is printed with each figure.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-that-is-long-enough-for-the-settings-check-0123456789"  # noqa: S105 (a throwaway database's key)


def environment(database, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return {
        **env,
        "DATABASE_URL": f"sqlite:///{database}",
        "NEWSROOM_VAR_DIR": str(Path(database).parent / "var"),
        "SECRET_KEY": SECRET,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "TASKS_BACKEND": "immediate",
        "NEWSLETTER_RATE_PER_SECOND": "0",
        **extra,
    }


def child(env, *args):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, __file__, *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return result.stdout, time.monotonic() - started


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()


def make_briefing():
    from django.utils import timezone

    from articles.models import Article
    from newsletters.models import Briefing, BriefingItem, Send

    briefing = Briefing.objects.create(date=timezone.localdate(), intro="Good morning.")
    for n in range(8):
        story = Article.objects.create(
            headline=f"Story number {n} of the day's briefing",
            dek="A dek of a dozen words or so, as the desk writes them every day.",
            body="<p>Body.</p>",
            status=Article.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        BriefingItem.objects.create(briefing=briefing, article=story, position=n)
    return Send.objects.create(kind=Send.Kind.BRIEFING, subject="Briefing", briefing=briefing)


def fill(count):
    """Child: ``count`` confirmed briefing subscribers, and one briefing send."""
    setup_django()
    from django.db import transaction
    from django.utils import timezone

    from newsletters.models import Subscriber

    now = timezone.now()
    with transaction.atomic():
        for start in range(0, count, 5000):
            Subscriber.objects.bulk_create(
                Subscriber(email=f"reader{n}@example.com", confirmed_at=now, daily_briefing=True)
                for n in range(start, min(count, start + 5000))
            )
        make_briefing()


def queue():
    """Child: queue the send; prints seconds and rows."""
    setup_django()
    from newsletters import sending
    from newsletters.models import Delivery, Send

    send = Send.objects.get()
    started = time.perf_counter()
    sending.queue_recipients(send)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{took:.2f} {Delivery.objects.count()} {peak:.0f}")


def render(copies):
    """Child: copies a second, rendering only, then through sending.deliver."""
    setup_django()
    from django.utils import timezone

    from newsletters import sending
    from newsletters.models import Delivery, Subscriber

    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{n}@example.com", confirmed_at=now, daily_briefing=True)
        for n in range(copies)
    )
    send = make_briefing()
    letters = sending.Letters(send)
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(copies):
        letters.copy_for(n + 1, f"reader{n}@example.com", None).message().as_bytes()
    rendering = copies / (time.perf_counter() - started)
    rendering_cpu = copies / (time.process_time() - cpu)
    started, cpu = time.perf_counter(), time.process_time()
    if os.environ.get("BENCH_PROFILE"):  # where a copy's time goes, to stderr
        import cProfile
        import pstats

        profile = cProfile.Profile(time.process_time)  # CPU time: fair on a shared machine
        profile.runcall(sending.deliver, send.pk)
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    else:
        sending.deliver(send.pk)
    delivering = copies / (time.perf_counter() - started)
    delivering_cpu = copies / (time.process_time() - cpu)
    sent = Delivery.objects.filter(state="sent").count()
    print(f"{rendering:.0f} {delivering:.0f} {sent} {rendering_cpu:.0f} {delivering_cpu:.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["queue", "render", "_fill", "_queue", "_render"])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--copies", type=int, default=3000)
    options = parser.parse_args()
    if options.what == "_fill":
        return fill(options.subscribers)
    if options.what == "_queue":
        return queue()
    if options.what == "_render":
        return render(options.copies)
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        if options.what == "queue":
            env = environment(database)
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            child(env, "_fill", "--subscribers", str(options.subscribers))
            out, _ = child(env, "_queue")
            took, rows, peak = out.split()
            print(
                f"queued {rows} deliveries in {float(took):.1f} s, peak memory {peak} MB "
                f"(load {os.getloadavg()[0]:.1f}; targets: 60 s, 200 MB)"
            )
        else:
            from aiosmtpd.controller import Controller

            class Sink:
                received = 0

                async def handle_DATA(self, server, session, envelope):
                    Sink.received += 1
                    return "250 OK"

            sys.path.insert(0, str(ROOT))
            from tests.servers import free_port

            port = free_port()
            controller = Controller(Sink(), hostname="127.0.0.1", port=port)
            controller.start()
            try:
                env = environment(database, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port))
                subprocess.run(
                    [sys.executable, "manage.py", "migrate", "--noinput"],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                )
                out, _ = child(env, "_render", "--copies", str(options.copies))
            finally:
                controller.stop()
            rendering, delivering, sent, rendering_cpu, delivering_cpu = out.split()
            print(
                f"rendered only: {rendering_cpu} copies per CPU second ({rendering}/s wall)\n"
                f"claimed, sent to the local SMTP server and marked sent: {delivering_cpu} "
                f"copies per CPU second of the worker ({delivering}/s wall, the server's "
                f"time included)\n"
                f"{sent} sent, {Sink.received} received; load {os.getloadavg()[0]:.1f}; "
                "target: 500/s per worker"
            )
    return None


if __name__ == "__main__":
    main()
