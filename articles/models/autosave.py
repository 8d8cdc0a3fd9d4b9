"""A private copy of one person's unsaved changes to one story."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Autosave(models.Model):
    """What an editor had typed into a story's form and not yet saved.

    The story itself is never touched: an autosave is recovered into the form and
    saved from there, through the same checks as any save, stale-save refusal
    included (``based_on_version`` is the story's ``edit_version`` when the form was
    opened). Only its author may read it (``articles.access.may_use_autosave``).

    ``article`` is empty for a story not yet saved once: the first draft of a new
    story is the text most often lost to a closed tab, and it has no story to
    hang from. Each person keeps one autosave per story and one for a new story.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="autosaves"
    )
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="autosaves",
    )
    data = models.JSONField(default=dict, help_text="The form's fields, as the browser sent them.")
    based_on_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The story's edit version when the form was opened."
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=Q(article__isnull=False),
                name="autosave_one_per_story",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(article__isnull=True),
                name="autosave_one_new_story",
            ),
        ]

    def __str__(self):
        return f"Autosave by {self.user} of {self.article or 'a new story'}"
