"""
The reader side of live coverage (issue 17): a live story's updates as plain rows.

Every query here holds updates to ``VISIBLE``, the SQL twin of
``LiveUpdate.visible_q`` (published, and its time has come), and reads them through
the (story, status, published_at, id) index, so the first screen of a story with
thousands of updates reads one page of them, never all.

Order is (published_at, id), newest first by default; ``?before=<id>`` pages to older
updates, and the endpoint's ``?after=<id>`` answers those newer than the one a
reader's page shows last.
"""

import functools
import hashlib

from django.http import Http404
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from markupsafe import Markup

from ..images.presentation import picture
from ..models import LiveUpdate
from . import addresses, metadata
from .dates import machine_time, short_date, time_of_day
from .queries import LIVE, _aware, _one, _placeholders, db_time, read

PUBLISHED = LiveUpdate.Status.PUBLISHED.value
PAGE_SIZE = 20  # the first screen; also the JSON-LD's latest 20 (issue 17)
KEY_EVENTS = 12  # key events and pinned updates listed at the top
ENDPOINT_LIMIT = 50  # a poll after a long absence gets the newest 50 and a reload link


def visible_at(alias="u", moment="%s"):
    """ "A reader may see this update" as SQL for an update aliased ``alias``."""
    return f"{alias}.status = '{PUBLISHED}' AND {alias}.published_at <= {moment}"


VISIBLE = visible_at()
COLUMNS = """
    u.id, u.published_at, u.body, u.key_event, u.pinned,
    i.renditions AS image_renditions, i.alt_text AS image_alt,
    i.caption AS image_caption, i.credit AS image_credit
"""
FROM_UPDATES = "FROM articles_liveupdate u LEFT JOIN articles_image i ON i.id = u.photo_id"
NEWER = "(u.published_at > m.published_at OR (u.published_at = m.published_at AND u.id > m.id))"
OLDER = "(u.published_at < m.published_at OR (u.published_at = m.published_at AND u.id < m.id))"
FROM_ON = "(u.published_at < m.published_at OR (u.published_at = m.published_at AND u.id <= m.id))"


def _rows(sql, params):
    rows = read(sql, params)
    for row in rows:
        row["published_at"] = _aware(row["published_at"])
    return rows


def updates(story_id, now, limit, *, before=None, after=None, at=None, oldest_first=False):
    """Visible updates of a story, newest first (or oldest first), at most ``limit``;
    ``before``/``after``: only those older/newer than the update with that id (which
    must be the story's, else nothing is older or newer); ``at``: that one and older.
    At most one of the three."""
    where, params = [f"u.story_id = %s AND {VISIBLE}"], [story_id, db_time(now)]
    joins = ""
    for mark, test in ((before, OLDER), (after, NEWER), (at, FROM_ON)):
        if mark is not None:
            joins = (
                "CROSS JOIN (SELECT published_at, id FROM articles_liveupdate "
                "WHERE id = %s AND story_id = %s) AS m"
            )
            params = [mark, story_id, *params]
            where.append(test)
    direction = "ASC" if oldest_first else "DESC"
    return _rows(
        f"SELECT {COLUMNS} {FROM_UPDATES} {joins} WHERE {' AND '.join(where)} "
        f"ORDER BY u.published_at {direction}, u.id {direction} LIMIT %s",
        [*params, limit],
    )


def highlights(story_id, now):
    """The story's key events and pinned updates, newest first (a handful each), each
    through its own index: never a walk through a long story's updates."""
    part = (
        f"SELECT * FROM (SELECT {COLUMNS} {FROM_UPDATES} WHERE u.story_id = %s "  # noqa: S608
        "AND u.{flag} = %s AND " + VISIBLE + " ORDER BY u.published_at DESC, u.id DESC "
        "LIMIT %s) AS {flag}"
    )
    rows = _rows(
        part.format(flag="key_event") + " UNION " + part.format(flag="pinned"),
        [story_id, True, db_time(now), KEY_EVENTS] * 2,
    )
    rows.sort(key=lambda row: (row["published_at"], row["id"]), reverse=True)
    return rows


def update_authors(update_ids):
    """{update id: [{"name", "slug"}]} for a set of updates, in one query."""
    found = {update_id: [] for update_id in update_ids}
    if not update_ids:
        return found
    for row in read(
        "SELECT ua.liveupdate_id AS update_id, au.name, au.slug "  # noqa: S608
        "FROM articles_liveupdate_authors ua JOIN articles_author au ON au.id = ua.author_id "
        f"WHERE ua.liveupdate_id IN ({_placeholders(update_ids)}) ORDER BY au.name",
        list(update_ids),
    ):
        found[row.pop("update_id")].append(row)
    return found


def moments(story_id, now):
    """(the newest visible update's time, the next scheduled one's) for a story: the
    page's "last update" and when its stored copy stops being true."""
    row = read(
        "SELECT (SELECT MAX(u.published_at) FROM articles_liveupdate u "  # noqa: S608
        f"        WHERE u.story_id = %s AND {VISIBLE}) AS last_at, "
        "       (SELECT MIN(u.published_at) FROM articles_liveupdate u "
        "        WHERE u.story_id = %s AND u.status = %s AND u.published_at > %s) AS next_at",
        [story_id, db_time(now), story_id, PUBLISHED, db_time(now)],
    )[0]
    return _aware(row["last_at"]), _aware(row["next_at"])


def last_updates(story_ids, now):
    """{story id: (its newest visible update's time, its next scheduled update's time)}
    for the live stories of a listing or feed, in one query: two index lookups a story
    (``liveupdate_story_idx``), never a walk through a long story's updates."""
    if not story_ids:
        return {}
    moment = db_time(now)
    rows = read(
        "SELECT a.id, "  # noqa: S608
        "(SELECT MAX(u.published_at) FROM articles_liveupdate u "
        f" WHERE u.story_id = a.id AND {VISIBLE}) AS last_at, "
        "(SELECT MIN(u.published_at) FROM articles_liveupdate u "
        " WHERE u.story_id = a.id AND u.status = %s AND u.published_at > %s) AS next_at "
        f"FROM articles_article a WHERE a.id IN ({_placeholders(story_ids)})",
        [moment, PUBLISHED, moment, *story_ids],
    )
    return {
        row["id"]: (_aware(row["last_at"]), _aware(row["next_at"]))
        for row in rows
        if row["last_at"] or row["next_at"]
    }


# --- Presenting ----------------------------------------------------------------


def present(rows):
    """Update rows as story.html and the endpoint show them: times, bylines, photo."""
    authors = update_authors([row["id"] for row in rows])
    zone, language = timezone.get_current_timezone(), get_language()  # once, not per row
    for row in rows:
        row["anchor"] = f"update-{row['id']}"
        row["iso_date"] = machine_time(row["published_at"])
        row["time_label"] = time_of_day(row["published_at"], zone, language)
        row["authors"] = addresses.linked(authors[row["id"]], "author")
        row["html"] = Markup(row["body"] or "")  # noqa: S704  (sanitised on every save)
        row["text"] = row["html"].striptags()  # for the JSON-LD and the key events
        row["photo"] = picture(
            row["image_renditions"],
            row["image_alt"],
            caption=row["image_caption"],
            credit=row["image_credit"],
        )
    return rows


def coverage(row, last_at=None, next_at=None):
    """A story row's live state for templates: "live", "closed" or None, and times."""
    started, ended = row.get("live_started_at"), row.get("live_ended_at")
    if started is None:
        return None
    state = {"open": ended is None, "started_iso": machine_time(started)}
    if ended is not None:
        state["closed_label"] = f"{short_date(ended)}, {time_of_day(ended)}"
        state["closed_iso"] = machine_time(ended)
    if last_at is not None:
        state["last_label"] = time_of_day(last_at)
        state["last_iso"] = machine_time(last_at)
    if next_at is not None:
        state["next_at"] = next_at  # not shown: when the page showing it goes stale
    return state


def mark_listing(rows, now, with_times=True):
    """Give listing rows of live stories their Live marker and, if ``with_times``, the
    time of their last update (one query, only when the page shows a live story)."""
    live = [row for row in rows if row.get("live_started_at")]
    found = last_updates([row["id"] for row in live], now) if with_times and live else {}
    for row in rows:
        row["coverage"] = coverage(row, *found.get(row["id"], ())) if row in live else None
    return rows


def listing_valid_until(rows):
    """When a listing showing ``rows`` goes stale by itself: the first of its live
    stories' scheduled updates comes out and moves its last-update time (or None)."""
    moments = [row["coverage"].get("next_at") for row in rows if row and row.get("coverage")]
    return min((moment for moment in moments if moment), default=None)


@functools.cache
def _suffix(name):
    """What follows a story's address in the address of its updates (``name``)."""
    story = reverse("story", kwargs={"year": 2000, "month": 1, "day": 1, "slug": "s"})
    return reverse(name, kwargs={"year": 2000, "month": 1, "day": 1, "slug": "s"})[len(story) :]


def address(story_path, name):
    """A story's updates endpoint ("story-updates") or feeds ("story-updates-atom",
    "story-updates-json")."""
    return story_path + _suffix(name)


# --- A live story page's part ----------------------------------------------------


def update_id(raw):
    """``?before=`` / ``?after=``: an update's number, or None if absent. Anything else
    is a 404 (raised by the caller's ``Http404``)."""
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValueError(raw)
    return int(raw)


def story_part(row, now, *, order="newest", before=None, at=None):
    """What story.html shows of a live story: its coverage state, key events, pinned
    updates and one screen of updates (``PAGE_SIZE``, at most), with the address of
    the older ones; ``valid_until``: when the next scheduled update comes out."""
    oldest_first = order == "oldest"
    rows = updates(row["id"], now, PAGE_SIZE + 1, before=before, at=at, oldest_first=oldest_first)
    before = before if at is None else at  # either way, a page further down
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    top = highlights(row["id"], now)
    present(rows + top)
    shown = {update["id"] for update in rows}
    for update in top:  # a key event off this screen opens the screen starting with it
        on_screen = update["id"] in shown
        update["link"] = ("" if on_screen else f"?at={update['id']}") + f"#{update['anchor']}"
    last_at, next_at = moments(row["id"], now)
    if oldest_first or before is not None:
        latest = present(updates(row["id"], now, PAGE_SIZE))  # for the JSON-LD
    else:
        latest = rows
    query = "order=oldest&" if oldest_first else ""
    newest = rows[0]["id"] if rows and not oldest_first and before is None else None
    return {
        "coverage": coverage(row, last_at),
        "updates": rows,
        "latest": latest,
        "key_events": [u for u in top if u["key_event"]][:KEY_EVENTS],
        "pinned": [u for u in top if u["pinned"]][:KEY_EVENTS] if before is None else [],
        "older": f"?{query}before={rows[-1]['id']}" if more and rows else "",
        "oldest_first": oldest_first,
        "paged": before is not None,
        "endpoint": address(row["path"], "story-updates"),
        "feeds": [
            {"name": "Atom", "href": address(row["path"], "story-updates-atom")},
            {"name": "JSON Feed", "href": address(row["path"], "story-updates-json")},
        ],
        # The script polls for updates newer than this one (only on the first screen,
        # newest first: elsewhere new updates would not belong at the top).
        "newest_id": newest,
        "poll": before is None and not oldest_first and row.get("live_ended_at") is None,
        "valid_until": next_at,
    }


def arguments(request):
    """(order, before, at): what a live story page's address asks for (``?order=oldest``,
    ``?before=<id>``, ``?at=<id>``); anything that is not an update's number is a 404."""
    order = "oldest" if request.GET.get("order") == "oldest" else "newest"
    try:
        before = update_id(request.GET.get("before"))
        at = update_id(request.GET.get("at")) if before is None else None
    except ValueError:
        raise Http404("No such update.") from None
    return order, before, at


@functools.cache
def _part_macro():
    return engines["reader"].env.get_template("includes/live.html").module.live_part


@functools.cache
def _marks():
    """(the HTML mark, the JSON mark) a page is rendered with where the live part's HTML
    and its BlogPostings go (:func:`splice`): derived from the secret key, so no story
    or update text can forge one, and the same in every worker, so every worker gives
    the same page the same ETag. ASCII without ``<``, ``>`` or ``&`` in the JSON's."""
    token = salted_hmac("newsroom.reader.live.splice", "mark").hexdigest()[:24]
    return f"<!--{token}:live-part-->", f"live-part-{token}-blog-updates"


class _Placeholder(metadata.Serialised):
    """Stands in the JSON-LD for the BlogPostings until :func:`splice` puts them in."""

    __slots__ = ()

    def __init__(self, text):
        self.text = text


def rendered_part(row, now, order="newest", before=None, at=None):
    """``story_part`` with what the page prints of it done once: its HTML and its updates
    as the JSON-LD's BlogPostings, both serialised and encoded to UTF-8 (``spliced``),
    so a copy kept by ``fragments.live_part`` costs a request nothing more. The page is
    rendered with marks in their place (``html``, ``blog_updates``) and :func:`splice`
    puts the bytes in: two thirds of a long live story's page are never joined,
    encoded or hashed per request."""
    part = story_part(row, now, order=order, before=before, at=at)
    blog = metadata.Serialised(  # once, not per request
        metadata.blog_updates(metadata.absolute(row["path"]), part["latest"])
    )
    html_mark, blog_mark = _marks()
    pieces = (
        (html_mark.encode(), _part_macro()(part, row["path"]).encode()),
        (blog_mark.encode(), blog.text.encode()),
    )
    digest = hashlib.md5(usedforsecurity=False)
    for _, encoded in pieces:
        digest.update(b"%d:" % len(encoded) + encoded)
    part["spliced"], part["digest"] = pieces, digest.digest()
    part["html"], part["blog_updates"] = Markup(html_mark), _Placeholder(blog_mark)  # noqa: S704
    return part


def splice(response, part):
    """Put a live story's part (``rendered_part``) into its rendered page, in place of
    its marks, as bytes, and give the page its ETag: a digest of the page around the
    part and of the part (kept with it), so only the page around it is hashed per
    request. The page cache keeps an ETag a view set (``pagecache``)."""
    content = response.content
    digest = hashlib.md5(content, usedforsecurity=False)
    digest.update(part["digest"])
    found = sorted((content.find(mark), mark, encoded) for mark, encoded in part["spliced"])
    pieces, start = [], 0
    for at, mark, encoded in found:
        if at < 0:  # not printed (a page without the JSON-LD): nothing to put in
            continue
        pieces += (content[start:at], encoded)
        start = at + len(mark)
    pieces.append(content[start:])
    response.content = b"".join(pieces)
    response["ETag"] = f'"{digest.hexdigest()}"'
    return response


def for_request(request, row, now):
    """The live part of a story page for this request (``arguments``), or None for a
    story that never was live coverage. Built afresh: ``fragments.live_part`` keeps the
    first screens."""
    if row.get("live_started_at") is None:
        return None
    return rendered_part(row, now, *arguments(request))


def live_story(path, now):
    """The live story at ``path`` with its coverage times (no body), or None."""
    return _one(
        "SELECT a.id, a.path, a.headline, a.live_started_at, a.live_ended_at "  # noqa: S608
        f"FROM articles_article a WHERE a.path = %s AND {LIVE}",
        [path, db_time(now)],
    )
