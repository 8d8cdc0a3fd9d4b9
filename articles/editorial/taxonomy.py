"""Renaming and merging tags: the old addresses keep working, whoever does it."""

from django.db import transaction

from ..models import TaggedArticle, TagRedirect
from ..signals import stamping_held


def point_tag_elsewhere(old_slug, tag):
    """``/tag/<old_slug>/`` now redirects to ``tag``, and so does anything that led to it."""
    TagRedirect.objects.filter(old_slug=tag.slug).delete()
    TagRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})


def rename_tag(tag, old_slug):
    """After ``tag`` was saved with a new slug: its old address redirects to it."""
    if old_slug and old_slug != tag.slug:
        point_tag_elsewhere(old_slug, tag)


def merge_tags(sources, target):
    """Move every story from ``sources`` to ``target``, then delete the sources.

    The tags, links and redirects change in one transaction; the moved stories' search
    entries are rebuilt by a task after it commits (``search.tasks``): for a tag on
    thousands of stories that was most of the request's time. Signals are held for the
    merge (one bump for every page, as deleting a tag needs anyway, instead of one per
    link removed)."""
    moved = TaggedArticle.objects.filter(tag__in=sources).values_list(
        "content_object_id", flat=True
    )
    with transaction.atomic(), stamping_held(index_later=True) as held:
        held.story_ids.update(moved)  # the links move by a bulk update, which sends no signals
        for source in sources:
            if source.pk == target.pk:
                continue
            already = TaggedArticle.objects.filter(tag=target).values("content_object_id")
            TaggedArticle.objects.filter(tag=source, content_object_id__in=already).delete()
            TaggedArticle.objects.filter(tag=source).update(tag=target)
            TagRedirect.objects.filter(tag=source).update(tag=target)
            point_tag_elsewhere(source.slug, target)
            source.delete()
