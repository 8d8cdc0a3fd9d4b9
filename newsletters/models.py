"""
Newsletters and alerts: who gets what by email, and every copy sent.

A ``Subscriber`` exists only once its owner clicked the confirmation link (double
opt-in). Until then the sign-up is a ``Signup``: the address and what the form asked
for, deleted by the click or after ``NEWSLETTER_CONFIRM_HOURS``. A ``Send`` is one
mailing (a daily briefing, a topic digest or a breaking-news alert); each of its
recipients has one ``Delivery`` row, unique per (send, subscriber), whose state is
claimed before the mail server is spoken to, so a worker that dies mid-send never
sends anyone a second copy.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Author, Section


class SubscriberQuerySet(models.QuerySet):
    def receiving(self):
        """Who may be mailed at all: confirmed and not paused."""
        return self.filter(confirmed_at__isnull=False, paused=False)


class Subscriber(models.Model):
    email = models.EmailField(unique=True, help_text="Stored in lower case.")
    confirmed_at = models.DateTimeField(
        help_text="When the reader clicked the confirmation link we mailed them."
    )
    paused = models.BooleanField(
        default=False,
        help_text="Nothing is sent while paused: the reader paused it, or their address "
        "bounced or was refused for good.",
    )
    paused_reason = models.CharField(max_length=200, blank=True)
    daily_briefing = models.BooleanField(default=False)
    breaking_alerts = models.BooleanField(default=False)
    sections = models.ManyToManyField(Section, blank=True, related_name="+")
    tags = models.ManyToManyField(Tag, blank=True, related_name="+")
    authors = models.ManyToManyField(Author, blank=True, related_name="+")
    last_digest_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    def __str__(self):
        # Addresses are never shown where they could be logged (admin history, errors).
        return f"Subscriber #{self.pk}"

    def pause(self, reason):
        Subscriber.objects.filter(pk=self.pk).update(paused=True, paused_reason=reason[:200])
        self.paused, self.paused_reason = True, reason[:200]


class Signup(models.Model):
    """A sign-up waiting for its owner's click. The confirmation link names this row (by
    a signed id: the address itself is never in a link, so never in a server log); the
    click deletes it, so a link works once; unclicked ones are deleted once expired."""

    email = models.EmailField()
    topics = models.JSONField(help_text="What the sign-up form asked for.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"Sign-up #{self.pk}"


class Briefing(models.Model):
    """The daily briefing of one day: the stories in the editor's order."""

    date = models.DateField(unique=True, help_text="The day this briefing is for.")
    subject = models.CharField(
        max_length=200,
        blank=True,
        help_text="The email's subject line. Left empty: the site's name, the date and "
        "the first headline.",
    )
    intro = models.TextField(
        blank=True, help_text="A few words from the desk, shown above the stories."
    )
    send_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When an editor's send goes out. Left empty: as soon as it is sent.",
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date"]

    def __str__(self):
        return f"Briefing for {self.date:%A %-d %B %Y}"


class BriefingItem(models.Model):
    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="+", verbose_name="story"
    )
    position = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["briefing", "article"], name="newsletters_item_once_per_briefing"
            )
        ]
        verbose_name = "story"

    def __str__(self):
        return f"#{self.position}"


class Send(models.Model):
    class Kind(models.TextChoices):
        BRIEFING = "briefing", "Daily briefing"
        DIGEST = "digest", "Topic digest"
        ALERT = "alert", "Breaking-news alert"

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        QUEUING = "queuing", "Finding recipients"
        SENDING = "sending", "Sending"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    briefing = models.ForeignKey(
        Briefing, null=True, blank=True, on_delete=models.PROTECT, related_name="sends"
    )
    story = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        # The send's record stays (subject, who, when) if the desk deletes the story.
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The story a breaking-news alert is about.",
    )
    since = models.DateTimeField(
        null=True, blank=True, help_text="A digest lists the stories published after this."
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    send_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    recipients = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A story gets one breaking-news alert: a second would reach the same readers
            # with the same news. Held by the database, so two editors confirming at
            # the same moment still send one (newsletters/alerts.py).
            models.UniqueConstraint(
                fields=["story"],
                condition=models.Q(kind="alert", story__isnull=False),
                name="newsletters_one_alert_per_story",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"


class Delivery(models.Model):
    """One copy of one send to one subscriber.

    queued → sending (claimed by a worker, committed before the mail server is spoken
    to) → sent; or failed (with its reason) or bounced. A copy is never moved out of
    ``sending`` back to ``queued``: see newsletters/sending.py for why."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=300, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["send", "subscriber"], name="newsletters_one_copy_each")
        ]
        indexes = [models.Index(fields=["send", "state", "id"], name="newsletters_todo_idx")]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"Delivery #{self.pk} ({self.state})"
