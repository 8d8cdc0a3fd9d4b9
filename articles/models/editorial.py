"""The desk's working records: corrections, preview links, who is editing what."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from .fields import recorded_by


class Correction(models.Model):
    """A correction or update appended to a published story, shown to readers with its time."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        UPDATE = "update", "Update"

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="corrections"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(
        help_text="What was wrong and what is right now, in a sentence or two. Shown to "
        "readers exactly as written."
    )
    published_at = models.DateTimeField(
        "time", default=timezone.now, help_text="Shown with the note on the story page."
    )
    created_by = recorded_by()

    class Meta:
        ordering = ["published_at", "id"]
        indexes = [models.Index(fields=["published_at"], name="correction_time_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.article}"

    def save(self, *args, **kwargs):
        """Appending a note moves the story's "Updated" time for readers."""
        from .article import Article

        super().save(*args, **kwargs)
        latest = Correction.objects.filter(article_id=self.article_id).aggregate(
            latest=models.Max("published_at")
        )["latest"]
        Article.objects.filter(pk=self.article_id).update(revised_at=latest)


class PreviewLink(models.Model):
    """A share link to a story's preview for someone without an account.

    The link carries this record's id, signed; it works until it expires or an
    editor revokes it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="preview_links"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(
        blank=True, help_text="Defaults to PREVIEW_LINK_HOURS (48) after creation."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Preview link for {self.article}"

    def save(self, *args, **kwargs):
        if self.expires_at is None:
            self.expires_at = self.created_at + timedelta(hours=settings.PREVIEW_LINK_HOURS)
        super().save(*args, **kwargs)

    @property
    def is_active(self):
        return self.revoked_at is None and timezone.now() < self.expires_at


class EditingPresence(models.Model):
    """Who opened which story for editing, and when they were last seen there."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="presence_unique_user")
        ]

    def __str__(self):
        return f"{self.user} on {self.article}"
