"""What editors pin to the top of the home page and of each section front."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce


class Pin(models.Model):
    """A story placed by hand on a front; fronts fall back to the newest stories."""

    section = models.ForeignKey(
        "articles.Section",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pins",
        help_text="Leave empty for the home page.",
    )
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="pins", verbose_name="story"
    )
    position = models.PositiveSmallIntegerField(
        default=1,
        help_text=(
            "1 is the lead; the next are the stories beside it, as many as the front's "
            "layout holds (five in all unless changed under Front layouts)."
        ),
    )

    class Meta:
        ordering = ["section__position", "position", "id"]
        verbose_name = "pinned story"
        verbose_name_plural = "pinned stories (fronts)"
        constraints = [
            models.UniqueConstraint(fields=["section", "article"], name="pin_unique_story"),
            models.UniqueConstraint(
                fields=["article"],
                condition=models.Q(section__isnull=True),
                name="pin_unique_home_story",
            ),
        ]
        indexes = [models.Index(fields=["section", "position"], name="pin_front_idx")]

    def __str__(self):
        front = self.section.name if self.section_id else "Home page"
        return f"{front} #{self.position}: {self.article}"


class Front(models.Model):
    """How a front's top block is laid out, chosen by editors per front.

    A front without a row here (the usual case) uses ``DEFAULT_TOP_STORIES``; the
    reader path reads every row in one query, once per content version."""

    DEFAULT_TOP_STORIES = 5
    MOST_TOP_STORIES = 9

    section = models.OneToOneField(
        "articles.Section",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="front",
        help_text="Leave empty for the home page.",
    )
    top_stories = models.PositiveSmallIntegerField(
        default=DEFAULT_TOP_STORIES,
        validators=[MinValueValidator(1), MaxValueValidator(MOST_TOP_STORIES)],
        help_text=(
            "How many stories the top of this front holds: the lead and the headlines "
            "beside it (5 is the lead and four more; 1 to 9). Pinned stories fill it "
            "first, in their order, then the newest stories."
        ),
    )

    class Meta:
        ordering = ["section__position", "id"]
        verbose_name = "front layout"
        verbose_name_plural = "front layouts"
        constraints = [
            # One layout for the home page too (a unique column allows many NULLs).
            models.UniqueConstraint(
                Coalesce("section", models.Value(0)),
                name="front_one_layout_per_front",
                violation_error_message="The home page already has a layout; change that one.",
            ),
        ]

    def __str__(self):
        return self.section.name if self.section_id else "Home page"
