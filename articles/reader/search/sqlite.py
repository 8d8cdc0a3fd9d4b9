"""SQLite's FTS5 backend. Readers' queries are turned into quoted FTS5 terms, so no
input (quotes, ``*``, ``NEAR``, parentheses) can be a syntax error."""

import re

from django.db import connection

from .. import queries
from .markers import MARK_END, MARK_START

TERM = re.compile(r'(-?)"([^"]*)"|(\S+)')
WORD_CHARACTERS = re.compile(r"[^\w']+")
MAX_TERMS = 12


def fts_query(text):
    """A reader's words as a safe FTS5 query: quoted phrases and words, AND-ed; ``-word``
    excludes; ``word*`` matches a prefix. None if nothing searchable is left."""
    wanted, unwanted = [], []
    for negated_phrase, phrase, word in TERM.findall(text):
        negated = bool(negated_phrase) or (word.startswith("-") and len(word) > 1)
        raw = phrase if phrase else word.lstrip("-")
        prefix = raw.endswith("*")
        cleaned = " ".join(WORD_CHARACTERS.sub(" ", raw).split())
        if not cleaned:
            continue
        term = '"' + cleaned.replace('"', '""') + '"' + (" *" if prefix and not phrase else "")
        (unwanted if negated else wanted).append(term)
    if not wanted:
        return None
    query = " ".join(wanted[:MAX_TERMS])
    for term in unwanted[:MAX_TERMS]:
        query += f" NOT {term}"
    return query


# Ranking reads every match's statistics, so it runs over the newest WINDOW matches
# only (stories are indexed under their id, so FTS5 walks its lists newest first and
# stops there): a rare word is ranked among all its stories, a word found in tens of
# thousands among the most recent ones, as the PostgreSQL backend does. Stories are
# then joined, filtered by the LIVE rule and ordered by rank, recency breaking ties.
# Snippets are made for the returned page only.
WINDOW = 1000
CANDIDATES = 400


def search(text, now, limit, offset):
    query = fts_query(text)
    if query is None:
        return []

    wanted = offset + limit + CANDIDATES
    rows = queries.read(
        f"SELECT {queries.LISTING_COLUMNS} FROM ("  # noqa: S608
        "  SELECT id, rank FROM ("
        "    SELECT rowid AS id, rank FROM articles_search WHERE articles_search MATCH %s "
        "    ORDER BY rowid DESC LIMIT %s"
        "  ) ORDER BY rank LIMIT %s"
        ") AS hit JOIN articles_article a ON a.id = hit.id "
        f"{queries.JOIN_SECTION_AND_IMAGE} "
        f"WHERE {queries.LIVE} "
        "ORDER BY hit.rank, a.published_at DESC, a.id DESC LIMIT %s OFFSET %s",
        [query, max(WINDOW, wanted), wanted, queries.db_time(now), limit, offset],
    )
    if rows:
        ids = [row["id"] for row in rows]
        snippets = dict(
            (row["rowid"], row["snippet"])
            for row in queries.read(
                "SELECT rowid, snippet(articles_search, 2, %s, %s, '…', 28) AS snippet "  # noqa: S608
                "FROM articles_search WHERE articles_search MATCH %s "
                f"AND rowid IN ({', '.join(['%s'] * len(ids))})",
                [MARK_START, MARK_END, query, *ids],
            )
        )
        for row in rows:
            row["snippet"] = snippets.get(row["id"], "")
    return rows


def staff_matches(text, limit):
    """The ``limit`` newest stories matching ``text`` (any status), as SQL selecting ids."""
    query = fts_query(text)
    if query is None:
        return None
    return (
        "SELECT rowid FROM articles_search WHERE articles_search MATCH %s "
        "ORDER BY rowid DESC LIMIT %s",
        [query, limit],
    )


def reindex(article_ids, documents):
    with connection.cursor() as cursor:
        remove(article_ids, cursor)
        cursor.executemany(
            "INSERT INTO articles_search (rowid, headline, dek, body, tags) "
            "VALUES (%s, %s, %s, %s, %s)",
            [(d["id"], d["headline"], d["dek"], d["body"], d["tags"]) for d in documents],
        )


def remove(article_ids, cursor=None):
    placeholders = ", ".join(["%s"] * len(article_ids))
    sql = f"DELETE FROM articles_search WHERE rowid IN ({placeholders})"  # noqa: S608
    if cursor is not None:
        cursor.execute(sql, list(article_ids))
        return
    with connection.cursor() as own:
        own.execute(sql, list(article_ids))


def clear():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_search")


CREATE = [
    # Prefix indexes make "harb*" read one list instead of merging every word's.
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_search USING fts5("
    "headline, dek, body, tags, tokenize = 'unicode61 remove_diacritics 2', "
    "prefix = '2 3 4')",
    # Relevance: a headline match counts most, then dek and tags, then the body.
    "INSERT INTO articles_search (articles_search, rank) "
    "VALUES ('rank', 'bm25(10.0, 4.0, 1.0, 4.0)')",
]
DROP = "DROP TABLE IF EXISTS articles_search"
