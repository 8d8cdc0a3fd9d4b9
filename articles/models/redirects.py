"""Addresses that last: an old story or tag address keeps answering with a redirect."""

from django.db import models
from taggit.models import Tag


class StoryRedirect(models.Model):
    """A story's former address. It points at the story, not at an address, so a
    story moved twice still redirects in one hop."""

    old_path = models.CharField(max_length=120, unique=True)
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
