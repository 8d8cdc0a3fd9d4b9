"""Dates as the reader sees them, formatted once in Python rather than per template tag."""

from datetime import UTC
from email.utils import format_datetime
from functools import lru_cache

from django.utils import dateformat, timezone
from django.utils.translation import get_language, pgettext


@lru_cache(maxsize=8192)
def _day_label(day, language, style):
    """A day's label, once per day, language and style: listings repeat the same days."""
    if style == "long":
        return dateformat.format(day, pgettext("date line", "l, F j, Y"))
    return dateformat.format(day, pgettext("short date", "F j, Y"))


def long_date(value, zone=None, language=None):
    """The date line: "Thursday, March 7, 2024", in the newsroom's zone (``zone`` and
    ``language`` as ``short_date`` takes them)."""
    zone = zone or timezone.get_current_timezone()
    return _day_label(value.astimezone(zone).date(), language or get_language(), "long")


def short_date(value, zone=None, language=None):
    """ "March 7, 2024", for listings. A listing labels twenty stories at once: it may
    pass the zone and language it looked up once (each lookup reads a context-local)."""
    zone = zone or timezone.get_current_timezone()
    return _day_label(value.astimezone(zone).date(), language or get_language(), "short")


@lru_cache(maxsize=8192)
def _time_label(moment, language):
    """A moment's time of day, once per moment and language: a story's byline shows
    the same publication time on every request."""
    return dateformat.format(moment, pgettext("time of day", "P"))


def time_of_day(value, zone=None, language=None):
    """ "9:30 a.m." in the newsroom's zone; ``zone`` and ``language``, when a caller
    labels many times at once, save looking them up for each."""
    moment = value.astimezone(zone) if zone else timezone.localtime(value)
    return _time_label(moment, language or get_language())


def machine_time(value):
    """For <time datetime> and structured data: "2024-03-07T14:30:00+00:00", to the
    second (HTML allows at most three digits of a fraction of a second)."""
    return value.isoformat(timespec="seconds")


def rfc2822(value):
    """For RSS: "Thu, 07 Mar 2024 05:00:00 +0000"."""
    return format_datetime(value.astimezone(UTC))
