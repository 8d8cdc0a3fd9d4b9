"""
What a story's revision holds, and how one story is put back as it was.

django-reversion keeps every saved state with who saved it, when, and the
admin's change message; the admin shows the history, compares any two
revisions, reverts to one, and recovers deleted stories. (Chosen over
django-simple-history because a revision there is one row per model, whereas
reversion stores a story together with its related rows, so reverting a story
brings back its byline and tags as they were.)

A revision may hold more than one story (anything saved inside one
``create_revision`` block), and it holds the shared tags each story links to.
reversion's own ``Revision.revert`` restores *everything* in it: reverting one
story that way would also roll back another writer's story and rename shared
tags. So a story is only ever reverted by :func:`revert_story`, which touches
that story's own rows and nothing else, and every save that records a
revision records one story (the admin's bulk actions included).

What a revert brings back is what the story *said*: headline, dek, body,
dateline, section, lead photo, byline and tags. Whether and when it is
published, its address and its corrections (a public record, appended and
never rewritten) stay as they are now. An editor may choose to put back the
status and publication time too, after being told what that does to readers
(:func:`publication_consequence`); corrections are never taken back.
"""

import json

import reversion
from django.core import serializers
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import router, transaction
from django.utils import timezone
from reversion.errors import RevertError
from reversion.signals import post_revision_commit
from taggit.models import Tag

from newsroom import purge

from ..models import (
    Article,
    Author,
    Byline,
    ContentVersion,
    Correction,
    Image,
    LiveUpdate,
    Section,
    TaggedArticle,
)
from ..reader import edgekeys

# The story's own fields that a revert restores.
CONTENT_FIELDS = ("headline", "dek", "body", "dateline", "section_id", "lead_image_id")


# The story's related rows a revision holds with it (reversion's ``follow``), each with the
# model and the field that points back at the story. The compare page describes each one
# (``articles.editorial.diffs``), and a test fails for a new one it does not describe.
STORY_FOLLOWS = {
    "bylines": (Byline, "article_id"),
    "tagged_items": (TaggedArticle, "content_object_id"),
    "corrections": (Correction, "article_id"),
}

# Stored with every revision but changed by every save whatever it changes, so they say
# nothing about the story: left out when telling whether a save changed anything, and
# when comparing two revisions. The word count follows the body: the body's change says it.
BOOKKEEPING = ("edit_version", "updated_at", "updated_by_id", "word_count", "submitted_at")


def register():
    if reversion.is_registered(Article):
        return
    reversion.register(Tag)
    reversion.register(Byline)
    reversion.register(TaggedArticle, follow=["tag"])
    reversion.register(Correction)
    reversion.register(Article, follow=list(STORY_FOLLOWS))
    # A live update's revision holds the update and its story (issue 17): the story's
    # history lists every update added, edited or deleted (``editorial.live``).
    reversion.register(LiveUpdate, follow=["story"])


register()


def stored_rows(version, follow, held=None):
    """The field values of the story's own ``follow`` rows (see ``STORY_FOLLOWS``) held in
    ``version``'s revision: a revision may hold other stories' rows too. ``held``: the
    revision's versions, when the caller has read them already."""
    model, story_key = STORY_FOLLOWS[follow]
    story_id = int(version.object_id)
    held = version.revision.version_set.all() if held is None else held
    return [
        other.field_dict
        for other in held
        if other._model is model and other.field_dict.get(story_key) == story_id
    ]


def story_state(version):
    """What ``version`` says about its story, bookkeeping left out: its own fields and its
    related rows (without their ids, which a save may renumber), in a comparable form."""
    fields = {k: v for k, v in version.field_dict.items() if k not in BOOKKEEPING}
    held = list(version.revision.version_set.all())
    related = {
        follow: sorted(
            repr(sorted((k, v) for k, v in row.items() if k != "id"))
            for row in stored_rows(version, follow, held)
        )
        for follow in STORY_FOLLOWS
    }
    return fields, related


def _drop_unchanged_revision(sender, revision, versions, **kwargs):
    """A save that changed nothing leaves no revision: the history would otherwise fill with
    "No fields changed." entries that cannot be told apart. Every save path (the admin's
    form, its actions, ``record_revision``) goes through reversion, so this is checked here,
    once (``record_revisions``, which writes without reversion, asks the same question):
    the revision goes if each story in it reads as its previous revision does."""
    if _changes_nothing(revision, versions):
        revision.delete()


def _changes_nothing(revision, versions):
    """Whether each story in ``revision`` reads as its previous revision does."""
    from reversion.models import Version

    stories = [version for version in versions if version._model is Article]
    if not stories or any(version._model is LiveUpdate for version in versions):
        return False  # a live update's revision is about the update, not the story's words
    if revision.comment.startswith("Live update"):
        return False  # an update deleted: the story's record of it (``editorial.live``)
    for version in stories:
        previous = (
            Version.objects.get_for_object_reference(Article, version.object_id)
            .exclude(revision_id=revision.pk)
            .select_related("revision")
            .first()
        )
        if previous is None or story_state(previous) != story_state(version):
            return False
    return True


post_revision_commit.connect(_drop_unchanged_revision, dispatch_uid="newsroom-unchanged-revision")


def record_revision(story, comment, user=None):
    """Store ``story`` as it is now, with its bylines, tags and corrections, as a revision
    of its own. For stories saved outside the admin (imports, the demo), so that their
    first edit can be compared with and undone like any other."""
    with reversion.create_revision():
        reversion.add_to_revision(story)
        reversion.set_comment(comment)
        if user is not None:
            reversion.set_user(user)


def record_revisions(stories_and_comments, user=None):
    """``record_revision`` for many ``(story, comment)`` pairs at once (an import's batch):
    each story its own revision holding exactly what ``record_revision`` stores (the
    story, its bylines, tag links with their tags, and corrections, serialised as
    reversion does), so the first edit of an imported story is compared with and undone
    like any other.

    reversion reads each story's related rows, and each tag and author of them, one query
    at a time, and checks each row exists and each story's previous revision: about twenty
    queries a story, most of an import's time. Here the related rows of the whole batch are
    read in a few queries, each row serialised once, and the revisions and their versions
    written in a few multi-row inserts.
    reversion's commit signals are not sent; the one rule hung on them (a save that changes
    nothing leaves no revision) is applied here, to the stories that had a revision before.
    Call it inside the transaction that saved the stories."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils.encoding import force_str
    from reversion.models import Revision, Version
    from reversion.revisions import _get_options

    pairs = [(story, comment) for story, comment in stories_and_comments if story.pk is not None]
    if not pairs:
        return []
    stories = [story for story, _comment in pairs]
    ids = [story.pk for story in stories]
    related = {follow: {pk: [] for pk in ids} for follow in STORY_FOLLOWS}
    for follow, (model, story_key) in STORY_FOLLOWS.items():
        # The model's own ordering: the order reversion's ``story.<follow>.all()`` reads them.
        for row in model.objects.filter(**{f"{story_key}__in": ids}):
            related[follow][getattr(row, story_key)].append(row)
    # What the rows' names (a version's ``object_repr``) and tag links' follow read.
    authors = Author.objects.in_bulk(
        {byline.author_id for rows in related["bylines"].values() for byline in rows}
    )
    tags = Tag.objects.in_bulk(
        {link.tag_id for rows in related["tagged_items"].values() for link in rows}
    )
    had_revision = set(
        Version.objects.get_for_model(Article)
        .filter(object_id__in=[str(pk) for pk in ids])
        .values_list("object_id", flat=True)
    )

    now = timezone.now()
    revisions = Revision.objects.bulk_create(
        [Revision(date_created=now, user=user, comment=comment) for _story, comment in pairs]
    )
    held, each = [], {}  # each: (model, pk) → the row, once however many revisions hold it
    for revision, story in zip(revisions, stories, strict=True):
        # In reversion's order: the story, then each followed row (a tag link's tag after it).
        rows = [story]
        for byline in related["bylines"][story.pk]:
            byline.article, byline.author = story, authors[byline.author_id]
            rows.append(byline)
        for link in related["tagged_items"][story.pk]:
            link.content_object, link.tag = story, tags[link.tag_id]
            rows.extend([link, link.tag])
        for correction in related["corrections"][story.pk]:
            correction.article = story
            rows.append(correction)
        keys = list(dict.fromkeys((type(obj), obj.pk) for obj in rows))
        each.update(((type(obj), obj.pk), obj) for obj in rows)
        held.append((revision, keys))
    copies = {}
    for model in dict.fromkeys(model for model, _pk in each):
        options = _get_options(model)
        objs = [obj for (kind, _pk), obj in each.items() if kind is model]
        content_type = ContentType.objects.get_for_model(
            model, for_concrete_model=options.for_concrete_model
        )
        db = router.db_for_write(model)
        serialized = _serialise_each(options, objs)
        for obj, data in zip(objs, serialized, strict=True):
            copies[model, obj.pk] = {
                "content_type": content_type,
                "object_id": force_str(getattr(obj, options.object_id_field)),
                "db": db,
                "format": options.format,
                "serialized_data": data,
                "object_repr": force_str(obj),
            }
    held = [
        (revision, [Version(revision=revision, **copies[key]) for key in keys])
        for revision, keys in held
    ]
    Version.objects.bulk_create([v for _revision, versions in held for v in versions])
    kept = []
    for revision, versions in held:
        if versions[0].object_id in had_revision and _changes_nothing(revision, versions):
            revision.delete()
        else:
            kept.append(revision)
    return kept


class _EachJSON(JSONSerializer):
    """Django's JSON serializer, giving each object's text as reversion stores it (a list of
    that one object), from one run over many objects."""

    def start_serialization(self):
        self._init_options()
        self.each = []

    def end_object(self, obj):
        self.each.append("[" + json.dumps(self.get_dump_object(obj), **self.json_kwargs) + "]")
        self._current = None

    def end_serialization(self):
        pass

    def getvalue(self):
        return self.each


def _serialise_each(options, objs):
    """``serializers.serialize(format, (obj,), ...)`` for each of ``objs`` (one model's)."""
    natural = options.use_natural_foreign_keys
    kwargs = {"fields": options.fields, "use_natural_foreign_keys": natural}
    if options.format == "json":
        return _EachJSON().serialize(objs, **kwargs)
    return [serializers.serialize(options.format, (obj,), **kwargs) for obj in objs]


def story_version(version_id, story_id=None):
    """The stored copy of a story (never of a byline or a tag that shares its id)."""
    from reversion.models import Version

    versions = Version.objects.get_for_model(Article).select_related("revision")
    if story_id is not None:
        versions = versions.filter(object_id=str(story_id))
    return versions.filter(pk=version_id).first()


def _existing(model, pk):
    return pk if pk is not None and model.objects.filter(pk=pk).exists() else None


@transaction.atomic
def revert_story(version):
    """Put the story stored in ``version`` back as that copy has it (see the module
    docstring for what is restored), touching no other story and no shared tag.
    A deleted story is recovered whole."""
    story_id = int(version.object_id)
    saved = version._object_version.object
    others = list(version.revision.version_set.exclude(pk=version.pk))

    def own(model, key):
        return [
            other
            for other in others
            if other._model is model and other.field_dict.get(key) == story_id
        ]

    story = Article.objects.filter(pk=story_id).first()
    if story is None:  # recovering a deleted story
        if saved.path and Article.objects.filter(path=saved.path).exists():
            saved.path = None  # another story has its address now; a new one is given on save
        saved.section_id = _existing(Section, saved.section_id)
        saved.lead_image_id = _existing(Image, saved.lead_image_id)
        saved.save_base(raw=True, force_insert=True)
        story = Article.objects.get(pk=story_id)
    else:
        restored = {field: getattr(saved, field) for field in CONTENT_FIELDS}
        restored["section_id"] = _existing(Section, restored["section_id"])
        restored["lead_image_id"] = _existing(Image, restored["lead_image_id"])
        Article.objects.filter(pk=story_id).update(**restored)

    Byline.objects.filter(article_id=story_id).delete()
    for byline in own(Byline, "article_id"):
        if _existing(Author, byline.field_dict["author_id"]):
            byline.revert()

    TaggedArticle.objects.filter(content_object_id=story_id).delete()
    tags = {int(other.object_id): other for other in others if other._model is Tag}
    for link in own(TaggedArticle, "content_object_id"):
        tag_id = link.field_dict["tag_id"]
        if not Tag.objects.filter(pk=tag_id).exists():
            old_tag = tags.get(tag_id)
            if old_tag is None or Tag.objects.filter(slug=old_tag.field_dict["slug"]).exists():
                continue  # merged or renamed away since: the story keeps its other tags
            old_tag.revert()  # deleted since: recreated as it was, nothing else renamed
        link.revert()

    story._copy_publication_time()  # tag links and bylines carry the current publication time
    if not Article.objects.filter(pk=story_id).exists():
        raise RevertError("The story could not be restored.")
    # The story's row came back with an update (no signal): its old section, tags and
    # authors are not known here, so every reader page is retired (at the edge too).
    ContentVersion.bump(everywhere=True)
    purge.schedule(edgekeys.change_keys(everywhere=True))
    return story


def publication_of(version):
    """The status and publication time a stored copy of a story had."""
    saved = version.field_dict
    return {"status": saved.get("status"), "published_at": saved.get("published_at")}


def publication_consequence(version, story, now=None):
    """What putting back ``version``'s status and publication time would do to
    ``story``, in the words an editor is warned with; "" when they are the same.

    A revert leaves both alone (see the module docstring); an editor may still
    choose to restore them, and must first be told what that means for readers."""
    old = publication_of(version)
    if old["status"] == story.status and old["published_at"] == story.published_at:
        return ""
    now = now or timezone.now()
    will_be_live = old["status"] == Article.Status.PUBLISHED and (
        old["published_at"] is None or old["published_at"] <= now
    )
    if story.is_live and not will_be_live:
        return (
            "this takes the story offline: its address and the redirects to it stop "
            "working for readers until it is published again"
        )
    if will_be_live and not story.is_live:
        return "this publishes the story: readers see it at once"
    if will_be_live:
        return "this changes the story's publication time, and its address if the day differs"
    old_label = Article.Status(old["status"]).label if old["status"] else "none"
    return f"this changes the story's status from {story.get_status_display()} to {old_label}"


def opened_copy(story_id, edit_version, recent=20):
    """The fields of the story as it stood at ``edit_version`` (the version an edit
    form was opened with), from its revisions; None when no revision holds it (a
    story saved outside the admin, or one opened many saves ago).

    Every save numbers the story afresh and the admin records a revision of each,
    so the copy is among the last few; only those are read."""
    from reversion.models import Version

    if edit_version is None:
        return None
    versions = (
        Version.objects.get_for_model(Article)
        .filter(object_id=str(story_id))
        .order_by("-pk")[:recent]
    )
    for version in versions:
        fields = version.field_dict
        if fields.get("edit_version") == edit_version:
            return fields
    return None
