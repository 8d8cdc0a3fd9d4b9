"""Hostile inputs for the fuzz tests, shared by every URL family.

Two kinds, used together by each test:

* edge values, swept one at a time: every known edge value (9999-12-31, page 100001,
  a 64-bit overflow, NUL, ``%zz``, fullwidth digits, path traversal, FTS syntax...) in
  every parameter and path position, alone and beside valid values, so each one surely
  reaches the code behind the form validation;
* hypothesis strategies for random combinations: invalid percent-encodings, control
  characters, emoji and RTL marks, very long values, repeated keys, bare keys,
  impossible dates, huge and negative numbers, full-text search syntax and garbage
  headers.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

from hypothesis import strategies as st

from articles.reader.paging import MAX_PAGE

# --- Path segments and parameter values --------------------------------------------------

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
    """What browsers, bots and proxies send beside the request line, each value odd."""
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


def conditional_headers():
    """A feed reader's or a cache's conditional and range headers, valid or garbage."""
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
