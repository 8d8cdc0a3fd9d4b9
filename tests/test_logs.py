"""Request ids and JSON logs: what an operator greps for when a reader reports a problem."""

import io
import json
import logging
import re
import subprocess
import sys

import pytest
from django.test import Client

from newsroom.logs import JsonFormatter, RequestIdFilter

from .factories import make_story
from .servers import ROOT, site_environment


@pytest.fixture
def json_log():
    """What django.request writes, as LOG_FORMAT=json formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_every_answer_carries_a_request_id_and_a_sane_incoming_one_is_kept():
    story = make_story("Council approves the harbour budget")
    reader = Client()
    first, second = reader.get(story.path), reader.get(story.path)  # rendered, then cached
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]

    given = "lb-7f3a9c:2026.11.28-42"
    assert reader.get(story.path, HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    for forged in ["two words", "line\nbreak", "x" * 129, "<script>", ""]:
        answered = reader.get(story.path, HTTP_X_REQUEST_ID=forged)["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", answered), forged


@pytest.mark.django_db
def test_json_log_lines_carry_the_request_id_of_the_request_that_wrote_them(json_log):
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="reader-report-17")
    assert response.status_code == 404 and response["X-Request-ID"] == "reader-report-17"
    line = json.loads(json_log.getvalue().strip().splitlines()[-1])
    assert line["request_id"] == "reader-report-17"
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["message"] == "Not Found: /no-such-page/"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_a_json_line_holds_the_traceback_and_extra_fields_and_nothing_breaks_it(json_log):
    logger = logging.getLogger("django.request")
    try:
        raise ValueError('a "quoted"\nmessage')
    except ValueError:
        logger.error("purge failed for %s", "story:12", exc_info=True, extra={"keys": ["a", 1]})
    line = json.loads(json_log.getvalue().strip().splitlines()[-1])
    assert line["message"] == "purge failed for story:12"
    assert line["keys"] == ["a", 1]
    assert line["request_id"] == "-"  # outside a request
    assert 'ValueError: a "quoted"\nmessage' in line["exception"]


@pytest.mark.slow
@pytest.mark.own_database
def test_log_format_json_makes_the_site_log_json_lines(tmp_path):
    env = site_environment(tmp_path, 8000)
    env.update(LOG_FORMAT="json", SENTRY_DSN="https://key@sentry.invalid/1")
    command = "import logging; logging.getLogger('newsroom').warning('replica lagging')"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert {"level": "WARNING", "logger": "newsroom", "message": "replica lagging"}.items() <= (
        lines[-1].items()
    )
    # Sentry is optional: without sentry-sdk installed the site starts and says why.
    try:
        import sentry_sdk  # noqa: F401
    except ImportError:
        assert "sentry-sdk is not installed" in result.stderr
