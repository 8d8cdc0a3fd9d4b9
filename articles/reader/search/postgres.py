"""PostgreSQL's full-text backend: a weighted tsvector per story with a GIN index,
queried with ``websearch_to_tsquery``, which accepts any input without error.

Accents fold, as they do on SQLite (FTS5's ``remove_diacritics``): a reader typing
"cafe" or "zurich" finds "café" and "Zürich". The index and the queries use a copy of
the configured language (``SEARCH_CONFIG``) with PostgreSQL's ``unaccent`` dictionary
before its stemmer, made by :func:`fold_accents` from the migrations and from
``rebuild_search_index`` (which a change of ``SEARCH_CONFIG`` needs anyway). Where the
database refuses the extension (it needs PostgreSQL's contrib modules, and a role that
may create trusted extensions), the copy is made without it: search works, accents
count, and the log says why."""

import logging
import re

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from .. import queries
from .markers import MARK_END, MARK_START

logger = logging.getLogger(__name__)


def folded_name(base):
    return f"newsroom_folded_{base}"


def _config():
    return folded_name(settings.SEARCH_CONFIG)


def fold_accents(cursor):
    """Make the search configuration, ``SEARCH_CONFIG``'s copy that folds accents, if it
    is missing; whether it folds them."""
    base = settings.SEARCH_CONFIG
    if not re.fullmatch(r"[a-z_]+", base):
        raise ValueError(f"SEARCH_CONFIG {base!r} is not a text search configuration name")
    name = folded_name(base)
    cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [name])
    if cursor.fetchone() is not None:
        return True
    cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {base})")
    try:
        with transaction.atomic():
            cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except DatabaseError as error:
        logger.warning("Search will not fold accents: no unaccent extension (%s)", error)
        return False
    # The language's dictionaries for words with letters outside ASCII, unaccent first.
    cursor.execute(
        "SELECT array_to_string(dictionaries, ', ') FROM ts_debug(%s::regconfig, 'é')",
        [base],
    )
    dictionaries = cursor.fetchone()[0]
    cursor.execute(
        f"ALTER TEXT SEARCH CONFIGURATION {name} "
        f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {dictionaries}"
    )
    return True


CANDIDATES = 1000
PREFIX = re.compile(r"(?<!\S)(\w+)\*(?!\S)")


def split_prefixes(text):
    """``websearch_to_tsquery`` has no prefix search: ``word*`` terms become ``word:*``.

    Runs of dashes are one "not": each dash nests another NOT, and PostgreSQL
    refuses more than 32 ("tsquery stack too small")."""
    text = re.sub(r"-{2,}", "-", text)
    prefixes = PREFIX.findall(text)[:5]
    return PREFIX.sub(" ", text), " & ".join(f"{word}:*" for word in prefixes)


def loosened(words):
    """The reader's query with phrases as plain words and exclusions left out: it
    matches every story the query does (and more), and the GIN index alone can
    answer it. With "or", where that would not hold, the query is kept as it is."""
    if re.search(r"(?i)(^|\s)or(\s|$)", words):
        return words
    loose = re.sub(r'(^|\s)-("[^"]*"?|\S*)', " ", words).replace('"', " ")
    return loose if loose.strip() else words


def search(text, now, limit, offset):

    words, prefixes = split_prefixes(text)
    # Rank and cut to one page first; ts_headline (costly) runs on that page only.
    options = (
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, "
        'MaxFragments=2, FragmentDelimiter=" … "'
    )
    # Ranking (and checking a phrase's word order) reads each candidate's whole
    # tsvector, so both run over the newest CANDIDATES stories only: those are
    # found first with the phrase loosened to its words, which the GIN index
    # answers without reading any document. ts_headline runs on one page only.
    loose = loosened(words)
    return queries.read(
        f"SELECT {queries.LISTING_COLUMNS}, "  # noqa: S608
        "ts_headline(%s::regconfig, hit.body, hit.query, %s) AS snippet "
        "FROM ("
        "  SELECT newest.article_id, newest.body, q.query, "
        "         ts_rank_cd(newest.document, q.query) AS rank "
        "  FROM ("
        "    SELECT se.article_id, se.body, se.document FROM articles_search se, "
        "         (SELECT websearch_to_tsquery(%s::regconfig, %s) "
        "                 && to_tsquery(%s::regconfig, %s) AS query) AS q "
        "    WHERE se.document @@ q.query "
        "    ORDER BY se.article_id DESC LIMIT %s"
        "  ) AS newest "
        "  JOIN articles_article a ON a.id = newest.article_id, "
        "       (SELECT websearch_to_tsquery(%s::regconfig, %s) "
        "               && to_tsquery(%s::regconfig, %s) AS query) AS q "
        f"  WHERE newest.document @@ q.query AND {queries.LIVE} "
        "  ORDER BY rank DESC, a.published_at DESC, a.id DESC LIMIT %s OFFSET %s"
        ") AS hit JOIN articles_article a ON a.id = hit.article_id "
        f"{queries.JOIN_SECTION_AND_IMAGE} "
        "ORDER BY hit.rank DESC, a.published_at DESC, a.id DESC",
        [
            _config(),
            options,
            _config(),
            loose,
            _config(),
            prefixes,
            max(CANDIDATES, offset + limit),
            _config(),
            words,
            _config(),
            prefixes,
            queries.db_time(now),
            limit,
            offset,
        ],
    )


def staff_matches(text, limit):
    """The ``limit`` newest stories matching ``text`` (any status), as SQL selecting
    ids: every word as the start of a word, as the admin's search box is typed ("harb"
    finds harbour), and the GIN index answers it without reading any document."""
    words = re.findall(r"[^\W_]+", text)[:8]
    if not words:
        return None
    return (
        "SELECT article_id FROM articles_search "
        "WHERE document @@ to_tsquery(%s::regconfig, %s) "
        "ORDER BY article_id DESC LIMIT %s",
        [_config(), " & ".join(f"{word}:*" for word in words), limit],
    )


def reindex(article_ids, documents):
    config = _config()
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO articles_search (article_id, body, document) VALUES (%s, %s, "
            "setweight(to_tsvector(%s::regconfig, %s), 'A') || "
            "setweight(to_tsvector(%s::regconfig, %s), 'B') || "
            "setweight(to_tsvector(%s::regconfig, %s), 'B') || "
            "setweight(to_tsvector(%s::regconfig, %s), 'C')) "
            "ON CONFLICT (article_id) DO UPDATE SET body = EXCLUDED.body, "
            "document = EXCLUDED.document",
            [
                (
                    d["id"],
                    d["body"],
                    config,
                    d["headline"],
                    config,
                    d["dek"],
                    config,
                    d["tags"],
                    config,
                    d["body"],
                )
                for d in documents
            ],
        )


def remove(article_ids):
    placeholders = ", ".join(["%s"] * len(article_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM articles_search WHERE article_id IN ({placeholders})",  # noqa: S608
            article_ids,
        )


def clear():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_search")


CREATE = [
    # No foreign key: the index is derived data, kept by articles.signals (a deleted
    # story is removed there), and Django's test flush must be able to empty stories.
    "CREATE TABLE IF NOT EXISTS articles_search ("
    " article_id bigint PRIMARY KEY,"
    " body text NOT NULL DEFAULT '',"
    " document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS articles_search_document ON articles_search USING gin (document)",
]
DROP = "DROP TABLE IF EXISTS articles_search"
