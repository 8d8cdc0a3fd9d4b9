"""Turn query rows into what reader templates show: bylines attached, dates formatted once."""

from django.conf import settings

from . import queries
from .dates import long_date, short_date


def _dates(row):
    row["date_label"] = short_date(row["published_at"])
    row["iso_date"] = row["published_at"].isoformat()
    return row


def present_listing(rows, with_bylines=True):
    """Listing rows with their dates formatted and, if asked, their bylines."""
    by_story = queries.bylines([row["id"] for row in rows]) if with_bylines else {}
    for row in rows:
        _dates(row)
        row["authors"] = by_story.get(row["id"], [])
    return rows


def present_story(row):
    authors, tags = queries.labels([row["id"]])
    _dates(row)
    row["dateline_date"] = long_date(row["published_at"])
    row["authors"] = authors[row["id"]]
    row["tags"] = tags[row["id"]]
    row["url"] = settings.SITE_URL + row["path"]
    return row
