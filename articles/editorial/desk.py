"""
The desk: editorial notes, each person's inbox, and what is on their plate today.

Notes are the desk's internal talk about a story, threaded (a reply belongs to the
first note of its thread), with @mentions and resolve/reopen. Who may read and
write them is ``articles.access`` (``may_read_notes``, ``notes_visible_to``); this
module only asks. They never reach readers: nothing on the reader path, the
feeds, the API or the previews reads them.

The inbox tells one person what concerns them: a story submitted for review (the
editors), changes requested (the story's writer and byline), a mention, an
assignment. It is written here and nowhere else, so every way a story moves (the
admin's form and actions, an importer, a job) tells the same people, in the admin
and by email (``deskmail``).

The dashboard's blocks (``desk_for``) are bounded queries, one each, whatever the
size of the archive: the admin's home page costs the same on the first day and
at 100,000 stories.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .. import access
from ..models import Article, EditorialNote, InboxItem
from ..text import strip_control_characters
from . import deskmail

Status = Article.Status
Kind = InboxItem.Kind

# How many rows each block of the dashboard shows before its "more" link.
BLOCK_ROWS = 10

# @username as Django's default username validator allows (letters, digits, @.+-_),
# not preceded by a word character (an e-mail address is not a mention). A trailing
# full stop or other punctuation ends the sentence, not the name.
MENTION = re.compile(r"(?<![\w.+-])@([\w.@+-]+)")


def mentioned_usernames(text):
    return {name.rstrip(".-+@") for name in MENTION.findall(text or "")} - {""}


def _display(user):
    return (user.get_full_name() or user.get_username()) if user else "Someone"


def _notify(recipients, story, kind, text, sent_by):
    """One inbox item for each recipient other than the sender."""
    items = [
        InboxItem(recipient=user, article=story, kind=kind, text=text[:300], sent_by=sent_by)
        for user in {user.pk: user for user in recipients if user is not None}.values()
        if sent_by is None or user.pk != sent_by.pk
    ]
    InboxItem.objects.bulk_create(items)
    deskmail.queue(items)
    return items


# --- Notes -------------------------------------------------------------------


def _check_may_write(user, story):
    if not access.may_write_notes(user, story):
        raise PermissionDenied("You cannot add notes to this story.")


def notes_for(user, story):
    """The story's threads for ``user``: first notes, oldest first, each with its
    ``replies`` and ``mentions`` prefetched (a fixed number of queries)."""
    if not access.may_read_notes(user, story):
        return []
    return list(
        access.notes_visible_to(user, story.notes.filter(parent__isnull=True))
        .select_related("author", "resolved_by")
        .prefetch_related("replies__author")
    )


@transaction.atomic
def add_note(story, author, body, parent=None):
    """Add a note (or a reply to ``parent``) on ``story`` as ``author``; whoever it
    @mentions, and may read the story's notes, is told in their inbox."""
    _check_may_write(author, story)
    body = strip_control_characters(body).strip()  # a NUL cannot be stored
    if not body:
        raise ValidationError({"body": "Write the note before adding it."})
    if len(body) > 5000:
        raise ValidationError({"body": "A note is at most 5,000 characters."})
    if parent is not None:
        if parent.article_id != story.pk:
            raise ValidationError("That note belongs to another story.")
        parent = parent.parent or parent  # one thread a first note
    note = EditorialNote.objects.create(article=story, author=author, body=body, parent=parent)
    names = mentioned_usernames(body)
    if names:
        users = get_user_model().objects.filter(username__in=names, is_active=True, is_staff=True)
        mentioned = [user for user in users if access.may_read_notes(user, story)]
        note.mentions.set(mentioned)
        _notify(
            mentioned,
            story,
            Kind.MENTION,
            f"{_display(author)} mentioned you on “{story.headline}”: {body}",
            author,
        )
    return note


def resolve_note(note, user):
    """Close a thread (a reply resolves the thread it belongs to)."""
    thread = note.parent or note
    _check_may_write(user, thread.article)
    if thread.resolved_at is None:
        thread.resolved_at, thread.resolved_by = timezone.now(), user
        thread.save(update_fields=["resolved_at", "resolved_by"])
    return thread


def reopen_note(note, user):
    thread = note.parent or note
    _check_may_write(user, thread.article)
    if thread.resolved_at is not None:
        thread.resolved_at, thread.resolved_by = None, None
        thread.save(update_fields=["resolved_at", "resolved_by"])
    return thread


def note_history(user, story):
    """What happened to the story's notes, newest first, for its history page:
    [{"when", "who", "what", "text"}] for each note added, resolved (and still so)."""
    if not access.may_read_notes(user, story):
        return []
    events = []
    notes = access.notes_visible_to(user, story.notes.all()).select_related("author", "resolved_by")
    for note in notes:
        what = "replied" if note.parent_id else "added a note"
        events.append({"when": note.created_at, "who": note.author, "what": what, "note": note})
        if note.resolved_at:
            events.append(
                {
                    "when": note.resolved_at,
                    "who": note.resolved_by,
                    "what": "resolved the note",
                    "note": note,
                }
            )
    return sorted(events, key=lambda event: event["when"], reverse=True)


# --- Who hears of what --------------------------------------------------------


def writers_of(story):
    """Who wrote the story: its creator, its assignee and the staff behind its byline."""
    people = [story.created_by, story.assignee]
    people += [byline.author.user for byline in story.bylines.select_related("author__user")]
    return [person for person in people if person is not None]


def submitted_for_review(story, user):
    """Tell the editors that ``story`` waits for them."""
    return _notify(
        access.editors(),
        story,
        Kind.REVIEW,
        f"{_display(user)} submitted “{story.headline}” for review.",
        user,
    )


def changes_requested(story, user, reason):
    return _notify(
        writers_of(story),
        story,
        Kind.CHANGES,
        f"{_display(user)} sent “{story.headline}” back for changes: {reason}",
        user,
    )


def assigned_to(story, user):
    if story.assignee is None:
        return []
    return _notify(
        [story.assignee],
        story,
        Kind.ASSIGNED,
        f"{_display(user)} assigned “{story.headline}” to you.",
        user,
    )


def story_saved(story, user, *, submitted, assigned):
    """After a form saved ``story``: ``submitted`` when its status was set (to review,
    the editors hear of it), ``assigned`` when its assignee was (they hear of it)."""
    if submitted and story.status == Status.REVIEW:
        submitted_for_review(story, user)
    if assigned and story.assignee_id:
        assigned_to(story, user)


# --- The inbox ----------------------------------------------------------------


def inbox_for(user, limit=BLOCK_ROWS):
    """``user``'s inbox, unread first and newest first within each, with each item's story."""
    return list(
        InboxItem.objects.filter(recipient=user)
        .alias(is_read=Q(read_at__isnull=False))
        .select_related("article")
        .order_by("is_read", "-created_at", "-id")[:limit]
    )


def mark_read(user, item_ids=None):
    """Mark ``user``'s items read (all unread ones when ``item_ids`` is None); another
    person's items are never touched."""
    items = InboxItem.objects.filter(recipient=user, read_at__isnull=True)
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    return items.update(read_at=timezone.now())


# --- The dashboard --------------------------------------------------------------


def _today(now):
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    return start, start + timedelta(days=1)


def desk_stories(user, which, now=None):
    """The stories of one of the desk's blocks, in the block's order, as a queryset
    (also what the story list's "on my desk" filter shows, so the two agree)."""
    now = now or timezone.now()
    stories = access.stories_visible_to(user, now=now)
    if which == "mine":
        return stories.filter(created_by=user).order_by("-updated_at", "-id")
    if which == "drafts":
        return stories.filter(created_by=user, status=Status.DRAFT).order_by("-updated_at", "-id")
    if which == "assigned":
        return (
            stories.filter(assignee=user)
            .exclude(Article.live_q(now))
            .order_by("planned_for", "-updated_at", "-id")
        )
    if which == "review":
        if not access.is_editor(user):
            return stories.none()
        # Oldest submission first (workflow.stamp_submission), not oldest edit.
        return stories.filter(status=Status.REVIEW).order_by(
            F("submitted_at").asc(nulls_last=True), "id"
        )
    if which == "next24h":
        return stories.filter(
            status=Status.PUBLISHED, published_at__gt=now, published_at__lte=now + timedelta(1)
        ).order_by("published_at", "id")
    if which == "today":
        start, _ = _today(now)
        return stories.filter(
            status=Status.PUBLISHED, published_at__gte=start, published_at__lte=now
        ).order_by("-published_at", "-id")
    if which == "notes":
        # Led by the open notes (few) rather than by the stories (many).
        noted = EditorialNote.objects.open().values("article_id")
        return (
            stories.filter(access.notes_story_q(user))
            .filter(pk__in=noted)
            .order_by("-updated_at", "-id")
        )
    raise ValueError(f"No desk block called {which!r}")


@dataclass
class Block:
    key: str
    title: str
    empty: str
    rows: list = field(default_factory=list)
    more: bool = False


BLOCKS = [
    ("drafts", "My drafts", "No drafts of yours."),
    ("assigned", "Assigned to me", "Nothing assigned to you."),
    ("review", "Waiting for review", "Nothing waits for review."),
    ("next24h", "Scheduled in the next 24 hours", "Nothing scheduled before this time tomorrow."),
    ("today", "Published today", "Nothing published yet today."),
    ("notes", "Stories with open notes", "No open notes."),
]


def desk_for(user, now=None, rows=BLOCK_ROWS):
    """The dashboard's blocks for ``user``: each at most ``rows`` stories (one more is
    read to know whether to offer "more"), one query a block."""
    now = now or timezone.now()
    blocks = []
    for key, title, empty in BLOCKS:
        if key == "review" and not access.is_editor(user):
            continue
        found = list(
            desk_stories(user, key, now)
            .select_related("section", "assignee")
            .defer("body")[: rows + 1]
        )
        blocks.append(Block(key, title, empty, found[:rows], len(found) > rows))
    return blocks


def unread_count(user):
    return InboxItem.objects.filter(recipient=user, read_at__isnull=True).count()
