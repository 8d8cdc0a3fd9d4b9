"""The fuzz tests' harness: raw requests, and a score kept across a whole run.

Requests are raw: the path is percent-decoded the way a WSGI server decodes it, and the
query string and headers are passed through untouched, so the application sees exactly
what a real server would hand it. A ``Fuzzer`` does not stop at the first problem: it
sends all its requests, then fails with every distinct server error (its shortest input
and its traceback), any answer that shows the draft or the scheduled story, any request
that made more database queries than its URL family may, and any request that took
longer than a generous wall-clock bound.

Cost is checked by counting queries, which is the same on every machine however
loaded; the wall-clock bound only catches a request that hangs.
"""

import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

PROJECT = Path(__file__).resolve().parents[2]
SECRET_MARKER = "fuzz-secret-outside-media-root"
# A draft and a scheduled story: no request but a real share link may show them.
UNPUBLISHED = ("Secret merger plans", "Budget embargo lifts")
# The admin's private texts (conftest.desk): a note on a writer's draft, which only the
# desk and that writer read, and one editor's autosave, which only they read.
NOTE_SECRET = "fuzz-note-on-a-colleagues-draft"
AUTOSAVE_SECRET = "fuzz-unsaved-words-of-the-night-editor"

# Only a request that hangs takes this long, even on a loaded machine. What a request
# costs is bounded by its query count (FAMILIES), which does not depend on the machine.
HANG_SECONDS = 10.0
# All the families together send at least this many malformed requests.
MIN_REQUESTS = 2_000


@dataclass(frozen=True)
class Family:
    """A URL family of the reader site, as the fuzz tests send requests to it.

    ``minimum``: hostile requests its test must send (the sweep plus hypothesis).
    ``max_queries``: the most database queries any one request to it may make. A
    malformed request should cost no more than a good one; an input that makes a view
    loop over queries, or a page that gains a query, fails here on any machine.
    """

    minimum: int
    max_queries: int


# One module per family: tests/fuzz/test_<name>.py. Each query maximum is the most one
# request of the family makes on the fuzz site (conftest.newsroom), measured the same on
# SQLite and PostgreSQL: a page's own queries (tests/test_query_counts.py pins those),
# plus the look-ups a hostile input may add (a redirect, a filter's slugs). The sitemap
# index counts each sitemap's pages; a refused Host costs the page cache's one look-up.
# Raise a maximum only with the reason beside it. A reader 404 also asks whether an
# imported site had a page at that address (a story redirect, then an archive page:
# articles.reader.oldaddresses), two look-ups, so families answering 404s pay them.
FAMILIES = {
    "listings": Family(minimum=400, max_queries=7),  # a page past the end: 404 + 2
    "feeds": Family(minimum=300, max_queries=4),
    "search": Family(minimum=300, max_queries=4),
    "archive": Family(minimum=400, max_queries=9),  # section, tag and author filters
    "api": Family(minimum=500, max_queries=4),
    "dates": Family(minimum=350, max_queries=5),  # 404 + the two old-address look-ups
    "sitemaps": Family(minimum=300, max_queries=9),
    "previews": Family(minimum=200, max_queries=5),
    "media": Family(minimum=200, max_queries=3),  # a 404: version, sections, the banner
    "headers": Family(minimum=500, max_queries=9),  # the sitemap index is among the pages
    "hosts": Family(minimum=100, max_queries=1),
    "live": Family(minimum=200, max_queries=9),  # a live story page (issue 17)
}
# The admin's desk (issue 14), fuzzed signed in as a writer and as an editor: a request
# there also reads the session and the user, the user's groups and permissions (the admin's
# own checks and access.py's), and a page's messages and inbox count. Measured on SQLite.
ADMIN_FAMILIES = {
    "admin_notes": Family(minimum=400, max_queries=9),
    # The whole change form (restoring an autosave opens it): an editor's, of a published
    # story, with its bylines, corrections, notes, share links and pickers, and whether its
    # breaking-news alert went out (issue 18: one query for the alert link).
    "admin_autosave": Family(minimum=300, max_queries=36),
    "admin_share": Family(minimum=300, max_queries=10),
    "admin_planning": Family(minimum=300, max_queries=7),
}


def desk_fuzzer(desk, role, name):
    """A fuzzer for an admin family, signed in as the desk's writer or editor: a writer
    may see neither the colleague's draft, nor its notes, nor anyone's autosave; an editor
    sees drafts and notes, but never another editor's autosave."""
    secrets = (
        (AUTOSAVE_SECRET,) if role == "editor" else (*UNPUBLISHED, NOTE_SECRET, AUTOSAVE_SECRET)
    )
    return Fuzzer(name, user=desk[role], secrets=secrets)


# The plain expectations (test_obvious.py) visit every family: the largest budget.
ANY_PAGE = Family(minimum=1, max_queries=max(f.max_queries for f in FAMILIES.values()))


def fuzz(examples):
    """Hypothesis settings for one fuzz run: reproducible, no example database."""
    return hypothesis_settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


def wsgi_string(raw):
    """What a WSGI server puts in the environ for these bytes (PEP 3333: latin-1)."""
    return raw.decode("iso-8859-1")


def is_project_code(filename):
    return filename.startswith(f"{PROJECT}/") and "/.venv/" not in filename


def location(frame):
    return f"{frame.filename.removeprefix(f'{PROJECT}/')}:{frame.lineno}"


def transaction_aborted():
    """Whether the last request left the test's transaction unusable: PostgreSQL aborts
    it at the first failed query, even one the application caught."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return False
    from psycopg import pq

    return connection.connection.info.transaction_status == pq.TransactionStatus.INERROR


class QueryCounter:
    """Counts the queries sent through the connection (connection.execute_wrapper)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def abbreviated(text, limit=300):
    if len(text) <= limit:
        return text
    return f"{text[: limit - 60]} ...[{len(text)} characters in all]... {text[-40:]}"


class Fuzzer:
    """Sends raw GET requests with the test client, remembering every distinct problem,
    the slowest answer and the request with the most queries, so that one run reports
    everything it found."""

    def __init__(self, name, family=None, user=None, secrets=UNPUBLISHED):
        """``user``: send every request signed in as them (the admin families).
        ``secrets``: texts no answer may hold (an editor may see drafts, but never
        another person's autosave)."""
        self.name = name
        self.family = family or FAMILIES.get(name) or ADMIN_FAMILIES[name]
        self.client = Client(raise_request_exception=False)
        if user is not None:
            self.client.force_login(user)
        self.secrets = secrets
        self.sent = 0
        self.errors = {}  # (status, problem, where) -> (shortest input, detail)
        self.slowest = (0.0, "")
        self.most_queries = (0, "")

    def send(self, target, headers=None, data=None):
        """GET ``target``, a raw request target: a path, then an optional ``?query``; or,
        with ``data``, POST it there (a dict, sent as a browser's form, or a raw
        url-encoded body as a string, sent untouched)."""
        path, _, query = target.partition("?")
        environ = {
            # A server percent-decodes the path to bytes; Django then decodes them as UTF-8.
            "PATH_INFO": wsgi_string(unquote_to_bytes(path)),
            "QUERY_STRING": wsgi_string(query.encode()),
        }
        wsgi_headers = {
            name: wsgi_string(value.encode()) for name, value in (headers or {}).items()
        }
        described = repr(target) + (f" with headers {headers!r}" if headers else "")
        if data is not None:
            described = f"POST {described} with {data!r}"
        # Each request in a savepoint: on PostgreSQL one failed query aborts the test's
        # whole transaction, which would turn every later request into an error too.
        savepoint = transaction.savepoint()
        queries = QueryCounter()
        start = time.perf_counter()
        with connection.execute_wrapper(queries):
            if data is None:
                response = self.client.get("/", headers=wsgi_headers, **environ)
            elif isinstance(data, str):
                response = self.client.post(
                    "/",
                    data.encode(),
                    content_type="application/x-www-form-urlencoded",
                    headers=wsgi_headers,
                    **environ,
                )
            else:
                response = self.client.post("/", data, headers=wsgi_headers, **environ)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = time.perf_counter() - start
        aborted = transaction_aborted()
        # An error that escaped an atomic block without a savepoint of its own leaves the
        # test's transaction marked for rollback: the request failed (it is reported
        # below); clear the mark to roll back to this request's savepoint.
        broken = connection.in_atomic_block and connection.needs_rollback
        if savepoint is not None:  # None outside a transaction (transactional_db)
            transaction.set_rollback(False)
            transaction.savepoint_rollback(savepoint)
            transaction.set_rollback(False)
        self.sent += 1
        if elapsed > self.slowest[0]:
            self.slowest = (elapsed, described)
        if queries.count > self.most_queries[0]:
            self.most_queries = (queries.count, described)
        if response.status_code >= 500:
            self.remember_error(response, described)
        elif any(secret.encode() in body for secret in self.secrets):
            if not response.wsgi_request.path_info.startswith("/preview/"):
                signature = (response.status_code, "a secret shown", path[:40])
                self.remember(signature, described, body[:500].decode(errors="replace"))
        elif broken:
            signature = (response.status_code, "transaction left broken", path[:40])
            self.remember(signature, described, "an atomic block was left marked for rollback")
        elif aborted:
            # The application caught a database error and answered anyway.
            signature = (response.status_code, "swallowed database error", path[:40])
            self.remember(signature, described, "the request left its transaction aborted")
        if queries.count > self.family.max_queries:
            signature = (response.status_code, "too many queries", path[:40])
            detail = f"{queries.count} queries; the {self.name} family allows "
            self.remember(signature, described, detail + str(self.family.max_queries))
        return response, body

    def remember_error(self, response, described):
        if response.exc_info:
            kind, error, trace = response.exc_info
            frames = traceback.extract_tb(trace)
            own = [f for f in frames if is_project_code(f.filename)] or frames
            where = " > ".join(location(frame) for frame in own[-2:])
            # The message up to any quoted input, so one bug is reported once.
            message = str(error).partition("\n")[0].partition('"')[0].partition("'")[0][:60]
            signature = (response.status_code, f"{kind.__name__}: {message}", where)
            # The project's own frames and the last few: enough to see where and why.
            shown = [f for n, f in enumerate(frames) if f in own or n >= len(frames) - 3]
            detail = "".join(
                traceback.format_list(shown) + traceback.format_exception_only(kind, error)
            )
        else:
            signature = (response.status_code, None, response.wsgi_request.path_info[:40])
            detail = response.content[:500].decode(errors="replace")
        self.remember(signature, described, detail)

    def remember(self, signature, described, detail):
        known = self.errors.get(signature)
        if known is None or len(described) < len(known[0]):
            self.errors[signature] = (described, detail)

    def warm_up(self, *targets):
        """Well-formed requests first, not counted: compiling templates is not measured."""
        for target in targets:
            response = self.client.get(target)
            assert response.status_code < 500, target

    def check(self):
        """Fail with every distinct problem, a request that hung, and too few requests."""
        problems = [
            f"{status} ({kind}) at {where}\n  input: {abbreviated(described)}\n{detail}"
            for (status, kind, where), (described, detail) in self.errors.items()
        ]
        seconds, slow = self.slowest
        count, costly = self.most_queries
        summary = (
            f"slowest request: {seconds:.3f} s for {abbreviated(slow)}; "
            f"most queries: {count} (at most {self.family.max_queries}) for {abbreviated(costly)}"
        )
        if seconds > HANG_SECONDS:
            problems.append(
                f"a request took {seconds:.1f} s of wall-clock time (over {HANG_SECONDS} s: "
                f"it hung, or the machine is far too busy to judge): {abbreviated(slow)}"
            )
        assert not problems, (
            f"{len(problems)} problem(s) in {self.sent} requests ({summary}):\n\n"
            + "\n\n".join(problems)
        )
        assert self.sent >= self.family.minimum, (
            f"only {self.sent} requests were sent (at least {self.family.minimum} expected)"
        )
