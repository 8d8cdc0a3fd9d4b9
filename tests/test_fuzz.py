"""Fuzzing the reader site: no malformed address, query string or header a reader (or a
bot) can send makes a public page fail with a server error (5xx) or take over a second.

Every URL family of the reader site gets a few hundred hostile requests, in two parts:

* a sweep: every known edge value (9999-12-31, page 100001, a 64-bit overflow, NUL,
  ``%zz``, fullwidth digits, path traversal, FTS syntax...) in every parameter and path
  position, alone and beside valid values, so each one surely reaches the code behind
  the form validation;
* random combinations from hypothesis: invalid percent-encodings, control characters,
  emoji and RTL marks, very long values, repeated keys, bare keys, impossible dates,
  huge and negative numbers, full-text search syntax and garbage headers.

Requests are raw: the path is percent-decoded the way a WSGI server decodes it, and the
query string and headers are passed through untouched, so the application sees exactly
what a real server would hand it. A test does not stop at the first problem: it sends
all its requests, then fails with every distinct server error (its shortest input and
its traceback), with the slowest request if one took over a second, and with any answer
that shows the draft or the scheduled story. Runs are derandomized, so CI sends the
same inputs every time.
"""

import logging
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

import pytest
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from taggit.models import Tag

from articles.feeds import FEED_PATHS
from articles.models import Correction, PreviewLink, StoryRedirect, TagRedirect
from articles.previews import share_url
from articles.views.reader import MAX_PAGE

from .factories import make_author, make_draft, make_scheduled, make_section, make_story

pytestmark = pytest.mark.django_db

SLOW_SECONDS = 1.0
MIN_REQUESTS = 2_000
SECRET_MARKER = "fuzz-secret-outside-media-root"
PROJECT = Path(__file__).resolve().parents[1]
# A draft and a scheduled story: no request but a real share link may show them.
UNPUBLISHED = ("Secret merger plans", "Budget embargo lifts")

# Malformed requests sent by each fuzz test, for the final count.
SENT = {}


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


# --- Sending raw requests and keeping score ----------------------------------------------


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


class Fuzzer:
    """Sends raw GET requests with the test client, remembering every distinct server
    error and the slowest answer, so that one run reports everything it found."""

    def __init__(self, name):
        self.name = name
        self.client = Client(raise_request_exception=False)
        self.sent = 0
        self.errors = {}  # (status, exception, where) -> (shortest input, traceback)
        self.slowest = (0.0, "")

    def send(self, target, headers=None):
        """GET ``target``, a raw request target: a path, then an optional ``?query``."""
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
        # Each request in a savepoint: on PostgreSQL one failed query aborts the test's
        # whole transaction, which would turn every later request into an error too.
        savepoint = transaction.savepoint()
        start = time.perf_counter()
        response = self.client.get("/", headers=wsgi_headers, **environ)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = time.perf_counter() - start
        aborted = transaction_aborted()
        if savepoint is not None:  # None outside a transaction (transactional_db)
            transaction.savepoint_rollback(savepoint)
            transaction.set_rollback(False)
        self.sent += 1
        if elapsed > self.slowest[0]:
            self.slowest = (elapsed, described)
        if response.status_code >= 500:
            self.remember_error(response, described)
        elif any(headline.encode() in body for headline in UNPUBLISHED):
            if not response.wsgi_request.path_info.startswith("/preview/"):
                signature = (response.status_code, "unpublished story shown", path[:40])
                self.remember(signature, described, body[:500].decode(errors="replace"))
        elif aborted:
            # The application caught a database error and answered anyway.
            signature = (response.status_code, "swallowed database error", path[:40])
            self.remember(signature, described, "the request left its transaction aborted")
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

    def check(self, minimum):
        """Fail with every distinct server error and a request over SLOW_SECONDS."""
        SENT[self.name] = self.sent
        problems = [
            f"{status} ({kind}) at {where}\n  input: {abbreviated(described)}\n{detail}"
            for (status, kind, where), (described, detail) in self.errors.items()
        ]
        seconds, described = self.slowest
        slowest = f"slowest request: {seconds:.3f} s for {abbreviated(described)}"
        if seconds > SLOW_SECONDS:
            problems.append(f"over {SLOW_SECONDS} s: {slowest}")
        assert not problems, (
            f"{len(problems)} problem(s) in {self.sent} requests ({slowest}):\n\n"
            + "\n\n".join(problems)
        )
        assert self.sent >= minimum, f"only {self.sent} requests were sent"


def abbreviated(text, limit=300):
    if len(text) <= limit:
        return text
    return f"{text[: limit - 60]} ...[{len(text)} characters in all]... {text[-40:]}"


# --- Hostile pieces ----------------------------------------------------------------------

# Path segments and values, as they would appear on the wire (so "%zz" stays "%zz").
NASTY_PIECES = [
    "",
    ".",
    "..",
    "...",
    "%2e%2e",
    "%2E%2E%2F",
    "..%2F..%2Fetc%2Fpasswd",
    "../../../../etc/passwd",
    "/",
    "//",
    "\\",
    "%5C..%5C",
    "%00",
    "\x00",
    "%zz",
    "%",
    "%%",
    "%f",
    "%g0",
    "%ff",
    "%fe%ff",
    "%c0%af",
    "%c0%ae%c0%ae",
    "%ed%a0%80",  # a lone UTF-16 surrogate, encoded as UTF-8
    "%f4%90%80%80",  # beyond U+10FFFF
    "%e2%80%ae",
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",
    "\ufeff",
    "\x1b[31m",
    "\x7f",
    "\x01\x02\x03",
    "\t",
    "\r\n",
    " ",
    "%20",
    "+",
    "%2B",
    "２０２４",  # fullwidth digits
    "١٢",  # Arabic-Indic digits
    "𝟚𝟘𝟚𝟜",
    "😀",
    "👩‍👩‍👧‍👦",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǒ̯͙̓",
    "ｓｌｕｇ",
    "İ",
    "ß",
    "-1",
    "0",
    "00",
    "0000",
    "13",
    "32",
    "99999999999999999999999999",
    "9223372036854775808",
    "1e309",
    "NaN",
    "1.5",
    "0x1F",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    '"',
    "{{7*7}}",
    "${jndi:ldap://x}",
    "%s%s%n",
    "null",
    "a" * 255,
    "a" * 256,
    "a" * 5000,
    "%41" * 2000,
    "é" * 1000,
    "-" * 500,
]

unicode_text = st.text(st.characters(codec="utf-8"), max_size=24)
url_ish_text = st.text(st.sampled_from("-_aZ09./%?&=#;:+@!$'()*,~"), max_size=24)


def percent_encoded(raw):
    return "".join(f"%{byte:02X}" for byte in raw)


percent_bytes = st.binary(min_size=1, max_size=12).map(percent_encoded)
long_strings = st.tuples(
    st.sampled_from(["a", "%zz", "é", "😀", "/", "%00", "-", "1", ".."]),
    st.integers(min_value=200, max_value=2_500),
).map(lambda pair: pair[0] * pair[1])
piece = st.one_of(
    st.sampled_from(NASTY_PIECES), unicode_text, url_ish_text, percent_bytes, long_strings
)
segment = st.lists(piece, min_size=1, max_size=3).map("".join)

numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(str),
    piece,
)


def extreme_offsets():
    return st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ).map(timezone)


dates = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.datetimes(timezones=extreme_offsets()).map(lambda moment: moment.isoformat()),
    piece,
)


@dataclass(frozen=True)
class Param:
    """A query parameter: values its view accepts, edge values (each one swept on its own)
    and a strategy for any other hostile value."""

    valid: tuple
    edges: tuple
    hostile: st.SearchStrategy = piece

    def values(self):
        return st.one_of(st.sampled_from(self.valid), st.sampled_from(self.edges), self.hostile)


PAGE_EDGES = (
    "",
    "0",
    "-0",
    "-1",
    "1.0",
    "1.5",
    "1e5",
    "+1",
    " 1",
    "0x10",
    "1_000",
    "NaN",
    "Infinity",
    "１",
    "١",
    "²",
    "abc",
    str(MAX_PAGE),
    str(MAX_PAGE + 1),
    "2147483648",
    "9223372036854775808",
    "9" * 400,
)
PAGE = Param(("1", "2"), PAGE_EDGES, numbers)
DATE_EDGES = (
    "",
    "0001-01-01",
    "9999-12-31",
    "0000-01-01",
    "99999-01-01",
    "2024-02-30",
    "2023-02-29",
    "2024-02-29",
    "2024-13-01",
    "2024-00-10",
    "2024-1-1",
    "24-01-01",
    "01/02/2024",
    "2024/01/01",
    "2024-W01-1",
    "now",
    "１９９９-０１-０１",
    "9999-12-31T23:59:59-23:59",
    "9999-12-31T23:59:59.999999-00:01",
    "9999-12-31T23:59:59.999999Z",
    "0001-01-01T00:00:00+23:59",
    "0001-01-01T00:00:00+00:01",
    "0001-01-01T00:00:00Z",
    "2024-03-07T00:00:00+16:00",  # beyond PostgreSQL's +-15:59
    "2024-03-07T00:00:00-20:00",
    "2024-01-01T25:00:00Z",
    "2024-01-01T00:00:00+99:00",
)
DATE = Param(("2024-03-01", "2024-03-31", "2024-03-07T14:30:00Z"), DATE_EDGES, dates)
SLUG_EDGES = (
    "",
    "\x00",
    "no-such-thing",
    "POLITICS",
    "politics ",
    " politics",
    "politics\x00",
    "a" * 300,
    "😀",
    "ｐｏｌｉｔｉｃｓ",
    "' OR '1'='1",
    "..",
    "%",
    "_",
)


def slug_param(*valid):
    return Param(valid, SLUG_EDGES, segment)


SECTION = slug_param("politics", "sport")
TAG = slug_param("harbour", "council", "ferries", "football")
AUTHOR = slug_param("zoe-marsh", "ian-po")

FTS_PIECES = (
    '"',
    '""',
    '"unterminated',
    "*",
    "a*",
    "*a",
    "harbour*",
    "NEAR(",
    "NEAR(harbour council, 3)",
    "NEAR/2",
    "-",
    "--",
    "-harbour",
    '-"council"',
    "AND",
    "OR",
    "NOT",
    "AND OR",
    "OR OR NOT",
    "(",
    ")",
    "()",
    "((harbour)",
    "^",
    ":",
    "headline:",
    "body:pier",
    "{headline dek}: x",
    "'",
    "\\",
    "&",
    "|",
    "!",
    "<->",
    ":*",
    "%",
    "_",
    "\x00",
    "\x1f",
    "\u202e",
    "😀",
)
search_terms = st.one_of(
    st.lists(st.one_of(st.sampled_from(FTS_PIECES), unicode_text), max_size=14).map(" ".join),
    st.lists(st.sampled_from(FTS_PIECES), min_size=200, max_size=600).map(" ".join),
    long_strings,
    piece,
)
SEARCH = Param(
    ("harbour", "council pier", "Zoë"),
    (
        *FTS_PIECES,
        '"' * 201,
        "-" * 33,  # deeper than PostgreSQL's tsquery stack
        "-" * 33 + "harbour",
        "harbour " * 300,
        "a" * 2001,
        "-a -b -c -d -e -f -g -h -i -j -k -l -m -n",
        " ".join(f"w{n}*" for n in range(40)),
        "NEAR(" * 100,
        "(" * 500 + ")" * 500,
        '"' + "a b " * 500 + '"',
    ),
    search_terms,
)

JUNK_KEYS = st.one_of(
    st.sampled_from(["", "page[]", "PAGE", "q ", "%00", "csrfmiddlewaretoken", "__proto__"]),
    url_ish_text,
)


def maybe_encoded(values):
    """A value sent either as typed (raw) or percent-encoded, as a browser would."""
    return st.tuples(values, st.booleans()).map(
        lambda pair: quote(pair[0], safe="") if pair[1] else pair[0]
    )


def query_strings(params):
    """Raw query strings: each parameter absent, once or repeated, with valid, edge or
    hostile values, plus junk keys, a bare key without "=" and stray separators."""
    known = st.fixed_dictionaries(
        {},
        optional={
            key: st.lists(maybe_encoded(param.values()), min_size=1, max_size=2)
            for key, param in params.items()
        },
    )
    junk = st.lists(st.tuples(JUNK_KEYS, piece), max_size=2)
    separator = st.sampled_from(["&"] * 6 + [";", "&&", "&amp;"])

    def join(known, junk, bare, separator):
        pairs = [f"{key}={value}" for key, values in known.items() for value in values]
        pairs += [f"{key}={value}" for key, value in junk]
        if bare and pairs:
            pairs[-1] = pairs[-1].partition("=")[0]
        return separator.join(pairs)

    return st.one_of(
        st.builds(join, known, junk, st.booleans(), separator),
        st.sampled_from(["&", "&&&", "=", "==", ";", "page", "page=", "?", "%", "a=1;b=2"]),
    )


def edge_queries(params):
    """Every edge value of every parameter: alone, percent-encoded and as typed, and
    beside valid values of all the other parameters."""
    for key, param in params.items():
        others = "".join(f"&{k}={p.valid[0]}" for k, p in params.items() if k != key)
        for value in param.edges:
            encoded = f"{key}={quote(value, safe='')}"
            yield encoded
            yield encoded + others
            if f"{key}={value}" != encoded:
                yield f"{key}={value}"


def swept(templates, pieces=NASTY_PIECES):
    """Each nasty piece once, in turn in each of the templates' ``{}`` positions."""
    return [templates[n % len(templates)].format(p) for n, p in enumerate(pieces)]


# --- Content to fuzz against ---------------------------------------------------------------


@pytest.fixture(autouse=True)
def quiet_error_logs():
    """Thousands of 404s and refused hosts would flood the log; failures carry their own
    traceback."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
def newsroom(settings, tmp_path):
    """A small live site: sections, tags, authors, published stories with a correction, a
    draft with a share link, a scheduled story (both sharing tags, section and author with
    live ones), redirects and one photo on disk."""
    settings.MEDIA_ROOT = tmp_path / "media"
    photo_dir = settings.MEDIA_ROOT / "images" / "ab"
    photo_dir.mkdir(parents=True)
    (photo_dir / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (tmp_path / "secret.txt").write_text(SECRET_MARKER)

    politics = make_section("Politics", slug="politics")
    sport = make_section("Sport", slug="sport")
    zoe = make_author("Zoë Marsh", slug="zoe-marsh")
    ian = make_author("Ian Po", slug="ian-po")
    pier = make_story(
        "Harbour board & council agree on “new” pier",
        section=politics,
        authors=[zoe, ian],
        tags=["Harbour", "Council"],
        featured=True,
        published_at=datetime(2024, 3, 7, 14, 30, tzinfo=UTC),
    )
    make_story("Ferry timetable changes", section=politics, authors=[zoe], tags=["Ferries"])
    make_story(
        "Rovers win the cup", section=sport, authors=[ian], tags=["Football"], age=timedelta(days=2)
    )
    make_story("A story with no section", authors=[ian], age=timedelta(days=40))
    draft = make_draft(UNPUBLISHED[0], section=politics, tags=["Merger", "Council"])
    make_scheduled(UNPUBLISHED[1], section=politics, authors=[zoe], tags=["Harbour"])
    Correction.objects.create(article=pier, text="An earlier version misspelt a name.")
    StoryRedirect.objects.create(old_path="/2024/03/06/old-pier-story/", article=pier)
    TagRedirect.objects.create(old_slug="harbor", tag=Tag.objects.get(slug="harbour"))
    link = PreviewLink.objects.create(article=draft)
    return {"story": pier, "share_url": share_url(link)}


# --- The fuzz tests ------------------------------------------------------------------------

LISTINGS = ["/section/{}/", "/tag/{}/", "/author/{}/"]
EXISTING_LISTINGS = {"/", "/corrections/", "/section/politics/", "/tag/harbour/"}


def is_page_number(raw):
    return raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_PAGE


def test_malformed_listing_addresses_never_fail(newsroom):
    """Fronts, section/tag/author pages and corrections, with hostile slugs and pages;
    a page that is not a number from 1 to MAX_PAGE is a 404."""
    fuzzer = Fuzzer("listings")
    fuzzer.warm_up("/", "/corrections/", "/section/politics/", "/tag/harbour/", "/author/ian-po/")

    def send(path, query):
        response, _ = fuzzer.send(f"{path}?{query}")
        page = response.wsgi_request.GET.get("page", "1")  # what the view read
        if path in EXISTING_LISTINGS and not is_page_number(page):
            assert response.status_code == 404, (path, query)

    for path in swept(LISTINGS):
        send(path, "")
    for query in edge_queries({"page": PAGE}):
        for path in ["/", "/corrections/", "/section/politics/", "/tag/harbour/"]:
            send(path, query)

    @fuzz(250)
    @given(
        path=st.one_of(
            st.sampled_from(sorted(EXISTING_LISTINGS)),
            st.tuples(st.sampled_from(LISTINGS), segment).map(lambda t: t[0].format(t[1])),
        ),
        query=query_strings({"page": PAGE}),
    )
    def check(path, query):
        send(path, query)

    check()
    fuzzer.check(400)


def conditional_headers():
    etags = st.one_of(
        st.sampled_from(['"abc"', 'W/"abc"', "*", '"', 'W/"', '""', ", , ,", '"a", "b", *']),
        st.lists(st.text(st.sampled_from('abcdef0123456789"W/, *'), max_size=40), max_size=300).map(
            ", ".join
        ),
        garbage_header,
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "If-None-Match": etags,
            "If-Match": etags,
            "If-Modified-Since": http_dates(),
            "If-Unmodified-Since": http_dates(),
            "Range": st.one_of(
                st.sampled_from(["bytes=0-", "bytes=-1", "bytes=5-1", "bytes=0-0,1-1" * 200]),
                garbage_header,
            ),
        },
    )


def test_malformed_feed_requests_never_fail(newsroom):
    """RSS, Atom and JSON feeds of the site, sections, tags and authors: hostile slugs and
    a feed reader's conditional headers (If-None-Match, If-Modified-Since) with garbage."""
    fuzzer = Fuzzer("feeds")
    suffixes = list(FEED_PATHS.values())
    fuzzer.warm_up(*(f"/{suffix}" for suffix in suffixes))
    fuzzer.warm_up(*(f"/section/politics/{suffix}" for suffix in suffixes))
    for path in swept(
        [f"/{kind}/{{}}/{s}" for kind in ("section", "tag", "author") for s in suffixes]
    ):
        fuzzer.send(path)
    for value in HTTP_DATE_EDGES:
        fuzzer.send("/feed/", {"If-Modified-Since": value})
        fuzzer.send("/feed/json/", {"If-Modified-Since": value, "If-None-Match": '"x"'})

    feed_paths = st.one_of(
        st.sampled_from([f"/{suffix}" for suffix in suffixes]),
        st.tuples(
            st.sampled_from(["section", "tag", "author"]),
            st.one_of(st.sampled_from(["politics", "harbour", "harbor", "ian-po"]), segment),
            st.sampled_from(suffixes),
        ).map(lambda t: f"/{t[0]}/{t[1]}/{t[2]}"),
        segment.map(lambda junk: f"/feed/{junk}/"),
    )

    @fuzz(250)
    @given(path=feed_paths, query=query_strings({}), headers=conditional_headers())
    def check(path, query, headers):
        fuzzer.send(f"{path}?{query}", headers)

    check()
    fuzzer.check(300)


def test_malformed_search_queries_never_fail(newsroom):
    """Search takes whatever a reader types: FTS syntax, unbalanced quotes and parentheses,
    NEAR(, operators, control characters and 2,000+ character queries."""
    fuzzer = Fuzzer("search")
    fuzzer.warm_up("/search/", "/search/?q=harbour")
    params = {"q": SEARCH, "page": PAGE}
    for query in edge_queries(params):
        fuzzer.send(f"/search/?{query}")

    @fuzz(250)
    @given(query=query_strings(params))
    def check(query):
        fuzzer.send(f"/search/?{query}")

    check()
    fuzzer.check(300)


def test_malformed_archive_filters_never_fail(newsroom):
    """The archive's django-filter form: unknown slugs, impossible and far-off dates,
    unknown orderings and pages; a bad value shows the form's errors with a 400."""
    fuzzer = Fuzzer("archive")
    fuzzer.warm_up("/archive/", "/archive/?section=politics&start=2024-01-01&order=oldest")
    params = {
        "section": SECTION,
        "tag": TAG,
        "author": AUTHOR,
        "start": DATE,
        "end": DATE,
        "from": DATE,
        "to": DATE,
        "order": Param(("newest", "oldest"), ("", "random", "-newest", "Newest", "oldest,newest")),
        "page": PAGE,
    }
    for query in edge_queries(params):
        fuzzer.send(f"/archive/?{query}")

    @fuzz(250)
    @given(query=query_strings(params))
    def check(query):
        fuzzer.send(f"/archive/?{query}")

    check()
    fuzzer.check(400)


def test_malformed_api_requests_never_fail(newsroom):
    """The read API: a bad filter, page or page size is a 400 with JSON errors; a bad or
    unknown id is a 404."""
    fuzzer = Fuzzer("api")
    fuzzer.warm_up("/api/articles/", f"/api/articles/{newsroom['story'].pk}/")
    params = {
        "section": SECTION,
        "tag": TAG,
        "author": AUTHOR,
        "published_after": DATE,
        "published_before": DATE,
        "q": SEARCH,
        "page": PAGE,
        "page_size": Param(("1", "20", "100"), ("101", *PAGE_EDGES), numbers),
    }

    def send(path, query):
        response, _ = fuzzer.send(f"{path}?{query}")
        if path == "/api/articles/" and response.status_code in (200, 400):
            assert response["Content-Type"] == "application/json", query

    for query in edge_queries(params):
        send("/api/articles/", query)
    for path in swept(["/api/articles/{}/"], [*NASTY_PIECES, *PAGE_EDGES]):
        send(path, "")

    @fuzz(250)
    @given(
        path=st.one_of(
            st.just("/api/articles/"),
            st.one_of(numbers, segment).map(lambda value: f"/api/articles/{value}/"),
        ),
        query=query_strings(params),
    )
    def check(path, query):
        send(path, query)

    check()
    fuzzer.check(500)


def date_part(width):
    digits = st.integers(min_value=0, max_value=10**width - 1).map(lambda n: f"{n:0{width}d}")
    return st.one_of(digits, digits, st.sampled_from(["２０２４", "０３", "-1", "1", "x"]), piece)


def test_malformed_dated_addresses_never_fail(newsroom):
    """Year, month and day archives and story addresses with impossible dates (2024-02-30,
    0000, month 13, 9999-12-31) and hostile slugs; an impossible date is a plain 404."""
    fuzzer = Fuzzer("dates")
    story = newsroom["story"]
    fuzzer.warm_up(story.path, "/2024/", "/2024/03/", "/2024/03/07/")
    impossible = [
        "/0000/",
        "/0000/01/01/",
        "/2024/00/",
        "/2024/13/",
        "/2024/02/30/",
        "/2023/02/29/",
        "/2024/04/31/",
        "/2024/01/00/",
        "/2024/01/32/",
        "/9999/",
        "/9999/12/",
        "/9999/12/31/",
        "/0001/01/01/",
    ]
    for path in impossible:
        response, _ = fuzzer.send(path)
        assert response.status_code == 404, path
    templates = ["/{}/", "/2024/{}/", "/2024/03/{}/", "/2024/03/07/{}/", "/{}/03/07/pier/"]
    for path in swept(templates):
        fuzzer.send(path)
    for query in edge_queries({"page": PAGE}):
        fuzzer.send(f"/2024/?{query}")

    slugs = st.one_of(st.sampled_from([story.slug, "old-pier-story"]), segment)
    paths = st.tuples(
        date_part(4), date_part(2), date_part(2), slugs, st.integers(min_value=1, max_value=4)
    ).map(lambda t: "/" + "/".join(t[: t[4]]) + "/")

    @fuzz(250)
    @given(path=paths, query=query_strings({"page": PAGE}))
    def check(path, query):
        fuzzer.send(f"{path}?{query}")

    check()
    fuzzer.check(350)


def test_malformed_sitemap_robots_and_health_requests_never_fail(newsroom):
    """Sitemaps (hostile sitemap names and ``?p=`` pages), robots.txt and /healthz."""
    fuzzer = Fuzzer("sitemaps")
    fuzzer.warm_up("/sitemap.xml", "/sitemap-stories.xml", "/news-sitemap.xml", "/robots.txt")
    fixed = ["/sitemap.xml", "/news-sitemap.xml", "/robots.txt", "/healthz"]
    for path in swept(["/sitemap-{}.xml"]):
        fuzzer.send(path)
    pages = Param(("1",), PAGE_EDGES, numbers)
    for query in edge_queries({"p": pages}):
        for path in ["/sitemap-stories.xml", "/sitemap-tags.xml", *fixed]:
            fuzzer.send(f"{path}?{query}")

    names = st.one_of(st.sampled_from(["stories", "sections", "tags", "authors"]), segment)
    paths = st.one_of(st.sampled_from(fixed), names.map(lambda name: f"/sitemap-{name}.xml"))

    @fuzz(150)
    @given(path=paths, query=query_strings({"p": pages}))
    def check(path, query):
        fuzzer.send(f"{path}?{query}")

    check()
    fuzzer.check(300)


def test_forged_preview_tokens_are_a_plain_404(newsroom):
    """A tampered, truncated or made-up share token never shows a preview, nor fails."""
    fuzzer = Fuzzer("previews")
    real = newsroom["share_url"]
    fuzzer.warm_up(real)
    token = real.removeprefix("/preview/").removesuffix("/")

    def send(forged, query=""):
        response, _ = fuzzer.send(f"/preview/{forged}/?{query}")
        if response.wsgi_request.path_info != real:
            assert response.status_code in (301, 404), forged

    for forged in swept(["{}", token + "{}", "{}" + token, "{}:" + token.split(":", 1)[-1]]):
        send(forged)
    for cut in range(0, len(token), 7):
        send(token[:cut])

    tampered = st.tuples(
        st.integers(min_value=0, max_value=len(token) - 1), st.sampled_from(token + "x_-:.%")
    ).map(lambda t: token[: t[0]] + t[1] + token[t[0] + 1 :])
    tokens = st.one_of(
        tampered,
        segment.map(lambda junk: token + junk),
        segment.map(lambda junk: junk + ":" + token.split(":", 1)[-1]),
        segment,
    )

    @fuzz(150)
    @given(forged=tokens, query=query_strings({}))
    def check(forged, query):
        send(forged, query)

    check()
    fuzzer.check(200)


def test_malformed_media_paths_never_fail_or_leave_the_media_folder(newsroom):
    """Photos under /media/images/: traversal, NUL, encoded slashes and over-long names
    are a 4xx, and no request ever reads a file outside MEDIA_ROOT."""
    fuzzer = Fuzzer("media")
    fuzzer.warm_up("/media/images/ab/photo.jpg")
    traversals = [
        "../../secret.txt",
        "..%2F..%2Fsecret.txt",
        "%2e%2e/%2e%2e/secret.txt",
        "ab/../../../secret.txt",
        "/../secret.txt",
        "....//....//secret.txt",
        "..\\..\\secret.txt",
        "ab/photo.jpg%00.png",
        "ab/photo.jpg/",
        "ab/",
        "ab",
        "",
    ]

    def send(path, headers=None):
        _, body = fuzzer.send(f"/media/images/{path}", headers)
        assert SECRET_MARKER.encode() not in body, path

    for path in [*traversals, *swept(["{}", "ab/{}", "ab/photo.jpg{}", "{}/photo.jpg"])]:
        send(path)

    paths = st.lists(st.one_of(st.sampled_from(traversals), segment), min_size=1, max_size=3)

    @fuzz(150)
    @given(path=paths.map("/".join), headers=st.one_of(st.just({}), conditional_headers()))
    def check(path, headers):
        send(path, headers)

    check()
    fuzzer.check(200)


# --- Headers -----------------------------------------------------------------------------

garbage_header = st.one_of(
    st.sampled_from(["", " ", "\x00", "\t", ",", ";", "=", "*", "\u202e", "😀", "é" * 500]),
    unicode_text,
    url_ish_text,
    long_strings,
)
HTTP_DATE_EDGES = [
    "Mon, 99 Foo 99999 99:99:99 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Sat, 01 Jan 0000 00:00:00 GMT",
    "Mon, 01 Jan 0001 00:00:00 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "Sun Nov  6 08:49:37 99999",
    "Thu, 31 Dec 2099 23:59:59 GMT",
    "-1",
    "0",
    "99999999999999999999",
    "yesterday",
    "",
]


def http_dates():
    real = st.datetimes(
        min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
    ).map(lambda moment: moment.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    return st.one_of(real, st.sampled_from(HTTP_DATE_EDGES), garbage_header)


def reader_headers():
    return st.fixed_dictionaries(
        {},
        optional={
            "If-None-Match": garbage_header,
            "If-Modified-Since": http_dates(),
            "Accept": st.one_of(
                st.sampled_from(
                    ["*/*", "text/html;q=abc", "application/json;q=-1", "*/*;q=1e309", ""]
                ),
                garbage_header,
            ),
            "Accept-Language": st.one_of(
                st.sampled_from(["en", "zz-ZZ", "*;q=0", "en;q=abc", "x" * 500, "ar-EG;q=2"]),
                garbage_header,
            ),
            "Accept-Encoding": garbage_header,
            "Range": garbage_header,
            "Cookie": st.one_of(
                st.sampled_from(
                    [
                        "sessionid=garbage",
                        "sessionid=" + "a" * 4000,
                        "csrftoken=%zz; sessionid=%00",
                        "=; ;=;",
                        'a="unterminated',
                        "sessionid=.eJxLz0_OSVUvyM9JTMrMSVQ",
                    ]
                ),
                garbage_header,
            ),
            "X-Forwarded-For": st.one_of(
                st.sampled_from(["1.2.3.4, 5.6.7.8", "999.999.999.999", "::1", "unknown", ""]),
                garbage_header,
            ),
            "X-Forwarded-Proto": garbage_header,
            "X-Forwarded-Host": garbage_header,
            "Referer": garbage_header,
            "User-Agent": garbage_header,
            "Host": st.sampled_from(["127.0.0.1", "localhost", "localhost:8000", "[::1]"]),
        },
    )


def test_malformed_headers_never_fail(newsroom):
    """Garbage in conditional, content negotiation, cookie and proxy headers, on pages of
    every kind."""
    fuzzer = Fuzzer("headers")
    story = newsroom["story"]
    targets = [
        "/",
        story.path,
        "/section/politics/",
        "/tag/harbour/",
        "/feed/",
        "/tag/harbour/feed/atom/",
        "/feed/json/",
        "/search/?q=harbour",
        "/archive/?section=politics",
        "/api/articles/",
        f"/api/articles/{story.pk}/",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz",
        "/media/images/ab/photo.jpg",
        "/no-such-page/",
    ]
    fuzzer.warm_up(*targets)
    for n, value in enumerate([*NASTY_PIECES, *HTTP_DATE_EDGES]):
        target = targets[n % len(targets)]
        for name in ("If-None-Match", "If-Modified-Since", "Cookie", "Accept-Language"):
            fuzzer.send(target, {name: value})

    @fuzz(250)
    @given(target=st.sampled_from(targets), headers=reader_headers())
    def check(target, headers):
        fuzzer.send(target, headers)

    check()
    fuzzer.check(500)


BAD_HOSTS = [
    "evil.example",
    "127.0.0.1.evil.example",
    "localhost:-1",
    "localhost:80:80",
    "[::1",
    "::1",
    "[::1]]",
    "[::1]:x",
    "127.0.0.1 evil",
    "127.0.0.1/evil",
    "127.0.0.1@evil",
    "user:pass@localhost",
    "localhost\x00",
    "%00",
    "\x00",
    "😀",
    "l\u043ecalhost",  # with a Cyrillic o
    "xn--",
    "a" * 300,
    ".",
    ":",
    ":80",
]


def test_bad_host_headers_are_a_400_not_a_500(newsroom, settings):
    """A Host header that is not the site's is refused with 400 Bad Request."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    fuzzer = Fuzzer("hosts")
    fuzzer.warm_up("/")
    story = newsroom["story"]
    targets = ["/", story.path, "/feed/", "/search/?q=x", "/api/articles/", "/sitemap.xml"]

    def send(target, host):
        response, _ = fuzzer.send(target, {"Host": host})
        assert response.status_code == 400, host

    for n, host in enumerate(BAD_HOSTS):
        send(targets[n % len(targets)], host)

    hosts = st.tuples(st.sampled_from(["bad-", "x.", "127.0.0.2"]), garbage_header).map("".join)

    @fuzz(80)
    @given(target=st.sampled_from(targets), host=st.one_of(st.sampled_from(BAD_HOSTS), hosts))
    def check(target, host):
        send(target, host)

    check()
    fuzzer.check(100)


# --- Plain expectations for obvious cases ------------------------------------------------

OBVIOUS = [
    ("/?page=abc", 404),
    ("/?page=0", 404),
    ("/?page=-1", 404),
    ("/?page=１", 404),
    ("/?page=99999999999999999999", 404),
    ("/section/politics/?page=1.5", 404),
    ("/search/?q=harbour&page=abc", 404),
    ("/corrections/?page=%00", 404),
    ("/archive/?page=abc", 404),
    ("/archive/?start=2024-02-30", 400),
    ("/archive/?start=garbage&end=99999-01-01", 400),
    ("/archive/?order=random", 400),
    ("/archive/?section=no-such-section", 400),
    ("/api/articles/?page=abc", 400),
    ("/api/articles/?page_size=1000", 400),
    ("/api/articles/?published_after=garbage", 400),
    ("/api/articles/999999/", 404),
    ("/section/no-such-section/", 404),
    ("/tag/no-such-tag/", 404),
    ("/author/no-such-author/", 404),
    ("/section/%00/", 404),
    ("/2024/02/30/", 404),
    ("/2024/13/", 404),
    ("/２０２４/", 404),
    ("/preview/garbage/", 404),
    ("/sitemap-nonsense.xml", 404),
    ("/sitemap-stories.xml?p=abc", 404),
    ("/media/images/../../secret.txt", 400),
]


@pytest.mark.parametrize(("target", "status"), OBVIOUS)
def test_obvious_bad_inputs_get_a_clear_client_error(newsroom, target, status):
    fuzzer = Fuzzer(f"obvious {target}")
    response, _ = fuzzer.send(target)
    fuzzer.check(1)
    assert response.status_code == status


def test_the_fuzzed_site_is_real_not_all_404s(client, newsroom):
    """The content the fuzz tests run against answers: redirects, a preview, a photo."""
    assert client.get("/tag/harbor/").status_code == 301
    assert client.get("/2024/03/06/old-pier-story/").status_code == 301
    preview = client.get(newsroom["share_url"])
    assert preview.status_code == 200 and UNPUBLISHED[0] in preview.content.decode()
    assert client.get("/media/images/ab/photo.jpg").status_code == 200
    assert "Harbour board" in client.get("/search/?q=harbour").content.decode()
    assert client.get("/archive/?section=politics&order=oldest").status_code == 200


FUZZ_TESTS = {
    "listings",
    "feeds",
    "search",
    "archive",
    "api",
    "dates",
    "sitemaps",
    "previews",
    "media",
    "headers",
    "hosts",
}


def test_at_least_2000_malformed_requests_were_sent():
    """Runs last: the fuzz tests above together sent at least MIN_REQUESTS requests."""
    if not SENT.keys() >= FUZZ_TESTS:
        pytest.skip("only part of the fuzz tests ran (or passed) in this process")
    total = sum(SENT.values())
    print(f"{total} malformed requests sent: {SENT}")
    assert total >= MIN_REQUESTS, f"{total} malformed requests sent: {SENT}"
