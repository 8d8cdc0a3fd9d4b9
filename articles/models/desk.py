"""The desk's conversation about a story: editorial notes and each person's inbox.

Both are internal. Nothing here is ever read by the reader path, the feeds, the
API or the previews (``tests/test_desk_privacy.py`` holds them to it).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .fields import recorded_by


class NoteQuerySet(models.QuerySet):
    def open(self):
        """Threads still waiting for someone: a thread is its first note, open until resolved."""
        return self.filter(parent__isnull=True, resolved_at__isnull=True)


class EditorialNote(models.Model):
    """An internal comment on a story, or a reply in its thread. Never shown to readers."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="notes")
    author = recorded_by()
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        help_text="The note this one answers; replies belong to the first note of a thread.",
    )
    body = models.TextField(
        "note",
        max_length=5000,
        help_text="Seen only by the desk, never by readers. Write @username to tell a colleague.",
    )
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in_notes", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_by = recorded_by()

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "editorial note"
        indexes = [
            models.Index(fields=["article", "parent", "resolved_at"], name="note_open_idx"),
        ]

    def __str__(self):
        return f"Note on {self.article_id} by {self.author_id}"

    @property
    def is_resolved(self):
        return self.resolved_at is not None


class InboxItem(models.Model):
    """Something the desk wants one person to know about a story."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Submitted for review"
        CHANGES = "changes", "Changes requested"
        MENTION = "mention", "Mentioned"
        ASSIGNED = "assigned", "Assigned"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox"
    )
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    sent_by = recorded_by()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the item was handed to the mail server (articles/editorial/deskmail.py):
    # claimed before sending, so a repeated task never mails it twice.
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "inbox item"
        indexes = [
            models.Index(fields=["recipient", "read_at", "created_at"], name="inbox_unread_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text}"
