"""What editors pin to the top of the home page and of each section front."""

from django.db import models


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
        default=1, help_text="1 is the lead; 2 to 5 are the stories beside it."
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
