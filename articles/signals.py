"""
What counts as a change a reader could see, and which pages it reaches.

Any save or delete of a story, byline, tag link, section, author, tag, photo,
correction, pin, front layout or redirect bumps the site-wide ``ContentVersion`` in the same
transaction, which retires every fragment and every cached site-wide page (the
front, archives, the site's feeds) rendered under the old version (see
``articles.models.version`` and ``articles.reader.pagecache``).

A change to one story (its row, a byline, a tag link, a correction) also stamps the
scoped pages that show it, as they were *before* the change and as they are after:
its page, its section's, its tags' and its authors'. Taking both sides is what keeps
it exact: a story moved out of a section, a tag taken off, a byline dropped or a
slug changed leaves the old page as stale as the new one. Everything else (a
section, author, tag, photo, pin, front layout or redirect; a raw save from a
revert) reaches
every page, and bumps the shared version that all scoped pages are kept under.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from taggit.models import Tag

from .models import (
    ArchiveRedirect,
    Article,
    Author,
    Byline,
    ContentVersion,
    Correction,
    Front,
    Image,
    LiveUpdate,
    Pin,
    Section,
    StoryRedirect,
    TaggedArticle,
    TagRedirect,
)
from .models.live import live_scopes, stamp_live
from .models.version import scope
from .reader import search

# A story's own parts, and the field naming their story.
STORY_PARTS = {
    Article: "pk",
    Byline: "article_id",
    Correction: "article_id",
    TaggedArticle: "content_object_id",
}
# Shown on pages of every kind (a byline's name, a section's name, a photo, a pin).
EVERYWHERE = (
    ArchiveRedirect,
    Author,
    Front,
    Image,
    Pin,
    Section,
    StoryRedirect,
    Tag,
    TagRedirect,
)


def story_scopes(story_id):
    """The scoped pages that show the story now: its page, its section, tags and authors."""
    row = Article.objects.filter(pk=story_id).values_list("path", "section__slug").first()
    if row is None:
        return set()
    path, section = row
    scopes = {scope("story", path)} if path else set()
    if section:
        scopes.add(scope("section", section))
    links = TaggedArticle.objects.filter(content_object_id=story_id)
    scopes.update(scope("tag", slug) for slug in links.values_list("tag__slug", flat=True))
    bylines = Byline.objects.filter(article_id=story_id)
    scopes.update(scope("author", slug) for slug in bylines.values_list("author__slug", flat=True))
    return scopes


@receiver(pre_save)
@receiver(pre_delete)
def note_scopes_before(sender, instance, raw=False, **kwargs):
    if sender in STORY_PARTS and not raw:
        story_id = getattr(instance, STORY_PARTS[sender])
        instance._scopes_before = story_scopes(story_id) if story_id else set()


@receiver(post_save)
@receiver(post_delete)
def bump_content_version(sender, instance, raw=False, **kwargs):
    # Raw saves too: reverting a revision restores rows with raw saves, and may move
    # the story between sections with no signal at all; it reaches every page.
    if sender in STORY_PARTS and not raw:
        story_id = getattr(instance, STORY_PARTS[sender])
        after = story_scopes(story_id) if story_id else set()
        ContentVersion.bump(scopes=instance.__dict__.pop("_scopes_before", set()) | after)
    elif sender in STORY_PARTS or sender in EVERYWHERE:
        ContentVersion.bump(everywhere=True)


@receiver(m2m_changed, sender=TaggedArticle)
def bump_on_tag_change(sender, instance, action, reverse, **kwargs):
    if reverse:  # stories added to a tag: whichever they were, every page may show it
        if action in {"post_add", "post_remove", "post_clear"}:
            ContentVersion.bump(everywhere=True)
    elif action in {"pre_add", "pre_remove", "pre_clear"}:
        instance._scopes_before = story_scopes(instance.pk)
    elif action in {"post_add", "post_remove", "post_clear"}:
        before = instance.__dict__.pop("_scopes_before", set())
        ContentVersion.bump(scopes=before | story_scopes(instance.pk))


@receiver(pre_save, sender=Article)
def keep_edit_version_rising(sender, instance, raw=False, **kwargs):
    """A revert restores a story with a raw save; its old edit version must not come
    back with it, or a form opened before the revert could pass as fresh."""
    if raw and instance.pk:
        current = (
            Article.objects.filter(pk=instance.pk).values_list("edit_version", flat=True).first()
        )
        instance.edit_version = (current or 0) + 1


# --- Live coverage (issue 17) ------------------------------------------------
# An update stamps only the pages that show it, never the site-wide version
# (``articles.models.live``). The breaking-news banner is on every page: a change to
# it, or to the story it links to while it lasts, reaches every page.

BANNER_FIELDS = ("breaking_until", "status", "published_at", "headline", "path")


@receiver(post_save, sender=LiveUpdate)
@receiver(post_delete, sender=LiveUpdate)
def stamp_live_update(sender, instance, **kwargs):
    stamp_live(live_scopes(instance.story_id))


@receiver(m2m_changed, sender=LiveUpdate.authors.through)
def stamp_live_update_authors(sender, instance, action, reverse, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and not reverse:
        stamp_live(live_scopes(instance.story_id))


@receiver(pre_save, sender=Article)
@receiver(pre_delete, sender=Article)
def note_banner_before(sender, instance, **kwargs):
    instance._banner_before = (
        Article.objects.filter(pk=instance.pk).values_list(*BANNER_FIELDS).first()
        if instance.pk
        else None
    )


@receiver(post_save, sender=Article)
@receiver(post_delete, sender=Article)
def bump_for_banner(sender, instance, **kwargs):
    from django.utils import timezone

    before = instance.__dict__.pop("_banner_before", None)
    after = None if "created" not in kwargs else tuple(getattr(instance, f) for f in BANNER_FIELDS)
    now = timezone.now()
    shown = [row[0] for row in (before, after) if row and row[0] and row[0] > now]
    if shown and before != after:
        ContentVersion.bump(everywhere=True)


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
