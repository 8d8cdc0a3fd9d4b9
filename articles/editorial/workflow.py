"""
The desk's rules for changing a story's state, apart from any screen.

A story moves Draft → In review → Published (now, or scheduled for later) →
Withdrawn, and back where an editor says. Who may make each move is decided
here, once, for every caller: the admin's form and bulk actions, importers, an
API, a scheduled job. A move that is not allowed raises ``PermissionDenied``
(this user may not) or ``ValidationError`` (nobody may, as the story stands),
with a message an editor can act on.
"""

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..access import WRITER_STATUSES, can_publish, may_change_story, may_request_changes
from ..models import Article
from . import desk

Status = Article.Status

# Where each state may go next. Publishing again is allowed (a withdrawn story
# comes back); a published story goes back to draft only through withdrawal.
MOVES = {
    Status.DRAFT: {Status.REVIEW, Status.PUBLISHED},
    Status.REVIEW: {Status.DRAFT, Status.PUBLISHED},
    Status.PUBLISHED: {Status.WITHDRAWN},
    Status.WITHDRAWN: {Status.PUBLISHED, Status.DRAFT},
}


def check_permission(user, story, to):
    """Raise PermissionDenied unless ``user`` may leave ``story`` in status ``to`` (its
    current one included: saving a story keeps its state, which is a move too)."""
    if to not in WRITER_STATUSES and not can_publish(user):
        raise PermissionDenied("Only editors publish, schedule and withdraw stories.")
    if not may_change_story(user, story):
        raise PermissionDenied("You can change only your own stories, while they are drafts.")


def check_status(user, story, to):
    """Raise unless ``user`` may move ``story`` to ``to`` and the story is ready for it."""
    check_permission(user, story, to)
    if to == Status.PUBLISHED and not (story.body or "").strip():
        raise ValidationError({"body": "A published story needs a body."})


def stamp_submission(story, was, now=None):
    """Keep ``story.submitted_at`` (when it was sent for review) true to a move from
    status ``was`` to the status it now has, before it is saved.

    Going into review stamps the time: the review queue is oldest submission first, so
    a story resubmitted after changes joins the back of it. Saving it again while in
    review keeps its place. Going back to draft clears it (nothing is waiting any
    more); publishing keeps it, a record of when the story was handed over."""
    if story.status == Status.REVIEW:
        if was != Status.REVIEW or story.submitted_at is None:
            story.submitted_at = now or timezone.now()
    elif story.status == Status.DRAFT:
        story.submitted_at = None


def transition(story, to, user, *, comment=""):
    """Move ``story`` to status ``to`` as ``user``, saved as a revision of its own.

    Returns False (and changes nothing) when the story is already there or the
    move is not one a story makes (``MOVES``); raises when ``user`` may not."""
    to = Status(to)
    if story.status == to or to not in MOVES[Status(story.status)]:
        return False
    check_status(user, story, to)
    with transaction.atomic(), reversion.create_revision():
        was, story.status = story.status, to
        stamp_submission(story, was)
        story.updated_by = user
        story.save()
        reversion.set_user(user)
        reversion.set_comment(comment or f"{to.label} ({user.get_username()})")
        if to == Status.REVIEW:
            desk.submitted_for_review(story, user)
    return True


def request_changes(story, user, reason):
    """Send a story in review back to draft with ``reason``, kept as a note on the story
    and sent to its writers' inboxes. The reason is required: a story sent back without
    one leaves its writer guessing. Returns the note."""
    reason = (reason or "").strip()
    if not may_request_changes(user, story):
        raise PermissionDenied("Only editors send stories back for changes.")
    if story.status != Status.REVIEW:
        raise ValidationError("Only a story in review can be sent back for changes.")
    if not reason:
        raise ValidationError({"reason": "Say what needs to change: the writer will read it."})
    with transaction.atomic():
        note = desk.add_note(story, user, f"Changes requested: {reason}")
        transition(story, Status.DRAFT, user, comment=f"Changes requested: {reason}")
        desk.changes_requested(story, user, reason)
    return note
