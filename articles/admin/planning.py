"""
The calendar and the planning budget as one admin page (``ArticleAdmin.calendar_view``):
without ``period``, the calendar of a week (what goes out, by day); with
``period=day|week``, the budget of that day or week (every story the desk works on,
by section). ``date`` picks the day or the week; each page links to the one before and
after. What the stories are is ``articles.editorial.planning``; this module turns its
rows into the lines the template prints, once, rather than by a thousand template
lookups, and builds every story's address from one reversed address
(``lists.change_url``).
"""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode

from ..editorial import planning
from ..models import Article
from .lists import change_url

STATUS_LABELS = dict(Article.Status.choices)


def planning_urls(day=None, period=None, step=None):
    """Addresses of the calendar and the planning view: this week's calendar, today's day
    and week, and (given ``day`` and ``step``) the ``period`` before and after ``day``."""
    calendar = reverse("admin:articles_article_calendar")
    today = timezone.localdate()
    urls = {
        "calendar": calendar,
        "today_day": f"{calendar}?{urlencode({'period': 'day', 'date': today})}",
        "today_week": f"{calendar}?{urlencode({'period': 'week', 'date': today})}",
    }
    if day is not None and step is not None:
        for name, when in (("previous", day - step), ("next", day + step)):
            query = {"period": period, "date": when} if period else {"date": when}
            urls[name] = f"{calendar}?{urlencode(query)}"
    return urls


class _DayNames(dict):
    """ "Mon 23" for each local date met, worked out once a day rather than once a story."""

    def __missing__(self, day):
        self[day] = date_format(day, "D j")
        return self[day]


def calendar_days(rows):
    """The calendar's rows (``planning.calendar``) as [(date, [line, ...])], by local day."""
    url = change_url(Article._meta)
    days = {}
    for row in rows:
        when = timezone.localtime(row["published_at"])
        days.setdefault(when.date(), []).append(
            {
                "url": url(row["pk"]),
                "headline": row["headline"],
                "time": f"{when:%H:%M}",
                "section": row["section"] or "",
                "state": "Scheduled" if row["scheduled"] else "Published",
            }
        )
    return list(days.items())


def budget_lines(budget, period):
    """The planning budget (``planning.budget``) as the lines the page prints."""
    url = change_url(Article._meta)
    day_names = _DayNames()
    sections = []
    for section, stories in budget:
        lines = []
        for story in stories:
            slot = "unslotted"
            if story["slot"]:
                when = timezone.localtime(story["slot"])
                slot = f"{when:%H:%M}"
                if period == "week":
                    slot = f"{day_names[when.date()]}, {slot}"
            words, target = story["words"], story["target_words"]
            lines.append(
                {
                    "url": url(story["pk"]),
                    "headline": story["headline"],
                    "slot": slot,
                    "assignee": story["assignee"] or "unassigned",
                    "status": "Scheduled"
                    if story["scheduled"]
                    else STATUS_LABELS.get(story["status"], story["status"]),
                    "length": f"{words} of {target} words" if target else f"{words} words",
                    "over": bool(target and words > target),
                    "open_notes": story["open_notes"] or "",
                }
            )
        sections.append((section or "No section", lines))
    return sections


def _chosen_day(model_admin, request, today):
    try:
        day = date.fromisoformat(request.GET.get("date") or today.isoformat())
        if not date(1900, 1, 1) <= day <= date(9000, 1, 1):
            raise ValueError(day)
    except ValueError:
        model_admin.message_user(request, "That is not a date; showing today.", messages.WARNING)
        day = today
    return day


def calendar_view(model_admin, request):
    """The calendar of the week holding ``date`` (today by default), or with
    ``period=day|week`` the planning budget of that day or week."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    now = timezone.now()
    period = request.GET.get("period")
    if period not in planning.PERIODS:
        period = None
    day = _chosen_day(model_admin, request, timezone.localdate(now))
    start, end = planning.period_bounds(period or "week", day)
    first_day = timezone.localdate(start)
    step = timedelta(days=1 if period == "day" else 7)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "period": period,
        "step_name": period or "week",
        "planning": planning_urls(first_day, period, step),
        "now": now,
    }
    if period:
        context["title"] = ("Planning: the week of " if period == "week" else "Planning: ") + (
            date_format(first_day, "l j F Y")
        )
        context["budget"] = budget_lines(planning.budget(request.user, start, end, now), period)
    else:
        context["title"] = "Editorial calendar: the week of " + date_format(first_day, "l j F Y")
        context["days"] = calendar_days(planning.calendar(request.user, start, end, now))
    return TemplateResponse(request, "admin/articles/article/calendar.html", context)
