"""
The calendar and the planning budget: what the desk does in one day or one week.

Both are one screen (``ArticleAdmin.calendar_view``) over one period at a time, with
navigation to the period before and after: the **calendar** is a week of stories
published or scheduled, by day; the **budget** extends it to every story planned,
drafted, in review, scheduled or published in a day or a week, by section. Either
costs what its period holds, never what the archive holds: no story body and no
byline is read, rows come back as the few columns the page prints (``values()``),
not as model instances, and the number of queries is fixed (two for the calendar,
three for the budget).

Who may see which story is ``access.stories_visible_to``; whose notes a user may
count is ``access.notes_visible_to``.
"""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .. import access
from ..models import Article, EditorialNote

Status = Article.Status

PERIODS = ("day", "week")


def period_bounds(period, day):
    """The (start, end) of the day or the Monday-to-Sunday week holding ``day`` (a date),
    in the newsroom's time zone."""
    if period == "week":
        day = day - timedelta(days=day.weekday())
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(
        datetime.combine(day + timedelta(days=7 if period == "week" else 1), time.min)
    )
    return start, end


def _person(first_name, last_name, username):
    """A user's name as ``User.get_full_name() or username`` gives it, from a row."""
    return f"{first_name or ''} {last_name or ''}".strip() or username


def calendar(user, start, end, now=None):
    """The stories published or scheduled between ``start`` and ``end`` that ``user``
    may see, in publication order, as dicts: ``pk``, ``headline``, ``published_at``,
    ``section`` (a name or None) and ``scheduled``. One query, on the (status,
    publication time) index."""
    now = now or timezone.now()
    stories = Article.objects.filter(
        status=Status.PUBLISHED, published_at__gte=start, published_at__lt=end
    )
    rows = list(
        access.stories_visible_to(user, stories, now=now)
        .order_by("published_at", "pk")
        .values("pk", "headline", "published_at", "section__name")
    )
    for row in rows:
        row["section"] = row.pop("section__name")
        row["scheduled"] = row["published_at"] > now
    return rows


BUDGET_COLUMNS = (
    "pk",
    "headline",
    "status",
    "published_at",
    "planned_for",
    "word_count",
    "target_words",
    "section__name",
    "section__position",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
)


def budget(user, start, end, now=None):
    """Every story planned, drafted, in review, scheduled or published between ``start``
    and ``end`` that ``user`` may see (a draft or a story in review counts when it was
    last worked on), as [(section name or None, [story, ...])] in section order, each
    story a dict: ``pk``, ``headline``, ``status``, ``scheduled``, ``words`` (its length
    at its last save, ``Article.word_count``: no body is read), ``target_words``,
    ``slot`` (its publication time once it has one, else its planned slot),
    ``assignee`` (a name or None) and ``open_notes`` (threads this user may read).
    Three queries, whatever the period holds."""
    now = now or timezone.now()
    in_period = (
        Q(planned_for__gte=start, planned_for__lt=end)
        | Q(status=Status.PUBLISHED, published_at__gte=start, published_at__lt=end)
        | Q(status__in=[Status.DRAFT, Status.REVIEW], updated_at__gte=start, updated_at__lt=end)
    )
    # The period first (each term is one an index answers), then who may see them:
    # led by the visibility rule instead, SQLite walks every live story for a writer.
    # Unordered (the lines are sorted below): with the model's default order, a database
    # may walk an index in that order and test every story against the period.
    found = list(
        Article.objects.filter(in_period)
        .exclude(status=Status.WITHDRAWN)
        .order_by()
        .values_list("pk", flat=True)
    )
    rows = list(
        access.stories_visible_to(user, Article.objects.filter(pk__in=found), now=now)
        .order_by()
        .values(*BUDGET_COLUMNS)
    )
    # Another writer's notes are none of this user's business: not even their number.
    open_counts = dict(
        access.notes_visible_to(user, EditorialNote.objects.open())
        .filter(article_id__in=[row["pk"] for row in rows])
        .values_list("article_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    sections = {}
    for row in rows:
        stories = sections.setdefault((row["section__name"], row["section__position"]), [])
        stories.append(
            {
                "pk": row["pk"],
                "headline": row["headline"],
                "status": row["status"],
                "scheduled": row["status"] == Status.PUBLISHED and row["published_at"] > now,
                "words": row["word_count"],
                "target_words": row["target_words"],
                "slot": row["published_at"] or row["planned_for"],
                "assignee": _person(
                    row["assignee__first_name"],
                    row["assignee__last_name"],
                    row["assignee__username"],
                )
                if row["assignee__username"]
                else None,
                "open_notes": open_counts.get(row["pk"], 0),
            }
        )
    # Sections in their order on the site (position, then name), "No section" last.
    ordered = sorted(
        sections.items(),
        key=lambda item: (item[0][0] is None, item[0][1] or 0, item[0][0] or ""),
    )
    return [
        (name, sorted(stories, key=lambda s: (s["slot"] is None, s["slot"] or now, s["headline"])))
        for (name, _position), stories in ordered
    ]
