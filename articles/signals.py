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

An import writes thousands of stories: inside ``stamping_held()`` nothing is stamped
or indexed per save; the block ends with the touched stories indexed together and one
bump that reaches every page.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from taggit.models import Tag

from newsroom import purge

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
from .models.live import LIVE_SCOPE, live_scopes, stamp_live
from .models.version import TAG_PAGES, scope
from .reader import edgekeys, search
from .reader.search import tasks as search_tasks

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


class _Held:
    def __init__(self):
        self.changed = False
        self.story_ids = set()


_held = ContextVar("newsroom_held_stamping", default=None)


@contextmanager
def stamping_held(index_later=False):
    """Hold page stamping and search indexing for a batch of writes (an import's batch):
    the writes inside are noted instead, and on leaving the block the stories they
    touched are indexed in one go and one bump retires every reader page (the
    shared version), so every cached page that could show one of them is stale.

    Working out the scopes a story change reaches costs several queries a save, before
    and after it; for a batch of a hundred new stories "every page" is the right answer
    anyway. Use it inside the transaction that writes,
    so the bump and the index commit with the writes; a block left by an exception
    (the transaction is rolled back) does neither. Nested blocks leave it to the outer one.

    ``index_later``: the touched stories are indexed by a task once the transaction
    commits (``search.tasks``), for an editor's request that touches thousands (a tag
    merge) and should not wait for it. The block gives the holder, whose
    ``story_ids`` a caller may add to (stories changed by bulk updates, which send no
    signals).
    """
    if _held.get() is not None:
        yield _held.get()
        return
    held = _Held()
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)
    if held.story_ids:
        if index_later:
            search_tasks.reindex_later(held.story_ids)
        else:
            search.reindex_many(held.story_ids)
    if held.changed or held.story_ids:
        bump(everywhere=True)


def _hold(story_ids=()):
    """True (noting what changed) while stamping is held; False to stamp now."""
    held = _held.get()
    if held is None:
        return False
    held.changed = True
    held.story_ids.update(story_ids)
    return True


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
    for slug in links.values_list("tag__slug", flat=True):
        scopes.update((scope("tag", slug), scope(TAG_PAGES, slug)))
    bylines = Byline.objects.filter(article_id=story_id)
    scopes.update(scope("author", slug) for slug in bylines.values_list("author__slug", flat=True))
    return scopes


def bump(scopes=(), everywhere=False, withdrawn=False):
    """A new content version, and the edge told which pages it retired (on commit)."""
    ContentVersion.bump(scopes=scopes, everywhere=everywhere)
    purge.schedule(edgekeys.change_keys(scopes, everywhere, withdrawn))


@receiver(pre_save)
@receiver(pre_delete)
def note_scopes_before(sender, instance, raw=False, **kwargs):
    if sender in STORY_PARTS and not raw and _held.get() is None:
        story_id = getattr(instance, STORY_PARTS[sender])
        instance._scopes_before = story_scopes(story_id) if story_id else set()
        if sender is Article and story_id and purge.enabled():
            # A withdrawal must leave every Latest block at the edge too (edgekeys).
            instance._was_live = Article.objects.filter(Article.live_q(), pk=story_id).exists()


@receiver(post_save)
@receiver(post_delete)
def bump_content_version(sender, instance, raw=False, **kwargs):
    # Raw saves too: reverting a revision restores rows with raw saves, and may move
    # the story between sections with no signal at all; it reaches every page.
    if (sender in STORY_PARTS or sender in EVERYWHERE) and _hold():
        return
    if sender in STORY_PARTS and not raw:
        story_id = getattr(instance, STORY_PARTS[sender])
        after = story_scopes(story_id) if story_id else set()
        was_live = instance.__dict__.pop("_was_live", False)
        withdrawn = was_live and (kwargs.get("signal") is post_delete or not instance.is_live)
        bump(scopes=instance.__dict__.pop("_scopes_before", set()) | after, withdrawn=withdrawn)
    elif sender in STORY_PARTS or sender in EVERYWHERE:
        bump(everywhere=True)


@receiver(m2m_changed, sender=TaggedArticle)
def bump_on_tag_change(sender, instance, action, reverse, **kwargs):
    if _hold():
        return
    if reverse:  # stories added to a tag: whichever they were, every page may show it
        if action in {"post_add", "post_remove", "post_clear"}:
            bump(everywhere=True)
    elif action in {"pre_add", "pre_remove", "pre_clear"}:
        instance._scopes_before = story_scopes(instance.pk)
    elif action in {"post_add", "post_remove", "post_clear"}:
        before = instance.__dict__.pop("_scopes_before", set())
        bump(scopes=before | story_scopes(instance.pk))


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


def _stamp_live(story_id):
    """Stamp what an update to the story reaches, and tell the edge (on commit)."""
    scopes = live_scopes(story_id)
    stamp_live(scopes)
    purge.schedule([edgekeys.key(name) for name in sorted(scopes | {LIVE_SCOPE})])


@receiver(post_save, sender=LiveUpdate)
@receiver(post_delete, sender=LiveUpdate)
def stamp_live_update(sender, instance, **kwargs):
    _stamp_live(instance.story_id)


@receiver(m2m_changed, sender=LiveUpdate.authors.through)
def stamp_live_update_authors(sender, instance, action, reverse, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and not reverse:
        _stamp_live(instance.story_id)


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
    if shown and before != after and _held.get() is None:
        bump(everywhere=True)


# --- The search index ---------------------------------------------------------


@receiver(post_save, sender=Article)
def index_story(sender, instance, **kwargs):
    if not _hold([instance.pk]):
        search.reindex([instance.pk])


@receiver(post_delete, sender=Article)
def unindex_story(sender, instance, **kwargs):
    if not _hold([instance.pk]):  # reindexing a deleted story takes it out
        search.remove([instance.pk])


@receiver(post_save, sender=TaggedArticle)
@receiver(post_delete, sender=TaggedArticle)
def index_story_tags(sender, instance, **kwargs):
    if _hold([instance.content_object_id]):
        return
    if Article.objects.filter(pk=instance.content_object_id).exists():
        search.reindex([instance.content_object_id])


@receiver(m2m_changed, sender=TaggedArticle)
def index_story_tag_set(sender, instance, action, **kwargs):
    changed = action in {"post_add", "post_remove", "post_clear"}
    if changed and isinstance(instance, Article) and not _hold([instance.pk]):
        search.reindex([instance.pk])


@receiver(post_save, sender=Tag)
def index_renamed_tag(sender, instance, created=False, **kwargs):
    """A tag's new name reaches its stories' search entries through a task: a common
    tag carries thousands of stories, which the editor's save should not wait for."""
    if not created:
        stories = list(
            TaggedArticle.objects.filter(tag=instance).values_list("content_object_id", flat=True)
        )
        if not _hold(stories):
            search_tasks.reindex_later(stories)
