"""What every fuzz test runs against: a small live site with a draft and a scheduled
story that must never show, and quiet logs."""

import copy
import logging
from datetime import UTC, datetime, timedelta

import pytest
import reversion
from taggit.models import Tag

from articles.editorial import autosave
from articles.editorial import desk as desk_rules
from articles.editorial.previews import share_url
from articles.models import (
    Article,
    Correction,
    InboxItem,
    PreviewLink,
    StoryRedirect,
    TagRedirect,
)

from ..conftest import rows_for_the_module
from ..factories import (
    make_author,
    make_draft,
    make_scheduled,
    make_section,
    make_staff,
    make_story,
)
from .fuzzer import AUTOSAVE_SECRET, NOTE_SECRET, SECRET_MARKER, UNPUBLISHED


@pytest.fixture(autouse=True)
def quiet_error_logs():
    """Thousands of 404s and refused hosts would flood the log; failures carry their own
    traceback."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture(scope="module")
def newsroom_rows(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The fuzz site's rows and files, written once for the module (test_obvious.py has
    32 tests): what each test gets is ``newsroom``."""
    folder = tmp_path_factory.mktemp("fuzz-site")
    yield from rows_for_the_module(request, django_db_blocker, lambda: newsroom_built(folder))


@pytest.fixture
def newsroom(newsroom_rows, db, settings):
    """A small live site: sections, tags, authors, published stories with a correction, a
    draft with a share link, a scheduled story (both sharing tags, section and author with
    live ones), redirects and one photo on disk, beside a file outside MEDIA_ROOT."""
    media_root, site = newsroom_rows
    settings.MEDIA_ROOT = media_root
    return copy.deepcopy(site)


def newsroom_built(folder):
    """The rows of ``newsroom``; the photo under ``folder / "media"``, the MEDIA_ROOT its
    tests get, and the secret file beside it."""
    photo_dir = folder / "media" / "images" / "ab"
    photo_dir.mkdir(parents=True)
    (photo_dir / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "secret.txt").write_text(SECRET_MARKER)

    politics = make_section("Politics", slug="politics")
    sport = make_section("Sport", slug="sport")
    zoe = make_author("Zoë Marsh", slug="zoe-marsh")
    ian = make_author("Ian Po", slug="ian-po")
    pier = make_story(
        "Harbour board & council agree on “new” pier",
        section=politics,
        authors=[zoe, ian],
        tags=["Harbour", "Council"],
        featured=True,
        published_at=datetime(2024, 3, 7, 14, 30, tzinfo=UTC),
    )
    make_story("Ferry timetable changes", section=politics, authors=[zoe], tags=["Ferries"])
    make_story(
        "Rovers win the cup", section=sport, authors=[ian], tags=["Football"], age=timedelta(days=2)
    )
    make_story("A story with no section", authors=[ian], age=timedelta(days=40))
    draft = make_draft(UNPUBLISHED[0], section=politics, tags=["Merger", "Council"])
    make_scheduled(UNPUBLISHED[1], section=politics, authors=[zoe], tags=["Harbour"])
    Correction.objects.create(article=pier, text="An earlier version misspelt a name.")
    StoryRedirect.objects.create(old_path="/2024/03/06/old-pier-story/", article=pier)
    TagRedirect.objects.create(old_slug="harbor", tag=Tag.objects.get(slug="harbour"))
    link = PreviewLink.objects.create(article=draft)
    return folder / "media", {"story": pier, "share_url": share_url(link)}


# --- The admin's desk (issue 14) ---------------------------------------------------------


@pytest.fixture
def desk(newsroom):
    """The fuzz site's desk: an editor and two writers. The draft that must never show
    belongs to the colleague, with a note and a share link; the writer has a draft of
    their own (with a note, a share link and two revisions to compare) and an inbox item;
    another editor has an autosave of the published story."""
    editor = make_staff("fuzz-editor", "Editor")
    writer = make_staff("fuzz-writer", "Writer")
    colleague = make_staff("fuzz-colleague", "Writer")
    night_editor = make_staff("fuzz-night-editor", "Editor")
    secret_draft = Article.objects.get(headline=UNPUBLISHED[0])
    Article.objects.filter(pk=secret_draft.pk).update(created_by=colleague)
    secret_draft.refresh_from_db()
    secret_note = desk_rules.add_note(secret_draft, colleague, NOTE_SECRET)
    own = make_draft("Ferry strike notes", created_by=writer, body="<p>First draft.</p>")
    for body in ("<p>Second draft.</p>", "<p>Third draft.</p>"):
        with reversion.create_revision():
            own.body = body
            own.save()
    own_note = desk_rules.add_note(own, editor, "Check the timetable.")
    own_link = PreviewLink.objects.create(article=own, created_by=writer)
    item = InboxItem.objects.create(
        recipient=writer, article=own, kind=InboxItem.Kind.MENTION, text="About the ferry"
    )
    pier = newsroom["story"]
    autosave.keep(night_editor, pier, {"headline": pier.headline, "dek": AUTOSAVE_SECRET})
    return {
        **newsroom,
        "editor": editor,
        "writer": writer,
        "own": own,
        "own_note": own_note,
        "own_link": own_link,
        "secret_draft": secret_draft,
        "secret_note": secret_note,
        "secret_link": PreviewLink.objects.get(article=secret_draft),
        "inbox_item": item,
    }
