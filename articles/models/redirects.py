"""Addresses that last: an old story or tag address keeps answering with a redirect."""

from django.db import models
from django.db.models import Q
from taggit.models import Tag


class StoryRedirect(models.Model):
    """A story's former address. It points at the story, not at an address, so a
    story moved twice still redirects in one hop."""

    # Long enough for an imported site's permalinks (WordPress slugs reach 200 characters,
    # more once percent-decoded); "/?p=123" for a WordPress post id (issue 16).
    old_path = models.CharField(max_length=500, unique=True)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.old_path} → story {self.article_id}"


class TagRedirect(models.Model):
    """A tag's former slug, after a rename or a merge into another tag."""

    old_slug = models.SlugField(max_length=100, unique=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.old_slug} → {self.tag}"


class ArchiveRedirect(models.Model):
    """An old listing address of an imported site (``/category/city/``, ``/tag/x/``)
    that now answers with the section's or the tag's page."""

    old_path = models.CharField(max_length=500, unique=True)
    section = models.ForeignKey(
        "articles.Section", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(section__isnull=True) ^ Q(tag__isnull=True),
                name="archive_redirect_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.old_path} → {self.section or self.tag}"
