"""
The reader path's read queries: fixed SQL returning plain rows.

Why not the ORM here? On a reader page, building a query with the ORM costs
about 0.2 ms per query and model instances with tag managers cost 2-3x more
than plain rows; together they cap a page at a fraction of what the server can
send (measured in docs/perf-notes.md and docs/benchmarks.md). Editing,
the admin and every write keep the ORM. Reads that readers trigger on every
request live here, as SQL that runs unchanged on SQLite and PostgreSQL.

Every query that returns stories includes ``LIVE``, the SQL twin of
``Article.objects.live()``; ``tests/test_queries.py`` checks that each one
returns exactly the stories ``live()`` returns.
"""

import functools
import json
from datetime import UTC, datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import Article, Front
from ..models.live import LIVE_SCOPE
from . import stampwatch

PUBLISHED = Article.Status.PUBLISHED.value


def live_at(alias="a", moment="%s"):
    """ "A reader may see this story" as SQL, for a story aliased ``alias``, at ``moment``
    (by default a parameter: the current time). Every SQL copy of the rule is built
    here, and ``LIVE`` is the common one."""
    return f"{alias}.status = '{PUBLISHED}' AND {alias}.published_at <= {moment}"


# For a story aliased ``a``; takes one parameter, the current time.
LIVE = live_at()

LISTING_COLUMNS = """
    a.id, a.headline, a.dek, a.path, a.published_at, a.dateline,
    a.live_started_at, a.live_ended_at,
    s.name AS section_name, s.slug AS section_slug,
    i.renditions AS image_renditions, i.alt_text AS image_alt
"""
STORY_COLUMNS = (
    LISTING_COLUMNS
    + """,
    a.body, a.word_count, a.slug, a.updated_at, a.revised_at, a.section_id,
    i.caption AS image_caption, i.credit AS image_credit
"""
)
# The story page alone also reads what its head tells search engines and social
# networks (see STORY_PAGE_JOIN); listings and feeds have no use for it.
STORY_PAGE_COLUMNS = (
    STORY_COLUMNS
    + """,
    a.seo_title, a.meta_description, a.social_title, a.social_description,
    si.renditions AS social_image_renditions, si.alt_text AS social_image_alt
"""
)
STORY_PAGE_JOIN = "LEFT JOIN articles_image si ON si.id = a.social_image_id"
# What every story row shows beside the story itself: its section and lead photo.
JOIN_SECTION_AND_IMAGE = """
    LEFT JOIN articles_section s ON s.id = a.section_id
    LEFT JOIN articles_image i ON i.id = a.lead_image_id
"""
FROM_ARTICLES = "FROM articles_article a " + JOIN_SECTION_AND_IMAGE
# After a subquery that picked a few story ids: read just those stories. SQLite takes
# CROSS JOIN as "keep this order", so a planner without table statistics cannot
# choose to walk every live story instead; PostgreSQL plans it as an inner join.
THEN_THEIR_STORIES = "CROSS JOIN articles_article a"


def db_time(value):
    """A moment as this database takes it in a query parameter (public: the search
    backends write their SQL on the same terms)."""
    return connection.ops.adapt_datetimefield_value(value)


def _aware(value):
    """A datetime column as an aware datetime, whichever database returned it."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


# Columns holding a time. SQLite hands back an aggregate's time (MAX(...)) as text,
# and every time without a zone: both are UTC, never the newsroom's zone.
TIME_COLUMNS = (
    "published_at",
    "updated_at",
    "revised_at",
    "changed_at",
    "live_started_at",
    "live_ended_at",
)


JSON_COLUMNS = ("image_renditions", "social_image_renditions")


def reading():
    """The connection reader queries run on: the primary, or the read replica when the
    database router sends this request's reads there (``newsroom/routers.py``; it never
    does inside a transaction, for an editor, or just after this client wrote)."""
    if not router.routers:  # no replica: what db_for_read answers, without asking
        return connections[DEFAULT_DB_ALIAS]
    return connections[router.db_for_read(Article)]


@functools.lru_cache(maxsize=512)
def _qmark(sql):
    """``sql`` in SQLite's parameter style, as Django's SQLite cursor converts it."""
    from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX  # only ever on SQLite

    return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")


def _one_row(sql, params, db=None):
    """The one row of a query run on every request, cached pages included.

    Through Django's cursor, reading the content stamp cost a cached page about
    150,000 instructions, four times what SQLite spends on it (a CursorWrapper made
    and closed, the async and thread checks twice, a regex over the SQL, a wrapper
    made around ``fetchone``: ``bench/instructions.py --steps``). On SQLite and
    PostgreSQL the row is read with the DB-API connection Django holds (``_raw_read``).
    When queries are being logged (``DEBUG``, tests counting queries) or on another
    database, it goes through Django's cursor as every other query.

    On PostgreSQL the same path runs the statement *prepared*, its parameters bound
    by the server (psycopg's own cursor; Django's puts them into the SQL text, so no
    two pages' statements are alike): planning a scoped page's stamp query took
    0.7–0.85 ms of every cached hit, twenty times what running it takes, and a
    prepared statement is planned once per kept connection (``CONN_MAX_AGE``). The
    settings allow explicit preparing only (``prepare_threshold``); docs/deploy.md
    says what a connection pooler then needs."""
    db = db or reading()
    postgres = db.vendor == "postgresql" and db.connection is not None
    postgres = postgres and db.connection.prepare_threshold is not None
    if not (db.vendor == "sqlite" or postgres) or db.queries_logged:
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    return _raw_read(db, sql, params, _fetchone)


def _fetchone(cursor):
    return cursor.fetchone()


def _columns_and_rows(cursor):
    return [column[0] for column in cursor.description], cursor.fetchall()


def _raw_read(db, sql, params, fetch):
    """``fetch(cursor)`` after running ``sql`` with the DB-API connection Django holds
    for ``db`` (SQLite, or PostgreSQL with explicit preparing), through everything that
    matters of Django's cursor: the health check and an open connection, the thread
    and broken-transaction checks, Django's error classes (``wrap_database_errors``),
    and the connection's ``execute_wrappers`` (the metrics' query count sees it).

    Django's cursor costs a reader query more than the database spends on it: a
    CursorWrapper made and closed, the async and thread checks twice, and on SQLite a
    regular expression turning every ``%s`` into ``?`` whose look-behind is tried at
    each character of the SQL (a listing's four or five queries of a kilobyte or more
    cost it about 400,000 instructions a page, callgrind). The converted SQL is kept
    (``_qmark``): the reader's statements are a fixed few. On PostgreSQL the statement
    runs prepared (see ``_one_row``)."""
    db.close_if_health_check_failed()
    if db.connection is None:
        db.ensure_connection()
    db.validate_thread_sharing()
    db.validate_no_broken_transaction()
    if db.vendor == "postgresql":
        import psycopg

        raw = psycopg.Cursor(db.connection)

        def execute(sql, params, many, context):
            return raw.execute(sql, params, prepare=True)
    else:
        raw = db.connection.cursor()

        def execute(sql, params, many, context):
            return raw.execute(_qmark(sql), params)

    for wrapper in reversed(db.execute_wrappers):  # as CursorWrapper runs them
        execute = functools.partial(wrapper, execute)
    try:
        with db.wrap_database_errors:
            execute(sql, params, False, {"connection": db, "cursor": raw})
            return fetch(raw)
    finally:
        raw.close()


def read(sql, params):
    """Run fixed SQL and return plain rows (dicts) with aware times and JSON decoded:
    every reader query, and the search backends, read through here. When queries are
    being logged (``DEBUG``, tests counting queries) or on another database, through
    Django's cursor; else on SQLite as ``_raw_read`` says."""
    db = reading()
    if db.vendor == "sqlite" and not db.queries_logged:
        names, values = _raw_read(db, sql, params, _columns_and_rows)
        rows = [dict(zip(names, row, strict=True)) for row in values]
    else:
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    # Which columns need it is known from the statement, not asked again of each row.
    times = [key for key in TIME_COLUMNS if key in names]
    documents = [key for key in JSON_COLUMNS if key in names]
    for row in rows:
        for key in times:
            value = row[key]
            if value is not None and (type(value) is not datetime or value.tzinfo is None):
                row[key] = _aware(value)
        for key in documents:
            if isinstance(row[key], str):  # SQLite keeps JSON as text
                row[key] = json.loads(row[key])
    return rows


def _one(sql, params):
    rows = read(sql, params)
    return rows[0] if rows else None


def _placeholders(values):
    return ", ".join(["%s"] * len(values))


# --- Listings ---------------------------------------------------------------


# Every listing returns LISTING_COLUMNS; full-content feeds ask for STORY_COLUMNS.


# From this offset on, a page that leaves stories out finds where it starts first.
DEEP = 200


def _newest_first(where, params, now, limit, offset, exclude_ids):
    """The ids query of one page of live stories, newest first, for a front: ``where``
    narrows them (written for a story aliased ``{t}``), ``exclude_ids`` are shown
    elsewhere on the page and left out of every page.

    Skipping OFFSET index entries is cheap only while nothing is checked on each;
    leaving stories out checks every skipped entry (page 500 took four times as
    long). So a deep page first finds the story at its offset counting every story,
    then reads on from there, skipping the left-out stories newer than that point."""
    ids = [i for i in exclude_ids if i]
    mine = where.format(t="a")
    if not ids or offset < DEEP:
        exclude = f"AND a.id NOT IN ({_placeholders(ids)})" if ids else ""
        return (
            f"SELECT a.id FROM articles_article a WHERE {mine} {LIVE} {exclude} "  # noqa: S608
            "ORDER BY a.published_at DESC, a.id DESC LIMIT %s OFFSET %s",
            [*params, db_time(now), *ids, limit, offset],
        )
    theirs = where.format(t="e")
    return (
        "WITH start AS MATERIALIZED ("  # noqa: S608
        f"  SELECT a.published_at AS published_at, a.id AS id FROM articles_article a "
        f"  WHERE {mine} {LIVE} ORDER BY a.published_at DESC, a.id DESC LIMIT 1 OFFSET %s"
        # The start is a subquery, not a table joined in, and the range one row
        # value ordered as the indexes are: joined, SQLite could not tell that one
        # row comes first, read every story older than the start and sorted them
        # (issue 13: page 11 cost more than page 500, on 20,000 stories).
        ") SELECT a.id FROM articles_article a "
        f"WHERE {mine} a.status = '{PUBLISHED}' "
        "AND (a.published_at, a.id) <= (SELECT published_at, id FROM start) "
        f"AND a.id NOT IN ({_placeholders(ids)}) "
        "ORDER BY a.published_at DESC, a.id DESC LIMIT %s OFFSET ("
        # The left-out stories newer than the start: each looked up by its id (given
        # the range instead, SQLite walked every story up to now).
        "  SELECT COUNT(*) FROM (SELECT id FROM articles_article "
        f"  WHERE id IN ({_placeholders(ids)})) AS x CROSS JOIN articles_article e "
        f"  WHERE e.id = x.id AND {theirs} {live_at('e')} "
        "  AND (e.published_at, e.id) > (SELECT published_at, id FROM start))",
        [*params, db_time(now), offset, *params, *ids, limit, *ids, *params, db_time(now)],
    )


def _paged(ids_sql, params, now, columns):
    """One page of stories: the ids are found through an index alone (so OFFSET skips
    index entries, not whole rows with their bodies), then only those rows are read.
    The LIVE rule is applied to the rows too."""
    rows = read(
        f"SELECT {columns} FROM ({ids_sql}) AS page {THEN_THEIR_STORIES} "  # noqa: S608
        f"{JOIN_SECTION_AND_IMAGE} "
        f"WHERE a.id = page.id AND {LIVE} ORDER BY a.published_at DESC, a.id DESC",
        [*params, db_time(now)],
    )
    return _hold_revisions_to(rows, now)


def _with_ids(ids, now, columns):
    """The live stories among ``ids``: the ids first, then their rows, as a page reads
    them. Otherwise SQLite may walk the live index and check each story against the
    list, a cost growing with the archive (issue 13)."""
    return _paged(
        f"SELECT id FROM articles_article WHERE id IN ({_placeholders(ids)})",  # noqa: S608
        ids,
        now,
        columns,
    )


def latest(now, limit, offset=0, exclude_ids=(), columns=LISTING_COLUMNS):
    """The newest live stories, newest first."""
    return _paged(*_newest_first("", [], now, limit, offset, exclude_ids), now, columns)


def lead(now):
    """The newest live featured story, if any."""
    return _one(
        f"SELECT {LISTING_COLUMNS} {FROM_ARTICLES} WHERE {LIVE} AND a.featured = %s "
        "ORDER BY a.published_at DESC, a.id DESC LIMIT 1",
        [db_time(now), True],
    )


def in_section(section_id, now, limit, offset=0, columns=LISTING_COLUMNS, exclude_ids=()):
    ids_sql, params = _newest_first(
        "{t}.section_id = %s AND", [section_id], now, limit, offset, exclude_ids
    )
    return _paged(ids_sql, params, now, columns)


def front_top(section_id, now):
    """(size, pins) for a front (section_id None: the home page): how many stories its
    top block holds (``Front.top_stories``, as editors set it, else the default) and
    the live stories editors pinned to it, in their order (at most the largest size).

    One round trip: the layout is a one-row table the pins are joined to, so a front
    with no pins still gets its size."""
    front = "section_id = %s" if section_id else "section_id IS NULL"
    front_params = [section_id] if section_id else []
    # The front's pins first (a handful), then their stories: written so, because a
    # planner without statistics may otherwise walk every live story looking for pins.
    rows = read(
        "SELECT layout.top_stories AS top_stories, pins.* FROM ("  # noqa: S608
        f"  SELECT COALESCE((SELECT f.top_stories FROM articles_front f WHERE f.{front}), %s)"
        "  AS top_stories) AS layout "
        f"LEFT JOIN (SELECT {LISTING_COLUMNS}, p.position AS pin_position, p.id AS pin_id FROM "
        f"  (SELECT article_id, position, id FROM articles_pin WHERE {front} "
        f"   ORDER BY position, id LIMIT 50) AS p {THEN_THEIR_STORIES} "
        f"  {JOIN_SECTION_AND_IMAGE} WHERE a.id = p.article_id AND {LIVE} "
        "  ORDER BY p.position, p.id LIMIT %s) AS pins ON 1 = 1 "
        "ORDER BY pins.pin_position, pins.pin_id",
        [
            *front_params,
            Front.DEFAULT_TOP_STORIES,
            *front_params,
            db_time(now),
            Front.MOST_TOP_STORIES,
        ],
    )
    size = rows[0]["top_stories"] if rows else Front.DEFAULT_TOP_STORIES
    pins = []
    for row in rows:
        if row["id"] is not None:
            for key in ("top_stories", "pin_position", "pin_id"):
                del row[key]
            pins.append(row)
    return size, pins[:size]


def section_heads(section_ids, now, per_section, extra=None):
    """The newest live stories of each section, in one round trip (each part uses the
    section index). ``extra`` ({section id: n}) asks n more of a section: the home
    page reads past the stories it already shows elsewhere, never the archive."""
    if not section_ids:
        return []
    extra = extra or {}
    part = (
        f"SELECT * FROM (SELECT {LISTING_COLUMNS} {FROM_ARTICLES} "  # noqa: S608
        f"WHERE a.section_id = %s AND {LIVE} "
        "ORDER BY a.published_at DESC, a.id DESC LIMIT %s) AS part"
    )
    params = []
    for section_id in section_ids:
        params += [section_id, db_time(now), per_section + extra.get(section_id, 0)]
    return read(" UNION ALL ".join([part] * len(section_ids)), params)


def related(article_id, tag_ids, now, limit, per_tag=20):
    """Live stories sharing tags with a story: most tags shared first, then newest.

    Only each tag's newest ``per_tag`` stories are considered, through the tag index,
    so a tag on thousands of stories costs no more than a rare one. The candidates
    (at most ``per_tag`` per tag) are counted and ranked here rather than by the
    database's GROUP BY and sorts, which cost several times as much per candidate,
    then only the winners' rows are read (issue 13: with 20 rather than 50 per tag,
    the newest 20 of a popular tag serve as well and a story page costs about the
    same on any archive)."""
    if not tag_ids:
        return []
    candidates = " UNION ALL ".join(
        [
            "SELECT * FROM (SELECT t.content_object_id AS id, t.published_at AS published_at "
            "FROM articles_taggedarticle t WHERE t.tag_id = %s AND t.published_at <= %s "
            "ORDER BY t.published_at DESC LIMIT %s) AS one_tag"
        ]
        * len(tag_ids)
    )
    params = []
    for tag_id in tag_ids:
        params += [tag_id, db_time(now), per_tag]
    shared, newest = {}, {}
    with reading().cursor() as cursor:
        cursor.execute(candidates, params)
        for story_id, published_at in cursor.fetchall():
            if story_id == article_id:
                continue
            shared[story_id] = shared.get(story_id, 0) + 1
            if story_id not in newest or published_at > newest[story_id]:
                newest[story_id] = published_at
    chosen = sorted(shared, key=lambda i: (shared[i], newest[i], i), reverse=True)[: limit + 10]
    if not chosen:
        return []
    rows = _with_ids(chosen, now, LISTING_COLUMNS)
    for row in rows:
        row["shared"] = shared[row["id"]]
    rows.sort(key=lambda row: (row["shared"], row["published_at"], row["id"]), reverse=True)
    return rows[:limit]


def with_tag(tag_id, now, limit, offset=0, columns=LISTING_COLUMNS):
    # The tag links carry the story's publication time only while it is published
    # (Article.save keeps them so), so the (tag, published_at, story) index alone finds
    # the page; the rows are then held to the LIVE rule as well.
    return _paged(
        "SELECT t.content_object_id AS id FROM articles_taggedarticle t "
        "WHERE t.tag_id = %s AND t.published_at <= %s "
        "ORDER BY t.published_at DESC, t.content_object_id DESC LIMIT %s OFFSET %s",
        [tag_id, db_time(now), limit, offset],
        now,
        columns,
    )


def by_author(author_id, now, limit, offset=0, columns=LISTING_COLUMNS):
    return _paged(
        "SELECT b.article_id AS id FROM articles_byline b "
        "WHERE b.author_id = %s AND b.published_at <= %s "
        "ORDER BY b.published_at DESC, b.article_id DESC LIMIT %s OFFSET %s",
        [author_id, db_time(now), limit, offset],
        now,
        columns,
    )


def between(start, end, now, limit, offset=0):
    """Live stories published in [start, end), newest first (date archives)."""
    # One upper bound for the index: with two (the period's end and now), SQLite may
    # bound its walk by the end and check every story scheduled before it (issue 13).
    if end > now:
        period, params = "a.published_at >= %s", [db_time(start)]
    else:
        period, params = (
            "a.published_at >= %s AND a.published_at < %s",
            [
                db_time(start),
                db_time(end),
            ],
        )
    return _paged(
        f"SELECT a.id FROM articles_article a WHERE {period} AND {LIVE} "  # noqa: S608
        "ORDER BY a.published_at DESC, a.id DESC LIMIT %s OFFSET %s",
        [*params, db_time(now), limit, offset],
        now,
        LISTING_COLUMNS,
    )


def story(path, now):
    """The live story at ``path`` (its stored address), or None."""
    rows = read(
        f"SELECT {STORY_PAGE_COLUMNS} {FROM_ARTICLES} {STORY_PAGE_JOIN} "
        f"WHERE a.path = %s AND {LIVE}",
        [path, db_time(now)],
    )
    return _hold_revisions_to(rows, now)[0] if rows else None


def stories_by_id(ids, now):
    """Live stories with these ids, in the order given (the read API's pages)."""
    if not ids:
        return []
    rows = _with_ids(ids, now, STORY_COLUMNS)
    order = {story_id: position for position, story_id in enumerate(ids)}
    return sorted(rows, key=lambda row: order[row["id"]])


def moved_story(old_path, now):
    """The current address of a live story that used to live at ``old_path``, or None."""
    row = _one(
        "SELECT a.path FROM articles_storyredirect r "  # noqa: S608
        "JOIN articles_article a ON a.id = r.article_id "
        f"WHERE r.old_path = %s AND {LIVE}",
        [old_path, db_time(now)],
    )
    return row["path"] if row else None


# --- Corrections ---------------------------------------------------------------
#
# The rule: a correction or update reaches readers at its time, as a story does;
# one dated in the future stays hidden until then, on the story page, in its
# "Updated" time, in feeds and on /corrections/ alike (VISIBLE_NOTE below).
# Article.revised_at stores the newest note's time, whenever it falls;
# _hold_revisions_to() holds it to the rule on every story row a reader gets.

VISIBLE_NOTE = "c.published_at <= %s"


def _hold_revisions_to(rows, now):
    """Rows whose newest note is still to come show the newest one already public
    (or none). One extra query, and only when such a note exists."""
    later = [row["id"] for row in rows if row.get("revised_at") and row["revised_at"] > now]
    if not later:
        return rows
    shown = {
        found["article_id"]: found["revised_at"]
        for found in read(
            "SELECT c.article_id, MAX(c.published_at) AS revised_at FROM articles_correction c "  # noqa: S608
            f"WHERE c.article_id IN ({_placeholders(later)}) AND {VISIBLE_NOTE} "
            "GROUP BY c.article_id",
            [*later, db_time(now)],
        )
    }
    for row in rows:
        if row["id"] in later:
            row["revised_at"] = shown.get(row["id"])
    return rows


def corrections(article_id, now):
    """A story's corrections and updates that readers may see, oldest first."""
    return read(
        "SELECT c.kind, c.text, c.published_at FROM articles_correction c "  # noqa: S608
        f"WHERE c.article_id = %s AND {VISIBLE_NOTE} ORDER BY c.published_at, c.id",
        [article_id, db_time(now)],
    )


def all_corrections(now, limit, offset=0):
    """Corrections on live stories, newest first, with their stories' headlines."""
    return read(
        # Corrections first (newest first, through their time index), then their
        # stories: not every live story checked for corrections (issue 13).
        "SELECT c.id, c.kind, c.text, c.published_at, a.headline, a.path "  # noqa: S608
        f"FROM articles_correction c {THEN_THEIR_STORIES} "
        f"WHERE a.id = c.article_id AND c.kind = 'correction' AND {VISIBLE_NOTE} AND {LIVE} "
        "ORDER BY c.published_at DESC, c.id DESC LIMIT %s OFFSET %s",
        [db_time(now), db_time(now), limit, offset],
    )


def publication_moments(now):
    """(next, last): when the next scheduled story or dated note reaches readers, or a
    breaking-news banner ends (None if none; fragments and cached pages expire then),
    and when the newest story or note did (with the content version's time, the moment
    reader pages last changed: their Last-Modified)."""
    return moments_and_banner(now)[:2]


# The stories whose banner time is ahead, read down ``article_breaking_idx`` (ordered by
# it, so no planner may prefer walking every live story by ``article_live_idx`` and
# testing each one's banner time: a cost that grew with the archive). A newsroom has a
# banner or two at a time; more than BANNER_CANDIDATES_LIMIT at once are not looked at.
BANNER_CANDIDATES_LIMIT = 50
BANNER_CANDIDATES = (
    "SELECT id, status, published_at, breaking_until FROM articles_article "  # noqa: S608
    f"WHERE breaking_until > %s ORDER BY breaking_until LIMIT {BANNER_CANDIDATES_LIMIT}"
)


def moments_and_banner(now):
    """``publication_moments`` and, in the same round trip, the breaking-news banner:
    the newest live story whose ``breaking_until`` is ahead ({"headline", "path"}, or
    None; issue 17). Each part is one step down an index, the banner's through
    ``article_breaking_idx`` (the few stories whose banner time is ahead), so every
    page learns of it with the query it already made, once per content version."""
    row = _one(
        "SELECT m.*, b.headline AS banner_headline, b.path AS banner_path FROM ("  # noqa: S608
        "SELECT (SELECT MIN(a.published_at) FROM articles_article a "
        "        WHERE a.status = %s AND a.published_at > %s) AS next_story, "
        "       (SELECT MIN(c.published_at) FROM articles_correction c "
        "        WHERE c.published_at > %s) AS next_note, "
        "       (SELECT MAX(a.published_at) FROM articles_article a "
        "        WHERE a.status = %s AND a.published_at <= %s) AS last_story, "
        "       (SELECT MAX(c.published_at) FROM articles_correction c "
        "        WHERE c.published_at <= %s) AS last_note, "
        "       (SELECT MIN(k.breaking_until) FROM ("
        f"          {BANNER_CANDIDATES}) AS k WHERE k.status = %s) AS banner_ends, "
        f"      (SELECT k.id FROM ({BANNER_CANDIDATES}) AS k WHERE {live_at('k')} "
        "        ORDER BY k.published_at DESC, k.id DESC LIMIT 1) AS banner_id"
        ") AS m LEFT JOIN articles_article b ON b.id = m.banner_id",
        [
            PUBLISHED,
            db_time(now),
            db_time(now),
            PUBLISHED,
            db_time(now),
            db_time(now),
            db_time(now),
            PUBLISHED,
            db_time(now),
            db_time(now),
        ],
    )
    moments = {key: _aware(value) for key, value in (row or {}).items() if key[:6] != "banner"}
    upcoming = [moments.get(key) for key in ("next_story", "next_note")]
    upcoming.append(_aware((row or {}).get("banner_ends")))
    past = [moments.get(key) for key in ("last_story", "last_note")]
    banner = None
    if row and row["banner_id"] is not None:
        banner = {"id": row["banner_id"], "headline": row["banner_headline"]}
        banner["path"] = row["banner_path"]
    return (
        min((m for m in upcoming if m), default=None),
        max((m for m in past if m), default=None),
        banner,
    )


# --- Bylines and tags for a set of stories ----------------------------------


def bylines(article_ids):
    """{article id: [{"name", "slug"}, ...]} in byline order."""
    found = {article_id: [] for article_id in article_ids}
    if not article_ids:
        return found
    for row in read(
        "SELECT b.article_id, au.name, au.slug FROM articles_byline b "  # noqa: S608
        "JOIN articles_author au ON au.id = b.author_id "
        f"WHERE b.article_id IN ({_placeholders(article_ids)}) "
        "ORDER BY b.article_id, b.position, b.id",
        list(article_ids),
    ):
        found[row.pop("article_id")].append(row)
    return found


def labels(article_ids):
    """Bylines and tags of a set of stories in one query.

    Returns ({id: [author rows]}, {id: [tag rows]}), each row {"name", "slug"}.
    """
    authors = {article_id: [] for article_id in article_ids}
    tags = {article_id: [] for article_id in article_ids}
    if not article_ids:
        return authors, tags
    ids = list(article_ids)
    for row in read(
        "SELECT 0 AS kind, b.article_id AS article_id, au.name AS name, au.slug AS slug, "  # noqa: S608
        "b.position AS position, au.id AS ref_id FROM articles_byline b "
        "JOIN articles_author au ON au.id = b.author_id "
        f"WHERE b.article_id IN ({_placeholders(ids)}) "
        "UNION ALL "
        "SELECT 1, t.content_object_id, tg.name, tg.slug, 0, tg.id FROM articles_taggedarticle t "
        "JOIN taggit_tag tg ON tg.id = t.tag_id "
        f"WHERE t.content_object_id IN ({_placeholders(ids)}) "
        "ORDER BY 1, 2, 5, 3",
        ids + ids,
    ):
        target = tags if row["kind"] else authors
        target[row["article_id"]].append(
            {"name": row["name"], "slug": row["slug"], "id": row["ref_id"]}
        )
    return authors, tags


# --- Page headers -----------------------------------------------------------


def section_by_slug(slug):
    return _one("SELECT id, name, slug, description FROM articles_section WHERE slug = %s", [slug])


# A tag or an author is public once one of their stories is live, never before: the
# links carry the story's publication time only while it is published (Article.save),
# so "a link dated by now" is the LIVE rule, answered by the (x, published_at) index.


def author_by_slug(slug, now):
    return _one(
        "SELECT au.id, au.name, au.slug, au.bio FROM articles_author au WHERE au.slug = %s "
        "AND EXISTS (SELECT 1 FROM articles_byline b "
        "            WHERE b.author_id = au.id AND b.published_at <= %s)",
        [slug, db_time(now)],
    )


def tag_by_slug(slug, now):
    return _one(
        "SELECT tg.id, tg.name, tg.slug FROM taggit_tag tg WHERE tg.slug = %s "
        "AND EXISTS (SELECT 1 FROM articles_taggedarticle t "
        "            WHERE t.tag_id = tg.id AND t.published_at <= %s)",
        [slug, db_time(now)],
    )


def renamed_tag(old_slug):
    """The slug a renamed or merged tag now has, or None."""
    row = _one(
        "SELECT t.slug FROM articles_tagredirect r JOIN taggit_tag t ON t.id = r.tag_id "
        "WHERE r.old_slug = %s",
        [old_slug],
    )
    return row["slug"] if row else None


def sections():
    return read("SELECT id, name, slug FROM articles_section ORDER BY position, name", [])


@functools.lru_cache(maxsize=4)
def _stamp(version, changed_at):
    return (version, _aware(changed_at))


def content_stamp(scope=None, story_path=None):
    """The site-wide content version and when it last changed, and for a page kept
    under a scope (see ContentVersion and PageStamp) the page's own stamp: the shared
    version, the scope's (None if it never changed) and, for the story at
    ``story_path``, the newest of its tags' stamps (its Related stories change with
    them alone), all in the same one-row read.

    Read on every request, cached pages included, so it skips ``read()``'s row
    building: the time is parsed once per version, not once per request.

    Read from the same database as the page itself (the replica for a reader's page
    when there is one): a replica only moves forward, so a page rendered after reading
    version V there holds V's content or newer, never older (docs/deploy.md)."""
    db = reading()
    kept = _kept_stamps(db)
    if kept is not None:
        found = kept.get((scope, story_path))
        if found is None:
            found = kept[scope, story_path] = _read_stamp(db, scope, story_path)
        return found
    return _read_stamp(db, scope, story_path)


# At most this many pages' stamps are kept per connection (one per story read since the
# last change); past it they are dropped and read again.
KEPT_STAMPS = 4096


def _kept_stamps(db):
    """The stamps read on ``db``'s connection since the database last changed, by
    (scope, story path), or None where they cannot be kept (see below).

    A hit read its stamp row on every request: a query of three tables for a story's
    page (its tags' stamps), a third of the in-process cost of its hit. On SQLite, a
    row read is still true while ``PRAGMA data_version`` is unchanged (it moves when
    any other connection, in any process, commits to the database) and the
    connection's own ``total_changes`` too (it moves with each row this connection
    writes, rolled back or not): a statement that reads no table, as cheap as the
    simplest stamp read, and the same for every page. So what a reader sees is
    unchanged: the first request after a change, on every worker, reads the stamp
    again. Kept on the connection's wrapper (one per thread), with the connection
    itself in the mark: ``data_version`` is a property of one connection.

    Not inside a transaction (a stamp read there may be rolled back with it, and a
    transaction does not see others' commits anyway), nor while queries are logged
    (``DEBUG``, tests counting queries: they see the stamp read as before), nor on
    another database.

    On PostgreSQL, the mark is the generation of this process's stamp listener
    (``stampwatch``): the stamps read are kept while no notification of a change
    arrived and the listener was proven alive lately, and with a read replica never
    (see ``stampwatch`` for the bound this gives)."""
    if db.in_atomic_block or db.queries_logged:
        return None
    if db.vendor == "postgresql":
        if router.routers or not settings.STAMP_LISTENER:
            return None
        mark = stampwatch.listener.current(db)  # before the stamps are read
        if mark is None:
            return None
    elif db.vendor == "sqlite":
        version = _raw_read(db, "PRAGMA data_version", (), _fetchone)[0]
        mark = (db.connection, version, db.connection.total_changes)
    else:
        return None
    kept = getattr(db, "newsroom_stamps", None)
    if kept is None or kept[0] != mark or len(kept[1]) >= KEPT_STAMPS:
        kept = db.newsroom_stamps = (mark, {})
    return kept[1]


def _read_stamp(db, scope, story_path):
    """``content_stamp``'s answer, read from the database."""
    if scope is None:
        row = _one_row(
            "SELECT version, changed_at FROM articles_contentversion WHERE id = 1", [], db
        )
        return (_stamp(*row) if row else (0, None)), None
    if scope == LIVE_SCOPE:
        # A site-wide page showing live stories' last-update times (the front): the
        # site-wide version and the live updates' stamp (articles.models.live).
        row = _one_row(
            "SELECT version, changed_at, "
            "(SELECT version FROM articles_pagestamp WHERE scope = %s) "
            "FROM articles_contentversion WHERE id = 1",
            [LIVE_SCOPE],
            db,
        )
        if not row:
            return (0, None), None
        # Before any live update, such a page is kept as any site-wide page is.
        return _stamp(row[0], row[1]), (row[0], row[2], None) if row[2] else None
    row = _one_row(
        "SELECT version, changed_at, shared_version, "
        "(SELECT version FROM articles_pagestamp WHERE scope = %s), "
        "(SELECT MAX(ps.version) FROM articles_article a "
        " JOIN articles_taggedarticle ta ON ta.content_object_id = a.id "
        " JOIN taggit_tag t ON t.id = ta.tag_id "
        " JOIN articles_pagestamp ps ON ps.scope = 'tag:' || t.slug "
        " WHERE a.path = %s) "
        "FROM articles_contentversion WHERE id = 1",
        [scope, story_path],
        db,
    )
    if not row:
        return (0, None), (0, None, None)
    return _stamp(row[0], row[1]), (row[2], row[3], row[4])
