"""/metrics: what an operator's Prometheus scrapes, parsed by prometheus_client's own parser."""

import ipaddress
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks import task
from prometheus_client.parser import text_string_to_metric_families

from newsroom import purge

from .factories import make_story
from .servers import free_port, served_site

FRONT = {"kind": "front", "method": "GET", "status": "200"}


@task(queue_name="mail")
def send_alert(headline):
    """A task that fails, as a mail server refusing would make it."""
    raise ConnectionRefusedError(f"no mail server for {headline}")


def scrape(client=None, **headers):
    response = (client or Client()).get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response


def samples(response):
    """{(sample name, sorted labels): value} from the scraped text."""
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found, name, **labels):
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db
def test_reader_requests_page_cache_and_queries_are_counted_per_view_kind():
    story = make_story("Council approves the harbour budget")
    reader = Client()
    before = samples(scrape())

    with CaptureQueriesContext(connection) as context:
        first = reader.get(story.path)  # rendered and stored
    rendered = len(context)  # read now: the next request empties the log it reads
    assert first.status_code == 200
    assert reader.get(story.path).status_code == 200  # from the page cache
    again = reader.get(story.path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304  # the reader's copy is current
    assert reader.get("/no-such-page/").status_code == 404

    after = samples(scrape())

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("newsroom_requests_total", kind="story", method="GET", status="200") == 2
    assert grew("newsroom_requests_total", kind="story", method="GET", status="304") == 1
    assert grew("newsroom_requests_total", kind="not_found", method="GET", status="404") == 1
    assert grew("newsroom_request_duration_seconds_count", kind="story") == 3
    assert grew("newsroom_request_duration_seconds_sum", kind="story") > 0
    assert grew("newsroom_page_cache_total", result="miss") == 1
    assert grew("newsroom_page_cache_total", result="hit") == 1
    assert grew("newsroom_page_cache_total", result="not_modified") == 1
    # Queries: the rendered page's, then one each (the content stamp) for the cached ones.
    assert grew("newsroom_db_queries_per_request_count", kind="story") == 3
    assert grew("newsroom_db_queries_per_request_sum", kind="story") == rendered + 2


@pytest.mark.django_db
def test_an_editor_reading_the_site_is_a_bypass_not_a_miss(editor, client):
    story = make_story("Ferry timetable changes")
    before = samples(scrape())
    assert client.get(story.path).status_code == 200
    after = samples(scrape())
    assert (
        value(after, "newsroom_page_cache_total", result="bypass")
        - value(before, "newsroom_page_cache_total", result="bypass")
        == 1
    )


@pytest.mark.django_db(transaction=True)  # the worker closes its connection when done
def test_task_queue_depth_task_failures_and_purge_failures(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }
    send_alert.enqueue("Storm warning")
    send_alert.enqueue("Road closures")
    found = samples(scrape())
    assert value(found, "newsroom_tasks", queue="mail", status="READY") == 2
    assert value(found, "newsroom_tasks", queue="mail", status="FAILED") == 0

    call_command("db_worker", "--batch", "--queue-name", "mail", "--no-startup-delay", verbosity=0)
    found = samples(scrape())
    assert value(found, "newsroom_tasks", queue="mail", status="READY") == 0
    assert value(found, "newsroom_tasks", queue="mail", status="FAILED") == 2

    # What the edge-cache purge backends count when a purge fails is there from the
    # start (as 0), and counts up.
    purges = value(found, "newsroom_purge_failures_total")
    # A purge that fails all its tries (Varnish not answering) is counted once.
    settings.EDGE_PURGE_BACKEND = "varnish"
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{free_port()}/"]
    settings.EDGE_PURGE_ATTEMPTS, settings.EDGE_PURGE_RETRY_SECONDS = 2, 0
    with pytest.raises(purge.PurgeFailed):
        purge.purge_keys.call(["story:/2026/01/01/gone/"])
    assert value(samples(scrape()), "newsroom_purge_failures_total") == purges + 1


@pytest.mark.django_db
def test_metrics_answer_only_allowed_addresses_or_the_token(settings):
    settings.METRICS_TOKEN = "scrape-me-0123456789"
    outsider = Client(REMOTE_ADDR="203.0.113.7")
    assert outsider.get("/metrics").status_code == 404
    assert outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert outsider.get("/metrics", HTTP_AUTHORIZATION="scrape-me-0123456789").status_code == 404
    scrape(outsider, HTTP_AUTHORIZATION="Bearer scrape-me-0123456789")
    scrape(Client(REMOTE_ADDR="127.0.0.1"))

    # Behind one proxy of ours the client is the address it saw, not the proxy's own.
    settings.TRUSTED_PROXY_COUNT = 1
    settings.METRICS_TOKEN = ""
    proxied = Client(REMOTE_ADDR="127.0.0.1")
    assert proxied.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 404
    scrape(proxied, HTTP_X_FORWARDED_FOR="127.0.0.1")

    # A monitoring network may be allowed as a whole.
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.20.0.0/16")]
    scrape(Client(REMOTE_ADDR="10.20.3.4"))
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404


@pytest.mark.slow
@pytest.mark.own_database
def test_with_several_gunicorn_workers_every_scrape_counts_them_all(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR: whichever worker answers the scrape reports the requests
    every worker served, not only its own."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    environment = {"PROMETHEUS_MULTIPROC_DIR": str(folder)}
    # The demo as the browser and edge tests serve it: the site built once for the run.
    with served_site(tmp_path, settings=environment, workers=2) as site:
        base = site["base"]

        def front_requests():
            with urllib.request.urlopen(base + "/metrics", timeout=30) as response:
                found = {
                    (sample.name, tuple(sorted(sample.labels.items()))): sample.value
                    for family in text_string_to_metric_families(response.read().decode())
                    for sample in family.samples
                }
            return value(found, "newsroom_requests_total", **FRONT)

        def read_front(_):
            for _ in range(15):
                with urllib.request.urlopen(base + "/", timeout=30) as response:
                    assert response.status == 200

        before = front_requests()  # served_site's own look at the front
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(read_front, range(6)))
        assert len(list(folder.glob("counter_*.db"))) >= 2  # both workers served
        for _ in range(6):
            assert front_requests() == before + 90
