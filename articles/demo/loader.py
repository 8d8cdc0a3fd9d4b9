"""Demo content for a fresh install, and the editor account that comes with it."""

import secrets
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from ..editorial import revisions
from ..editorial.roles import ensure_roles
from ..models import Article, Author, Byline, Image, Section
from . import data as demo_data
from .photos import demo_photo

EDITOR_USERNAME = "editor"


def paragraphs_to_html(paragraphs):
    return "\n".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)


def demo_time(now, days_ago, hour):
    """``hour`` o'clock local time ``days_ago`` days before ``now``, never in the future."""
    day = timezone.localdate(now) - timedelta(days=days_ago)
    when = timezone.make_aware(datetime.combine(day, time(hour)))
    return min(when, now - timedelta(minutes=5 + days_ago))


PHOTO_EVERY = 4  # one demo story in four gets a lead photo


def make_demo_photo(row, number):
    data = demo_photo(row["section"], seed=number)
    return Image.objects.create(
        file=SimpleUploadedFile(f"demo-{number}.jpg", data, "image/jpeg"),
        alt_text=f"An illustration for the story: {row['headline']}",
        caption=f"Port Alder, drawn for the demo. {row['dek'][:120]}",
        credit="Newsroom demo",
        focal_x=0.5,
        focal_y=0.4,
    )


@transaction.atomic
def load_demo_content(now=None, photos=True):
    """Fill an empty newsroom with demo stories; returns how many were created."""
    if Article.objects.exists():
        return 0
    now = now or timezone.now()
    sections = {
        row["slug"]: Section.objects.create(position=index * 10, **row)
        for index, row in enumerate(demo_data.SECTIONS, start=1)
    }
    authors = {row["slug"]: Author.objects.create(**row) for row in demo_data.AUTHORS}
    for number, row in enumerate(demo_data.STORIES):
        with_photo = photos and (row["featured"] or number % PHOTO_EVERY == 0)
        story = Article.objects.create(
            lead_image=make_demo_photo(row, number) if with_photo else None,
            headline=row["headline"],
            dek=row["dek"],
            body=paragraphs_to_html(row["paragraphs"]),
            section=sections[row["section"]],
            dateline=row["dateline"],
            featured=row["featured"],
            status=Article.Status.PUBLISHED,
            published_at=demo_time(now, row["days_ago"], row["hour"]),
        )
        for position, slug in enumerate(row["authors"]):
            Byline.objects.create(article=story, author=authors[slug], position=position)
        story.tags.add(*row["tags"])
        # Its first revision, so that the first edit can be compared and undone.
        revisions.record_revision(story, "Demo story, as loaded")
    return len(demo_data.STORIES)


def create_editor():
    """Create the editor account with a random password.

    Returns the password, or None if the account exists already.
    """
    User = get_user_model()
    if User.objects.filter(username=EDITOR_USERNAME).exists():
        return None
    password = secrets.token_urlsafe(12)
    user = User.objects.create_user(EDITOR_USERNAME, password=password, is_staff=True)
    user.groups.add(ensure_roles())
    return password
