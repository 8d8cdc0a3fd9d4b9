"""
What goes into an email: live stories only, read through the reader path's queries
(``articles.reader.queries``, every one of which applies the LIVE rule at the moment
of sending). A briefing item whose story went back to draft, or is scheduled for
later, is left out when the email is built, whatever the briefing says.
"""

from datetime import timedelta

from django.conf import settings

from articles.models import Section
from articles.reader import queries

from .links import absolute

DAY = timedelta(days=1)


def link(path):
    """A story's absolute address, with the publication's tracking if it turned it on."""
    url = absolute(path)
    if settings.NEWSLETTER_LINK_TRACKING:
        url += "?" + settings.NEWSLETTER_LINK_TRACKING
    return url


def item(row):
    """A story as an email shows it."""
    return {
        "id": row["id"],
        "headline": row["headline"],
        "dek": row["dek"],
        "section": row["section_name"] or "",
        "url": link(row["path"]),
        "published_at": row["published_at"],
    }


def suggested_story_ids(now):
    """The day's top stories, as a new briefing starts: the front's lead and pinned
    stories in the front's order, then the newest story of each section published in
    the last day, newest first."""
    _, pins = queries.front_top(None, now)
    lead = queries.lead(now)
    chosen = [row["id"] for row in ([lead] if lead and not pins else []) + pins]
    section_ids = list(Section.objects.order_by("name").values_list("id", flat=True))
    heads = queries.section_heads(section_ids, now, 1)
    heads.sort(key=lambda row: (row["published_at"], row["id"]), reverse=True)
    for row in heads:
        if row["published_at"] >= now - DAY and row["id"] not in chosen:
            chosen.append(row["id"])
    return chosen


def live_items(story_ids, now):
    """The live stories among ``story_ids``, in that order."""
    return [item(row) for row in queries.stories_by_id(list(story_ids), now)]


def briefing_items(briefing, now):
    ids = list(briefing.items.order_by("position", "id").values_list("article_id", flat=True))
    return live_items(ids, now)


def topic_items(kind, topic_id, since, now, limit=10):
    """A followed section's, tag's or author's stories published since ``since``."""
    fetch = {"section": queries.in_section, "tag": queries.with_tag, "author": queries.by_author}
    rows = fetch[kind](topic_id, now, limit)
    return [item(row) for row in rows if row["published_at"] > since]
