"""Small builders for test data: a story in one call, with sensible defaults."""

import itertools
from datetime import timedelta

from django.utils import timezone

from articles.models import Article, Author, Byline, Section

_numbers = itertools.count(1)


def make_section(name=None, **fields):
    number = next(_numbers)
    name = name or f"Section {number}"
    fields.setdefault("slug", f"section-{number}")
    return Section.objects.create(name=name, **fields)


def make_author(name=None, **fields):
    number = next(_numbers)
    name = name or f"Reporter {number}"
    fields.setdefault("slug", f"reporter-{number}")
    return Author.objects.create(name=name, **fields)


def make_story(headline=None, *, authors=(), tags=(), age=timedelta(hours=1), **fields):
    """A published story, ``age`` old unless ``published_at`` or ``status`` say otherwise."""
    number = next(_numbers)
    fields.setdefault("status", Article.Status.PUBLISHED)
    fields.setdefault("body", f"<p>Body of story {number}.</p>")
    fields.setdefault("dek", f"The dek of story {number}.")
    if "published_at" not in fields and fields["status"] == Article.Status.PUBLISHED:
        fields["published_at"] = timezone.now() - age
    if fields["status"] == Article.Status.REVIEW:  # as workflow.transition would stamp it
        fields.setdefault("submitted_at", timezone.now())
    story = Article.objects.create(headline=headline or f"Story number {number}", **fields)
    for position, author in enumerate(authors):
        Byline.objects.create(article=story, author=author, position=position)
    if tags:
        story.tags.add(*tags)
    return story


def make_draft(headline=None, **fields):
    return make_story(headline, status=Article.Status.DRAFT, **fields)


def make_scheduled(headline=None, *, delay=timedelta(hours=2), **fields):
    return make_story(headline, published_at=timezone.now() + delay, **fields)


def make_staff(username, role=None, **fields):
    """A staff account in the Writer or Editor role (or a superuser with role="superuser")."""
    from django.contrib.auth import get_user_model

    from articles.editorial.roles import sync_roles

    User = get_user_model()
    if role == "superuser":
        return User.objects.create_superuser(username, password="unused-pass-123", **fields)
    user = User.objects.create_user(username, password="unused-pass-123", is_staff=True, **fields)
    if role:
        user.groups.add(sync_roles()[role])
    return user
