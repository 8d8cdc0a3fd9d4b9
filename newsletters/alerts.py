"""
Breaking-news alerts: an editor sends one from a published story's page, after a
confirmation page that shows the email and how many readers it will reach.

**One alert per story.** An alert interrupts every subscriber who asked for them; a
second one for the same story (a double click, two editors on the same news, a
reloaded confirmation) would reach the same readers with the same news. So the
database holds it (``Send``'s ``newsletters_one_alert_per_story`` constraint): the
second confirm finds the first alert and sends nothing, even when both arrive at the
same moment.

**Only what readers can see.** A draft, a story in review, a withdrawn one or one
scheduled for later gets no alert: the email would link to a page readers cannot
open yet (and the email's content is read through the reader queries at sending
time anyway, ``newsletters.content``).

Who may send is ``newsletters.access.may_send``; how the send then goes out (tasks,
each copy at most once) is ``newsletters.sending`` and ``tasks``.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from . import sending, tasks
from .models import Send


class AlertRefused(Exception):
    """The story cannot have an alert; ``message`` says why, for the editor."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def previous(story_id):
    """The alert already sent for this story, if any (with who sent it)."""
    return (
        Send.objects.filter(kind=Send.Kind.ALERT, story_id=story_id)
        .select_related("sent_by")
        .first()
    )


def refusal(story):
    """Why ``story`` cannot have an alert now, or None when it can: it must be live."""
    if story.is_live:
        return None
    if story.status == story.Status.PUBLISHED and story.published_at is not None:
        when = date_format(timezone.localtime(story.published_at), "j F Y, H:i")
        return (
            f"This story is scheduled for {when}: readers cannot open it yet, so no "
            "alert can be sent. Send it once the story is live."
        )
    return (
        f"This story is not published (it is {story.get_status_display().lower()}): "
        "readers cannot open it, so no alert can be sent."
    )


def draft_send(story, subject=""):
    """The alert as it would be sent (unsaved): for the confirmation page."""
    return Send(kind=Send.Kind.ALERT, story=story, subject=(subject or story.headline)[:200])


def preview(send):
    """(text, HTML, recipients) of an alert not sent yet: the email as subscribers will
    get it (their own links left as placeholders), built by the same code as the send."""
    letter = sending.Letters(send).common
    return letter.text, letter.html, sending.recipients(send).count()


def send_alert(story, user, subject=""):
    """Record the alert (who sent it, when) and queue it once the transaction commits.

    Returns (send, created): ``created`` is False when the story already had one, which
    is returned instead and nothing new is sent. Raises ``AlertRefused`` for a story
    readers cannot see."""
    reason = refusal(story)
    if reason:
        raise AlertRefused(reason)
    send = draft_send(story, subject)
    send.sent_by = user
    with transaction.atomic():
        earlier = previous(story.pk)
        if earlier is not None:
            return earlier, False
        try:
            with transaction.atomic():
                send.save()
        except IntegrityError:  # another editor's confirm won the race
            return previous(story.pk), False
        transaction.on_commit(lambda: tasks.start(send))
    return send, True
