"""
Sending a mailing: find its recipients, then mail each one copy, never twice.

**Queuing** (``queue_recipients``) writes one ``Delivery`` row per recipient with a
single ``INSERT … SELECT … ON CONFLICT DO NOTHING``: 100,000 rows without loading
one into Python, and running it again (a retried task) adds nobody twice (the
(send, subscriber) pair is unique).

**Delivering** (``deliver``) takes the queued rows in batches. For each copy:

1. the row is *claimed*: ``UPDATE … SET state='sending' WHERE id=… AND state='queued'``,
   committed before the mail server is spoken to. Two workers on one send never both
   claim a row (the conditional update lets one win);
2. the email is handed to the mail server;
3. the row is marked ``sent`` (or ``failed``/back to ``queued`` when the server
   answered no).

**At most once, per copy.** A worker killed between 1 and 3 leaves one row in
``sending`` with nobody knowing whether the server took the email. That row is never
sent again: ``recover`` marks it ``failed`` ("interrupted") once its lease has run
out. For news mail a missing copy (one reader, one email, recorded and visible in
the admin) is better than a second copy; and the window is one email per killed
worker, since nothing else is claimed ahead. Everything still ``queued`` is sent by
whichever worker resumes the send, so nothing else is lost: at-least-once for the
send as a whole, at-most-once for each copy.

**A refusing server** (connection refused, 4xx answers) is tried again with
backoff: the copy goes back to ``queued`` with ``next_attempt_at`` (it was never
accepted, so this is safe); after ``NEWSLETTER_ATTEMPTS`` tries it fails. A
permanent refusal (5xx for the address) fails the copy and pauses the address;
bounces reported later by the provider do the same (``newsletters.signals``).
"""

import contextlib
import logging
import smtplib
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection as db
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Author, Byline, Section, TaggedArticle

from . import content, mail
from .mail import NewsletterMessage
from .models import Delivery, Send, Subscriber

log = logging.getLogger(__name__)
BATCH = 200
State = Delivery.State


# --- Who gets a send -------------------------------------------------------------


def recipients(send):
    """The subscribers a send goes to (a queryset of ids)."""
    receiving = Subscriber.objects.receiving()
    if send.kind == Send.Kind.BRIEFING:
        return receiving.filter(daily_briefing=True)
    if send.kind == Send.Kind.ALERT:
        return receiving.filter(breaking_alerts=True)
    topics = digest_topics(send)
    follows = Q(pk__in=[])
    for kind, ids in topics.items():
        if ids:
            follows |= Q(**{f"{kind}s__in": ids})
    return receiving.filter(follows).distinct()


def digest_topics(send):
    """{kind: [ids]} of the sections, tags and authors with stories that went live
    between the digest's ``since`` and its sending: only their followers get one."""
    now = send.send_at
    since = Q(published_at__gt=send.since)
    return {
        "section": sorted(
            set(Article.objects.live(now).filter(since).values_list("section_id", flat=True))
            - {None}
        ),
        "tag": sorted(
            set(
                TaggedArticle.objects.filter(
                    since, Article.live_q(now, "content_object__")
                ).values_list("tag_id", flat=True)
            )
        ),
        "author": sorted(
            set(
                Byline.objects.filter(since, Article.live_q(now, "article__")).values_list(
                    "author_id", flat=True
                )
            )
        ),
    }


def queue_recipients(send):
    """Write the send's Delivery rows (idempotent) and count them."""
    with transaction.atomic():
        send = Send.objects.select_for_update().get(pk=send.pk)
        if send.state not in (Send.State.SCHEDULED, Send.State.QUEUING):
            return send
        ids_sql, params = recipients(send).values("id").query.sql_with_params()
        with db.cursor() as cursor:
            cursor.execute(
                "INSERT INTO newsletters_delivery "  # noqa: S608 (fixed SQL, values as params)
                "(send_id, subscriber_id, state, attempts, reason, message_id) "
                f"SELECT %s, r.id, %s, 0, '', '' FROM ({ids_sql}) AS r WHERE 1 = 1 "
                "ON CONFLICT DO NOTHING",
                [send.pk, State.QUEUED, *params],
            )
        send.recipients = send.deliveries.count()
        send.state = Send.State.SENDING
        send.save(update_fields=["recipients", "state"])
    return send


def next_digest(now):
    """The next topic digest (unsaved): the stories since the last one (or a day)."""
    last = Send.objects.filter(kind=Send.Kind.DIGEST).order_by("-send_at").first()
    return Send(
        kind=Send.Kind.DIGEST,
        subject=f"New in what you follow: {mail.date_label(now)}",
        since=last.send_at if last else now - timedelta(days=1),
        send_at=now,
    )


# --- The email of a send -----------------------------------------------------------


FOLLOW_TABLES = (
    ("section", Subscriber.sections.through, "section_id", Section),
    ("tag", Subscriber.tags.through, "tag_id", Tag),
    ("author", Subscriber.authors.through, "author_id", Author),
)


class Letters:
    """The email each recipient of a send gets: one ``Letter`` for briefings and alerts;
    for digests one per set of followed topics with new stories (readers who follow the
    same get the same letter), their follows read a batch at a time (``prepare``)."""

    def __init__(self, send):
        self.send = send
        now = timezone.now()
        if send.kind == Send.Kind.DIGEST:
            self.common = None
            self.stories, self.names, self.letters, self.follows = {}, {}, {}, {}
            for kind, _, _, model in FOLLOW_TABLES:
                ids = digest_topics(send)[kind]
                for topic_id, name in model.objects.filter(pk__in=ids).values_list("id", "name"):
                    stories = content.topic_items(kind, topic_id, send.since, now)
                    if stories:
                        self.stories[kind, topic_id] = stories
                        self.names[kind, topic_id] = name
            return
        if send.kind == Send.Kind.BRIEFING:
            stories = content.briefing_items(send.briefing, now)
            context = {"intro": send.briefing.intro, "date": mail.date_label(now)}
        else:
            stories = content.live_items([send.story_id], now)
            context = {}
        self.common = mail.Letter(
            send.subject,
            send.kind,
            {"stories": stories, "subject": send.subject, **context},
        )

    def prepare(self, subscriber_ids):
        """Read what a batch of digest readers follow: a query per kind of topic."""
        if self.common is not None:
            return
        self.follows = {}
        for kind, through, column, _ in FOLLOW_TABLES:
            rows = through.objects.filter(subscriber_id__in=subscriber_ids).values_list(
                "subscriber_id", column
            )
            for subscriber_id, topic_id in rows:
                if (kind, topic_id) in self.stories:
                    self.follows.setdefault(subscriber_id, []).append((kind, topic_id))

    def copy_for(self, subscriber_id, email, connection):
        if self.common is not None:
            return self.common.copy_for(subscriber_id, email, connection)
        order = {"section": 0, "tag": 1, "author": 2}
        follows = tuple(
            sorted(
                self.follows.get(subscriber_id, []),
                key=lambda key: (order[key[0]], self.names[key].lower()),
            )
        )
        if not follows:
            return None
        if follows not in self.letters:
            topics = [{"name": self.names[key], "stories": self.stories[key]} for key in follows]
            self.letters[follows] = mail.Letter(
                self.send.subject,
                "digest",
                {"topics": topics, "subject": self.send.subject, "date": mail.date_label()},
            )
        return self.letters[follows].copy_for(subscriber_id, email, connection)


# --- Delivering ------------------------------------------------------------------


class Pace:
    """At most ``per_second`` emails a second from this worker."""

    def __init__(self, per_second):
        self.gap = 1 / per_second if per_second > 0 else 0
        self.next = time.monotonic()

    def wait(self):
        if not self.gap:
            return
        now = time.monotonic()
        if now < self.next:
            time.sleep(self.next - now)
        self.next = max(now, self.next) + self.gap


def lease():
    """How long a claimed copy may stay in ``sending`` before it counts as interrupted:
    longer than any one SMTP conversation can take (``EMAIL_TIMEOUT``)."""
    return timedelta(seconds=settings.NEWSLETTER_SENDING_LEASE_SECONDS)


def recover(send, now=None):
    """Copies left in ``sending`` by a worker that died: failed, never sent again."""
    now = now or timezone.now()
    return Delivery.objects.filter(
        send=send, state=State.SENDING, claimed_at__lt=now - lease()
    ).update(
        state=State.FAILED,
        reason="Interrupted while being sent; not sent again so that no one gets it twice.",
    )


# A copy's two writes, as fixed SQL: built by the ORM they cost more than the copy's
# rendering (bench/newsletters.py).
CLAIM = (
    "UPDATE newsletters_delivery SET state = %s, claimed_at = %s, attempts = attempts + 1 "
    "WHERE id = %s AND state = %s"
)
MARK_SENT = (
    "UPDATE newsletters_delivery SET state = %s, sent_at = %s, reason = '', message_id = %s "
    "WHERE id = %s"
)


def db_time(moment):
    return db.ops.adapt_datetimefield_value(moment)


def claim(cursor, delivery_id, now):
    """Take a queued copy for this worker (committed at once: autocommit), or False if
    another worker has it. ``cursor``: the send's one cursor (a new one for each
    statement cost as much as the statement)."""
    cursor.execute(CLAIM, [State.SENDING, db_time(now), delivery_id, State.QUEUED])
    return cursor.rowcount == 1


def hand_over(connection, message):
    """Give one copy to the mail server. Through Django's SMTP backend a newsletter
    copy goes straight to its connection: the backend would parse both addresses
    again for every copy (2 ms each, more than the rest of a copy's work), and the
    copy was built with them already checked. Any other backend gets the message."""
    to = message.to[0]
    if isinstance(connection, SMTPBackend) and isinstance(message, NewsletterMessage):
        if connection.connection is None:
            connection.open()
        data = message.message().as_bytes(linesep="\r\n")
        if to.isascii() and message.letter.envelope_sender:
            smtp_send(connection.connection, message.letter.envelope_sender, to, data)
        else:  # an address that needs SMTPUTF8 or an IDN: smtplib works it out
            connection.connection.sendmail(message.letter.sender, [to], data)
    else:
        connection.send_messages([message])


def smtp_send(smtp, sender, to, data):
    """``smtplib.SMTP.sendmail`` for one recipient of a copy ``Letter`` built: the same
    commands and the same errors, without parsing both addresses again (``quoteaddr``
    runs the email package's address parser, the largest cost of a copy) and without
    the dot-stuffing pass over the whole message (its lines are headers, MIME
    boundaries and base64, none of which starts with a dot)."""
    smtp.ehlo_or_helo_if_needed()
    code, answer = smtp.docmd("mail", f"FROM:<{sender}>")
    if code != 250:
        _give_up(smtp, code)
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    code, answer = smtp.docmd("rcpt", f"TO:<{to}>")
    if code not in (250, 251):
        _give_up(smtp, code)
        raise smtplib.SMTPRecipientsRefused({to: (code, answer)})
    code, answer = smtp.docmd("data")
    if code != 354:
        _give_up(smtp, code)
        raise smtplib.SMTPDataError(code, answer)
    # The data and its closing dot in one write, as smtplib does (two writes would wait
    # on TCP's delayed acknowledgement, 40 ms a copy).
    smtp.send((data if data.endswith(b"\r\n") else data + b"\r\n") + b".\r\n")
    code, answer = smtp.getreply()  # the server's verdict on the email
    if code != 250:
        _give_up(smtp, code)
        raise smtplib.SMTPDataError(code, answer)


def _give_up(smtp, code):
    """As ``sendmail`` does after a refusal: reset the conversation, or drop it (421)."""
    if code == 421:
        smtp.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        smtp.rset()


def backoff(attempts):
    return timedelta(seconds=settings.NEWSLETTER_RETRY_SECONDS * 2 ** max(attempts - 1, 0))


def retry_later(delivery_id, attempts, reason):
    """The server said "not now" (or could not be reached): queue the copy again with
    backoff; it was never accepted, so this cannot make a second copy."""
    if attempts >= settings.NEWSLETTER_ATTEMPTS:
        Delivery.objects.filter(pk=delivery_id).update(
            state=State.FAILED, reason=f"Gave up after {attempts} attempts: {reason}"[:300]
        )
        return
    Delivery.objects.filter(pk=delivery_id, state=State.SENDING).update(
        state=State.QUEUED,
        next_attempt_at=timezone.now() + backoff(attempts),
        reason=reason[:300],
    )


def refused_for_good(delivery_id, subscriber_id, reason):
    Delivery.objects.filter(pk=delivery_id).update(state=State.FAILED, reason=reason[:300])
    Subscriber.objects.filter(pk=subscriber_id).update(
        paused=True, paused_reason=f"The mail server refused the address: {reason}"[:200]
    )


def smtp_code(error):
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return codes[0] if codes else None
    return getattr(error, "smtp_code", None)


def describe(error):
    """An error without the address in it (smtplib's messages often echo it)."""
    code = smtp_code(error)
    if code:
        return f"the mail server answered {code}"
    return type(error).__name__


def is_permanent(error):
    code = smtp_code(error)
    if code is not None:
        return 500 <= code < 600
    return type(error).__name__ == "AnymailRecipientsRefused"


def ready_rows(send, now):
    return list(
        Delivery.objects.filter(send=send, state=State.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id")
        .values_list("id", "subscriber_id", "subscriber__email", "attempts")[:BATCH]
    )


def deliver(send_id, *, wait_inline=None, keep_schedule=True):
    """Mail every queued copy of a send; returns the seconds until it is due (a send
    scheduled for later) or until the next retry is (after a refusal), when the task
    should run again then; else None.

    ``keep_schedule=False`` (a backend that cannot run a task later: "immediate")
    sends a scheduled send at once rather than holding the request that queued it."""
    send = Send.objects.select_related("briefing").get(pk=send_id)
    if keep_schedule and send.state == Send.State.SCHEDULED and send.send_at > timezone.now():
        # An editor's send waits for its time; its recipients are found then.
        return (send.send_at - timezone.now()).total_seconds()
    if send.state in (Send.State.SCHEDULED, Send.State.QUEUING):
        send = queue_recipients(send)
    if send.state != Send.State.SENDING:
        return None
    recover(send)
    letters = Letters(send)
    pace = Pace(settings.NEWSLETTER_RATE_PER_SECOND)
    wait_inline = settings.NEWSLETTER_RETRY_SECONDS if wait_inline is None else wait_inline
    connection = get_connection(fail_silently=False)
    cursor = db.cursor()
    try:
        while True:
            now = timezone.now()
            rows = ready_rows(send, now)
            if not rows:
                due = Delivery.objects.filter(send=send, state=State.QUEUED).aggregate(
                    due=Min("next_attempt_at")
                )["due"]
                if due is None:
                    claimed = Delivery.objects.filter(send=send, state=State.SENDING).aggregate(
                        oldest=Min("claimed_at")
                    )["oldest"]
                    if claimed is None:
                        finish(send)
                        return None
                    # Another worker is sending (or died sending): look again when its
                    # copy's lease runs out.
                    due = claimed + lease()
                    if due <= now:
                        recover(send, now)
                        continue
                wait = (due - now).total_seconds()
                if wait > wait_inline:
                    return wait
                time.sleep(max(wait, 0))
                continue
            try:
                connection.open()
            except (OSError, smtplib.SMTPException) as error:
                # Nothing claimed yet: every copy of the batch waits for the server.
                reason = f"Could not reach the mail server ({describe(error)})"
                for delivery_id, _, _, attempts in rows:
                    if claim(cursor, delivery_id, now):
                        retry_later(delivery_id, attempts + 1, reason)
                continue
            letters.prepare([row[1] for row in rows])
            for delivery_id, subscriber_id, email, attempts in rows:
                pace.wait()
                send_one(letters, connection, cursor, delivery_id, subscriber_id, email, attempts)
    finally:
        cursor.close()
        connection.close()


def send_one(letters, connection, cursor, delivery_id, subscriber_id, email, attempts):
    message = letters.copy_for(subscriber_id, email, connection)
    if message is None:  # a digest with nothing new for this subscriber
        Delivery.objects.filter(pk=delivery_id, state=State.QUEUED).update(
            state=State.FAILED, reason="Nothing new in what they follow."
        )
        return
    if not claim(cursor, delivery_id, timezone.now()):
        return  # another worker has it
    try:
        hand_over(connection, message)
    except Exception as error:  # any backend's error: judged below
        reason = describe(error)
        if is_permanent(error):
            refused_for_good(delivery_id, subscriber_id, reason)
        elif smtp_code(error) or isinstance(error, ConnectionRefusedError):
            retry_later(delivery_id, attempts + 1, reason)
        else:
            # The conversation broke off: the server may have taken the email.
            Delivery.objects.filter(pk=delivery_id).update(
                state=State.FAILED,
                reason=f"Interrupted while being sent ({reason}); not sent again.",
            )
        connection.close()
        log.warning("Newsletter delivery %s failed: %s", delivery_id, reason)
        return
    status = getattr(message, "anymail_status", None)
    # The provider's id (anymail), which its bounce reports name; else our Message-ID.
    message_id = message.extra_headers["Message-ID"]
    if status is not None and status.message_id is not None:
        message_id = status.message_id
    cursor.execute(MARK_SENT, [State.SENT, timezone.now(), str(message_id)[:300], delivery_id])


def finish(send):
    Send.objects.filter(pk=send.pk, state=Send.State.SENDING).update(
        state=Send.State.DONE, finished_at=timezone.now()
    )


def progress(sends):
    """Each send's copies by state, for the admin: {send id: {state: n}} in one query."""
    counts = {}
    rows = (
        Delivery.objects.filter(send__in=sends)
        .values("send_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["send_id"], {})[row["state"]] = row["n"]
    return counts
