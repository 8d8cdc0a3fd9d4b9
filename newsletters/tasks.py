"""
The newsletters' background work, on the "mail" queue (django.tasks API through
django-tasks: the database worker by default, RQ at scale).

Every task is safe to run twice: queuing inserts each (send, subscriber) pair once,
delivering claims each copy before sending it, and a confirmation email is only a
link. Tasks take ids, never addresses (task arguments are stored and shown by the
workers' tools).
"""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import default_task_backend, task

from . import links, mail, sending
from .models import Send, Signup
from .sending import describe

log = logging.getLogger(__name__)

QUEUE = "mail"


@task(queue_name=QUEUE)
def send_confirmation(signup_id, topics_label):
    """The double opt-in email. A failure is logged without the address and not retried:
    the reader is told to check their inbox and can sign up again."""
    signup = Signup.objects.filter(pk=signup_id).first()
    if signup is None:
        return
    message = mail.confirmation(signup.email, topics_label, links.confirm_url(signup.pk))
    try:
        message.send()
    except Exception as error:  # any backend's error; its text may hold the address
        log.warning("Confirmation email for sign-up %s failed: %s", signup_id, describe(error))


@task(queue_name=QUEUE)
def deliver_send(send_id):
    """Queue the send's recipients if not done yet, then mail them. When the mail server
    keeps refusing, the task puts itself back on the queue for when the next retry is
    due instead of holding a worker."""
    later = default_task_backend.supports_defer
    wait = sending.deliver(
        send_id, wait_inline=None if later else float("inf"), keep_schedule=later
    )
    if wait is not None:
        deliver_send.using(run_after=timezone.now() + timedelta(seconds=wait)).enqueue(send_id)


def start(send):
    """Put a send on the queue, at its ``send_at`` if the backend can wait for it."""
    runner = deliver_send
    if send.send_at > timezone.now() and default_task_backend.supports_defer:
        runner = deliver_send.using(run_after=send.send_at)
    return runner.enqueue(send.pk)


def resume_interrupted():
    """Send again what workers that died left half done (``manage.py resume_sends``):
    copies caught mid-send are failed (never sent twice), the rest go out."""
    resumed = []
    for send in Send.objects.filter(state__in=[Send.State.QUEUING, Send.State.SENDING]):
        sending.recover(send)
        deliver_send.enqueue(send.pk)
        resumed.append(send.pk)
    return resumed
