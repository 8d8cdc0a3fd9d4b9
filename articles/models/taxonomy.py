"""Where a story is filed (sections) and who wrote it (authors)."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="The last part of the section's address, e.g. city. Changing it breaks links.",
    )
    description = models.TextField(
        blank=True,
        help_text="One or two sentences shown at the top of the section page.",
    )
    position = models.PositiveSmallIntegerField(
        default=100,
        help_text="Sections are listed in this order, lowest first.",
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("section", kwargs={"slug": self.slug})


class Author(models.Model):
    name = models.CharField(max_length=120, help_text="As it appears in the byline.")
    slug = models.SlugField(max_length=80, unique=True)
    bio = models.TextField(blank=True, help_text="Shown on the author's page.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        help_text="The staff account of this author, if they log in to write.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("author", kwargs={"slug": self.slug})
