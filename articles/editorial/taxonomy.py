"""Renaming and merging tags: the old addresses keep working, whoever does it."""

from django.db import transaction

from ..models import TaggedArticle, TagRedirect
from ..reader import search


def point_tag_elsewhere(old_slug, tag):
    """``/tag/<old_slug>/`` now redirects to ``tag``, and so does anything that led to it."""
    TagRedirect.objects.filter(old_slug=tag.slug).delete()
    TagRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})


def rename_tag(tag, old_slug):
    """After ``tag`` was saved with a new slug: its old address redirects to it."""
    if old_slug and old_slug != tag.slug:
        point_tag_elsewhere(old_slug, tag)


def merge_tags(sources, target):
    """Move every story from ``sources`` to ``target``, then delete the sources."""
    moved = TaggedArticle.objects.filter(tag__in=sources).values_list(
        "content_object_id", flat=True
    )
    with transaction.atomic():
        affected = set(moved)
        for source in sources:
            if source.pk == target.pk:
                continue
            already = TaggedArticle.objects.filter(tag=target).values("content_object_id")
            TaggedArticle.objects.filter(tag=source, content_object_id__in=already).delete()
            TaggedArticle.objects.filter(tag=source).update(tag=target)
            TagRedirect.objects.filter(tag=source).update(tag=target)
            point_tag_elsewhere(source.slug, target)
            source.delete()
        search.reindex(affected)  # the links moved by a bulk update, which sends no signals
