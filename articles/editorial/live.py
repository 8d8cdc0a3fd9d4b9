"""
Live coverage's desk rules (issue 17), apart from any screen: opening and closing a
story's live coverage, the breaking-news banner, and adding, editing, publishing and
deleting updates. Who may do each is asked of ``articles.access``; each change is a
revision of the story (django-reversion, ``revisions.register``: an update follows its
story), so the story's history shows every update added, edited or deleted.
"""

from datetime import timedelta

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..access import (
    may_add_live_update,
    may_change_live_update,
    may_publish_live_update,
    may_run_live_coverage,
    photos_visible_to,
)
from ..models import Article, LiveUpdate

BREAKING_DEFAULT = timedelta(hours=1)
Status = LiveUpdate.Status


def _story_revision(story, user, comment):
    reversion.add_to_revision(story)
    reversion.set_user(user)
    reversion.set_comment(comment)


def _save_story(story, user, fields, comment):
    if not may_run_live_coverage(user):
        raise PermissionDenied("Only editors run live coverage and the breaking-news banner.")
    with transaction.atomic(), reversion.create_revision():
        story.updated_by = user
        story.save(update_fields=[*fields, "updated_by", "edit_version", "updated_at"])
        _story_revision(story, user, comment)


def open_coverage(story, user, now=None):
    """Run ``story`` as live coverage from ``now`` (again, if it was closed)."""
    story.live_started_at = story.live_started_at or now or timezone.now()
    story.live_ended_at = None
    _save_story(story, user, ["live_started_at", "live_ended_at"], "Live coverage opened")


def close_coverage(story, user, now=None):
    if story.live_started_at is None:
        raise ValidationError("This story is not live coverage.")
    story.live_ended_at = now or timezone.now()
    _save_story(story, user, ["live_ended_at"], "Live coverage closed")


def set_breaking(story, user, until=None, now=None):
    """Show the breaking-news banner for ``story`` until ``until`` (default: an hour)."""
    now = now or timezone.now()
    until = until or now + BREAKING_DEFAULT
    if until <= now:
        raise ValidationError({"breaking_until": "Choose a time in the future."})
    story.breaking_until = until
    _save_story(story, user, ["breaking_until"], f"Breaking news until {until:%H:%M}")


def clear_breaking(story, user):
    story.breaking_until = None
    _save_story(story, user, ["breaking_until"], "Breaking news banner removed")


def save_update(update, user, *, authors=None, publish=None):
    """Save ``update`` (new or edited) as ``user``; ``publish`` True/False moves it to
    published/draft (None keeps its status). Writers draft, editors publish; an update
    saved by a writer is a draft whatever the form said. Returns the update."""
    story = update.story
    if update.pk is None:
        if not may_add_live_update(user, story):
            raise PermissionDenied("You cannot add updates to this story.")
        update.created_by = user
    else:
        stored = LiveUpdate.objects.select_related("story").get(pk=update.pk)
        if not may_change_live_update(user, stored):
            raise PermissionDenied("You can change only your own draft updates.")
    if publish is not None:
        update.status = Status.PUBLISHED if publish else Status.DRAFT
    if update.status == Status.PUBLISHED and not may_publish_live_update(user):
        raise PermissionDenied("Only editors publish updates; save it as a draft.")
    if not (update.body or "").strip():
        raise ValidationError({"body": "An update needs some text."})
    if update.photo_id and not photos_visible_to(user).filter(pk=update.photo_id).exists():
        # The library's rule: another writer's draft's photo stays theirs till it is live.
        raise ValidationError({"photo": "Choose a photo from the library you may use."})
    update.updated_by = user
    adding = update.pk is None
    with transaction.atomic(), reversion.create_revision():
        update.save()
        if authors is not None:
            update.authors.set(authors)
        reversion.add_to_revision(update)
        reversion.set_user(user)
        reversion.set_comment(f"Live update {'added' if adding else 'changed'} ({update.pk})")
    return update


def delete_update(update, user):
    if not may_change_live_update(user, update):
        raise PermissionDenied("You can delete only your own draft updates.")
    story = Article.objects.get(pk=update.story_id)
    with transaction.atomic(), reversion.create_revision():
        number = update.pk
        update.delete()
        _story_revision(story, user, f"Live update deleted ({number})")
