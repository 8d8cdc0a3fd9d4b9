"""
What counts as a change a reader could see.

Any save or delete of a story, byline, tag link, section, author, tag, photo,
correction, pin or redirect bumps the site-wide ``ContentVersion`` in the same
transaction, which retires every fragment and every cached page rendered under
the old version (see ``articles.models.version`` and ``articles.reader.pagecache``).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from taggit.models import Tag

from .models import (
    ArchiveRedirect,
    Article,
    Author,
    Byline,
    ContentVersion,
    Correction,
    Image,
    Pin,
    Section,
    StoryRedirect,
    TaggedArticle,
    TagRedirect,
)
from .reader import search

WATCHED = (
    ArchiveRedirect,
    Article,
    Author,
    Byline,
    Correction,
    Image,
    Pin,
    Section,
    StoryRedirect,
    TaggedArticle,
    Tag,
    TagRedirect,
)


@receiver(post_save)
@receiver(post_delete)
def bump_content_version(sender, **kwargs):
    # Raw saves too: reverting a revision restores rows with raw saves.
    if sender in WATCHED:
        ContentVersion.bump()


@receiver(m2m_changed, sender=TaggedArticle)
def bump_on_tag_change(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        ContentVersion.bump()


@receiver(pre_save, sender=Article)
def keep_edit_version_rising(sender, instance, raw=False, **kwargs):
    """A revert restores a story with a raw save; its old edit version must not come
    back with it, or a form opened before the revert could pass as fresh."""
    if raw and instance.pk:
        current = (
            Article.objects.filter(pk=instance.pk).values_list("edit_version", flat=True).first()
        )
        instance.edit_version = (current or 0) + 1


# --- The search index ---------------------------------------------------------


@receiver(post_save, sender=Article)
def index_story(sender, instance, **kwargs):
    search.reindex([instance.pk])


@receiver(post_delete, sender=Article)
def unindex_story(sender, instance, **kwargs):
    search.remove([instance.pk])


@receiver(post_save, sender=TaggedArticle)
@receiver(post_delete, sender=TaggedArticle)
def index_story_tags(sender, instance, **kwargs):
    if Article.objects.filter(pk=instance.content_object_id).exists():
        search.reindex([instance.content_object_id])


@receiver(m2m_changed, sender=TaggedArticle)
def index_story_tag_set(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Article):
        search.reindex([instance.pk])


@receiver(post_save, sender=Tag)
def index_renamed_tag(sender, instance, created=False, **kwargs):
    if not created:
        search.reindex(
            TaggedArticle.objects.filter(tag=instance).values_list("content_object_id", flat=True)
        )
