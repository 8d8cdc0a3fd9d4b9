"""
Who may see and who may change what: the one home of every such rule.

Every way in asks here: the admin's lists, forms, filters, autocompletes,
actions and extra pages; the reader site's tag and author pages and the archive
form; importers, the API and jobs. A rule checked at one door only is not a
rule, so none of them decides for itself.

Staff:

* an **editor** (``edit_any_article``) sees and changes every story;
* a **writer** sees their own stories, those assigned to them and live ones,
  and changes only their own and assigned ones, while they are drafts or in review;
* only those who may publish (``publish_article``) publish, schedule, withdraw,
  feature and correct;
* editors change any photo; a writer fixes the alt text, caption and credit of their
  own uploads, and changes the picture itself only while no one else's story shows it.

Editorial notes are the desk's internal talk about a story: an editor reads and
writes them on every story, a writer on the stories that are theirs (created by
or assigned to them), never on another writer's story, even a live one.
Only editors assign stories and plan their slots.

Readers see live stories only (``Article.live_q``), and through them: a tag or
an author is public once one of their stories is live, never before.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from taggit.models import Tag

from .models import (
    Article,
    Author,
    Autosave,
    Byline,
    EditorialNote,
    Image,
    LiveUpdate,
    PhotoPlacement,
    TaggedArticle,
)

Status = Article.Status
WRITER_STATUSES = (Status.DRAFT, Status.REVIEW)


def is_editor(user):
    return user.has_perm("articles.edit_any_article")


def may_import_wordpress(user):
    """Importing an export publishes what was published there: editors (with the role's
    permission) only."""
    return user.is_active and user.is_staff and user.has_perm("articles.import_importedpost")


def can_publish(user):
    return user.has_perm("articles.publish_article")


# --- Stories ----------------------------------------------------------------


def editors():
    """Active staff who are editors (``is_editor``), as a queryset: who hears of a story
    waiting for review."""
    perm = Permission.objects.filter(
        content_type__app_label="articles", codename="edit_any_article"
    )
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    return users.filter(
        Q(is_superuser=True) | Q(groups__permissions__in=perm) | Q(user_permissions__in=perm)
    ).distinct()


def _own_q(user, prefix=""):
    """Stories that are ``user``'s: created by them or assigned to them."""
    return Q(**{f"{prefix}created_by": user}) | Q(**{f"{prefix}assignee": user})


def story_q(user, now=None, prefix=""):
    """The stories ``user`` may see, as a Q on a story reached through ``prefix``."""
    if is_editor(user):
        return Q()
    return _own_q(user, prefix) | Article.live_q(now, prefix)


def stories_visible_to(user, queryset=None, now=None):
    queryset = Article.objects.all() if queryset is None else queryset
    return queryset.filter(story_q(user, now))


def _is_own(user, story):
    return user.pk is not None and user.pk in (story.created_by_id, story.assignee_id)


def mine_q(user, prefix=""):
    """The stories that are ``user``'s own: they created it, or they are in its byline
    (through the author whose staff account they are). Not a permission by itself:
    a writer changes only the stories they created or are assigned (``may_change_story``)."""
    in_byline = Byline.objects.filter(author__user=user).values("article_id")
    return Q(**{f"{prefix}created_by": user}) | Q(**{f"{prefix}pk__in": in_byline})


def may_view_story(user, story):
    return is_editor(user) or _is_own(user, story) or story.is_live


def may_change_story(user, story):
    """Editors change any story; a writer only their own (or assigned to them), while it
    is a draft or in review."""
    if is_editor(user):
        return True
    return _is_own(user, story) and story.status in WRITER_STATUSES


def may_assign(user):
    """Who sets a story's assignee, planned slot and target length: the desk's editors."""
    return is_editor(user)


def may_request_changes(user, story):
    """Sending a story in review back to its writer with a reason is an editor's call."""
    return can_publish(user) and may_change_story(user, story)


# --- Editorial notes ----------------------------------------------------------


def notes_story_q(user, prefix=""):
    """The stories on which ``user`` may read and write notes, as a Q."""
    if is_editor(user):
        return Q()
    return _own_q(user, prefix)


def may_read_notes(user, story):
    """Editors on every story; a writer on their own and assigned stories only: a note
    on someone else's story is that story's private business, even once it is live."""
    return is_editor(user) or _is_own(user, story)


def may_write_notes(user, story):
    """Adding, replying to, resolving and reopening notes: whoever may read them."""
    return may_read_notes(user, story)


def notes_visible_to(user, queryset=None):
    """Notes ``user`` may read, wherever they are listed (the desk, an inbox, a history)."""
    queryset = EditorialNote.objects.all() if queryset is None else queryset
    return queryset.filter(notes_story_q(user, prefix="article__"))


# --- Autosaves ----------------------------------------------------------------


def may_autosave(user, story):
    """Whether ``user`` may keep an autosave of their changes to ``story`` (None: a new
    story): only where they could save the form itself."""
    if story is None:
        return user.has_perm("articles.add_article")
    return user.has_perm("articles.change_article") and may_change_story(user, story)


def autosaves_of(user, queryset=None):
    """The autosaves ``user`` may read or discard: their own and nobody else's, whatever
    their role. An autosave holds text its author chose not to save yet."""
    queryset = Autosave.objects.all() if queryset is None else queryset
    return queryset.filter(user=user)


# --- What a story leads to: tags, photos --------------------------------------


def tags_visible_to(user, queryset=None, now=None):
    """Tags on stories ``user`` may see: a tag known only through another writer's
    draft (a scoop's subject) is not shown to a writer."""
    queryset = Tag.objects.all() if queryset is None else queryset
    if is_editor(user):
        return queryset
    seen = TaggedArticle.objects.filter(
        Q(tag=OuterRef("pk")) & story_q(user, now, prefix="content_object__")
    )
    return queryset.filter(Exists(seen))


def photos_visible_to(user, queryset=None, now=None):
    """Photos ``user`` may see: editors all; a writer those they uploaded, those a story
    they may see shows (lead, body or shared card), and library photos no story shows.
    So a photo only another writer's draft uses stays theirs until the story is live.

    Asked through the placements (``PhotoPlacement``), from the few stories a writer may
    not see (``hidden_story_q``: not live and not theirs) rather than per photo: the set
    of photos to leave out is read once, whatever the size of the library."""
    queryset = Image.objects.all() if queryset is None else queryset
    if is_editor(user):
        return queryset
    seen_elsewhere = PhotoPlacement.objects.filter(photo=OuterRef("photo")).filter(
        story_q(user, now, prefix="story__")
    )
    hidden_stories = Article.objects.filter(hidden_story_q(user, now)).values("pk")
    hidden = (
        PhotoPlacement.objects.filter(story__in=hidden_stories)
        .exclude(Exists(seen_elsewhere))
        .values("photo")
    )
    return queryset.filter(Q(uploaded_by=user) | ~Q(pk__in=hidden))


def hidden_story_q(user, now=None, prefix=""):
    """The stories a writer may not see (the complement of ``story_q``), spelled so that
    an index on status and publication time finds them: the ones not live (drafts, in
    review, withdrawn, scheduled) that are not theirs. Few, in a newsroom's archive."""
    published = Status.PUBLISHED
    not_live = (
        Q(**{f"{prefix}status__in": [s for s in Status.values if s != published]})
        | Q(**{f"{prefix}status": published, f"{prefix}published_at__gt": now or timezone.now()})
        | Q(**{f"{prefix}status": published, f"{prefix}published_at__isnull": True})
    )
    return not_live & ~_own_q(user, prefix)


def may_change_photo(user, photo=None):
    """Editors change any photo; whoever may upload photos (a writer) fixes the words of
    their own uploads: alt text, caption and credit. ``photo=None`` asks whether ``user``
    may change some photo (the library's links to change pages)."""
    if user.has_perm("articles.change_image"):
        return True
    if not user.has_perm("articles.add_image"):
        return False
    return photo is None or photo.uploaded_by_id == user.pk


def may_replace_picture(user, photo):
    """Who may change the picture itself, its file or its focal point (which recrops every
    thumbnail): editors; a writer only for their own upload while no other person's story
    shows it, so a writer never changes the picture in someone else's story."""
    if user.has_perm("articles.change_image"):
        return True
    if not may_change_photo(user, photo) or photo.pk is None:
        return False
    shown_by_others = PhotoPlacement.objects.filter(photo=photo).exclude(story__created_by=user)
    return not shown_by_others.exists()


# --- Readers -----------------------------------------------------------------


def _with_a_live_link(queryset, links):
    """``queryset`` narrowed to rows with a link in ``links`` (filtered by ``OuterRef``)
    dated by now. Links carry their story's publication time only while it is published,
    so that is "with a live story". Written as the newest such link (one index lookup a
    row) rather than EXISTS, which PostgreSQL may plan as a scan of every link."""
    newest = Subquery(links.order_by("-published_at").values("published_at")[:1])
    return queryset.alias(newest_live=newest).filter(newest_live__isnull=False)


def public_tags(queryset=None, now=None):
    """Tags with at least one live story: the only ones readers may learn of."""
    queryset = Tag.objects.all() if queryset is None else queryset
    links = TaggedArticle.objects.filter(
        tag=OuterRef("pk"), published_at__lte=now or timezone.now()
    )
    return _with_a_live_link(queryset, links)


def public_authors(queryset=None, now=None):
    """Authors with at least one live story."""
    queryset = Author.objects.all() if queryset is None else queryset
    links = Byline.objects.filter(author=OuterRef("pk"), published_at__lte=now or timezone.now())
    return _with_a_live_link(queryset, links)


# --- Live coverage (issue 17) --------------------------------------------------
#
# Editors open and close live coverage and set the breaking-news banner. Anyone on the
# desk who may see a story with live coverage open drafts updates to it; only those
# who may publish publish, schedule, edit published updates or delete them. A writer
# changes their own drafts only. Readers see published updates whose time has come
# (``LiveUpdate.visible_q``), on live stories.


def may_run_live_coverage(user):
    """Who opens and closes live coverage, and sets or clears the breaking banner."""
    return user.is_active and is_editor(user) and can_publish(user)


def may_add_live_update(user, story):
    if not (user.is_active and user.is_staff) or story.pk is None:
        return False
    if is_editor(user):
        return True
    return story.live_coverage and may_view_story(user, story)


def may_publish_live_update(user):
    return user.is_active and can_publish(user)


def may_change_live_update(user, update):
    """Editors change any update; a writer only their own, while it is a draft."""
    if is_editor(user) and can_publish(user):
        return True
    return (
        user.is_active
        and update.created_by_id == user.pk
        and update.status == LiveUpdate.Status.DRAFT
        and may_add_live_update(user, update.story)
    )


def live_updates_visible_to(user, queryset=None):
    """Updates ``user`` sees in the admin: editors all; a writer the published ones and
    their own drafts, never another writer's draft."""
    queryset = LiveUpdate.objects.all() if queryset is None else queryset
    if is_editor(user):
        return queryset
    return queryset.filter(Q(status=LiveUpdate.Status.PUBLISHED) | Q(created_by=user))
