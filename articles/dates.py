"""Dates as the reader sees them, formatted once in Python rather than per template tag."""

from datetime import UTC
from email.utils import format_datetime

from django.utils import dateformat, timezone
from django.utils.translation import pgettext


def long_date(value):
    """The date line: "Thursday, March 7, 2024", in the newsroom's zone."""
    return dateformat.format(timezone.localtime(value), pgettext("date line", "l, F j, Y"))


def short_date(value):
    """ "March 7, 2024", for listings."""
    return dateformat.format(timezone.localtime(value), pgettext("short date", "F j, Y"))


def time_of_day(value):
    return dateformat.format(timezone.localtime(value), pgettext("time of day", "P"))


def rfc2822(value):
    """For RSS: "Thu, 07 Mar 2024 05:00:00 +0000"."""
    return format_datetime(value.astimezone(UTC))
