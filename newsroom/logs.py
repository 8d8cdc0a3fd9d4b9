"""Logs an operator can search: a request id on every line, and JSON lines on demand.

Every request gets an id: the ``X-Request-ID`` the load balancer or CDN sent, if it
is sane (1-128 letters, digits and ``-_.:``; anything else could forge log lines or
fill them), or a new one. It goes back in the response's ``X-Request-ID`` header and
onto every log record written while the request runs (``request_id``), so a reader's
complaint, the balancer's log and ours meet on one value.

``LOG_FORMAT=json`` writes each record as one JSON object (time, level, logger,
message, request id, and the traceback of an exception) for a log collector;
the default stays plain text. With ``SENTRY_DSN`` set and ``sentry-sdk`` installed,
errors also go to Sentry, tagged with the request id (``setup_sentry``).
"""

import contextvars
import json
import logging
import re
import secrets
from datetime import UTC, datetime

from django.core import signals

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id = contextvars.ContextVar("request_id", default="-")


# Read from META, not request.headers: this runs on every request, stored pages
# included, and request.headers builds a dictionary of every header when first asked.
_META_NAME = "HTTP_" + HEADER.upper().replace("-", "_")
_STORE_NAME = HEADER.lower()


def incoming_id(request):
    given = request.META.get(_META_NAME)
    # 32 random hex digits, as uuid4().hex was, without building a UUID on every request.
    return given if given and _SANE.fullmatch(given) else secrets.token_hex(16)


class RequestIdMiddleware:
    """First in MIDDLEWARE: every line logged for the request, and the answer, carry its id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = incoming_id(request)
        # Not reset on the way out: Django logs a 4xx or 5xx ("Not Found: /x/") after
        # the middleware has returned. The id is cleared when the request has finished.
        request_id.set(request.request_id)
        response = self.get_response(request)
        # Set as ResponseHeaders would store it, without its check of the name and value
        # on every answer: both are ASCII with no line break (a new id is hex; one given
        # passed _SANE). A Django ResponseHeaders keeps headers by lower-cased name.
        response.headers._store[_STORE_NAME] = (HEADER, request.request_id)
        return response


def _request_finished(sender, **kwargs):
    request_id.set("-")


signals.request_finished.connect(_request_finished)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to each record ("-" outside a request)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


# What every LogRecord has; anything else was passed with ``extra=`` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request id,
    the exception's traceback if any, and whatever the call passed with ``extra=``."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def setup_sentry(dsn):
    """Send errors to Sentry when ``SENTRY_DSN`` is set and sentry-sdk is installed (it is
    optional: ``pip install sentry-sdk``). Returns whether Sentry was set up."""
    if not dsn:
        return False
    try:
        import sentry_sdk
    except ImportError:
        logging.getLogger(__name__).warning(
            "SENTRY_DSN is set but sentry-sdk is not installed: errors go to the log only"
        )
        return False

    def tag_request(event, hint):
        event.setdefault("tags", {})["request_id"] = request_id.get()
        return event

    sentry_sdk.init(dsn=dsn, send_default_pii=False, before_send=tag_request)
    return True
