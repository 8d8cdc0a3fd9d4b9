"""
The desk's email: what lands in someone's inbox (a story submitted for review, changes
requested, a mention, an assignment) also reaches their email address.

It goes through the task queue ("mail"), after the transaction that wrote the inbox
item commits, so a save never waits on a mail server and a save that is rolled back
mails nobody. Each item is mailed at most once: the task claims it (``emailed_at``, set
by a conditional UPDATE) before handing it to the mail server, so a task that runs
twice sends one copy. A claim whose send failed is released, so the retry sends it.

The mail holds what the inbox shows (who did what to which story, and the reason for
changes requested) and a link to the story's admin page; it is for staff only, like
the inbox. ``DESK_EMAIL=0`` turns it off; people without an address get the inbox alone.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from ..models import InboxItem

logger = logging.getLogger(__name__)

SUBJECT_LENGTH = 120


def queue(items):
    """Mail ``items`` (just written to inboxes) once their transaction commits."""
    if not settings.DESK_EMAIL:
        return
    ids = [item.pk for item in items if item.recipient.email and item.recipient.is_active]
    if ids:
        transaction.on_commit(lambda: send_inbox_mail.enqueue(ids))


def message(item):
    story = item.article
    link = settings.SITE_URL + reverse("admin:articles_article_change", args=[story.pk])
    subject = f"{item.get_kind_display()}: {story.headline}"
    if len(subject) > SUBJECT_LENGTH:
        subject = subject[: SUBJECT_LENGTH - 1].rstrip() + "…"
    body = (
        f"{item.text}\n\n"
        f"Open the story: {link}\n"
        f"Your desk: {settings.SITE_URL}{reverse('admin:index')}\n\n"
        f"— {settings.SITE_NAME}'s newsroom. You get this because it is in your inbox "
        "on the desk."
    )
    return EmailMessage(subject, body, to=[item.recipient.email])


@task(queue_name="mail")
def send_inbox_mail(item_ids):
    """Mail each inbox item of ``item_ids`` not mailed yet; safe to run again."""
    waiting = InboxItem.objects.filter(pk__in=item_ids, emailed_at__isnull=True).select_related(
        "recipient", "article"
    )
    sent = 0
    for item in waiting:
        claimed = InboxItem.objects.filter(pk=item.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:  # another run of this task took it
            continue
        try:
            message(item).send()
        except Exception:
            InboxItem.objects.filter(pk=item.pk).update(emailed_at=None)
            logger.exception("desk mail for inbox item %s failed; it will be sent again", item.pk)
            raise
        sent += 1
    return sent
