"""
Full-text search over headline, dek, body and tags: one interface, two backends.

On the embedded SQLite database the index is an FTS5 table; on PostgreSQL it is a
``tsvector`` table with a GIN index, queried with ``websearch_to_tsquery``. Every
story is indexed, drafts included, and the LIVE rule is applied when searching,
so a scheduled story is found from its time on and a withdrawn one at once,
without reindexing. The index is kept current by ``articles.signals`` in the
same transaction as the change, except where one change touches thousands of
stories (a tag renamed or merged): those are re-indexed by a task once it commits
(``tasks.py``).
"""

import html
import re

from django.db import connection
from django.utils.html import strip_tags

from ...text import strip_control_characters
from . import postgres, sqlite
from .markers import MARK_END, MARK_START

MAX_QUERY_LENGTH = 200


def backend():
    return postgres if connection.vendor == "postgresql" else sqlite


def search(query, now, limit, offset=0):
    """Live stories matching ``query``, best first, each with a highlighted ``snippet``."""
    query = strip_control_characters(query or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    if not query:
        return []
    rows = backend().search(query, now, limit, offset)
    for row in rows:
        row["snippet"] = highlight(row["snippet"] or "")
    return rows


STAFF_MATCHES = 1000


def staff_matches(query, limit=STAFF_MATCHES):
    """The ``limit`` newest stories of any status matching ``query``, as ``(sql,
    params)`` selecting their ids, or None when nothing in ``query`` is searchable.
    A word found in most of the archive then costs what a rare one does: the index
    is walked newest first and stops (stories are indexed under their id).

    For the admin's story search and story pickers: they apply who may see what
    (``articles.access``) and their own order, so no LIVE rule here. Each word
    also matches as the start of a longer one ("harb" finds "harbour"), as an
    editor typing into a picker expects; quoted phrases and ``-word`` keep their
    meaning.
    """
    query = strip_control_characters(query or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    prefixed = " ".join(
        term if term.startswith(("-", '"')) or term.endswith("*") else term + "*"
        for term in PHRASE_OR_WORD.findall(query)
    )
    return backend().staff_matches(prefixed, limit) if prefixed else None


# A quoted phrase (possibly excluded) or a word: the units a reader's query is made of.
PHRASE_OR_WORD = re.compile(r'-?"[^"]*"?|\S+')


def highlight(text):
    """Escape a snippet, then turn the backend's match markers into <mark> elements."""
    escaped = html.escape(text.replace("\n", " "), quote=False)
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def documents(article_ids, Article=None, TaggedArticle=None):
    """What is indexed for each story: its text without markup, and its tags.

    Migrations pass their historical models; everything else uses the current ones.
    """
    if Article is None:
        from ...models import Article, TaggedArticle

    tags = {}
    for story_id, name in TaggedArticle.objects.filter(
        content_object_id__in=article_ids
    ).values_list("content_object_id", "tag__name"):
        tags.setdefault(story_id, []).append(name)
    for story in Article.objects.filter(id__in=article_ids).values("id", "headline", "dek", "body"):
        body = re.sub(r"\s+", " ", html.unescape(strip_tags(story["body"].replace("<", " <"))))
        yield {
            "id": story["id"],
            "headline": story["headline"],
            "dek": story["dek"],
            "body": body.strip(),
            "tags": " ".join(tags.get(story["id"], [])),
        }


def reindex(article_ids, **models):
    article_ids = list(article_ids)
    if article_ids:
        backend().reindex(article_ids, list(documents(article_ids, **models)))


INDEX_BATCH = 500


def reindex_many(article_ids, **models):
    """Index many stories at once (an import's batch, a rebuild): their text and tags read
    in two queries and written in one statement per ``INDEX_BATCH`` stories, where the
    signals index one story per save. Ids of stories that no longer exist are taken out."""
    article_ids = sorted(set(article_ids))
    for start in range(0, len(article_ids), INDEX_BATCH):
        chunk = article_ids[start : start + INDEX_BATCH]
        found = list(documents(chunk, **models))
        gone = set(chunk) - {document["id"] for document in found}
        if gone:
            backend().remove(sorted(gone))
        if found:
            backend().reindex(chunk, found)


def remove(article_ids):
    article_ids = list(article_ids)
    if article_ids:
        backend().remove(article_ids)


def rebuild(**models):
    """Index every story again (after a bulk load that bypassed the models)."""
    from ...models import Article

    fold_accents = getattr(backend(), "fold_accents", None)
    if fold_accents:
        with connection.cursor() as cursor:
            fold_accents(cursor)
    backend().clear()
    ids = list(models.get("Article", Article).objects.values_list("id", flat=True))
    reindex_many(ids, **models)
    return len(ids)
