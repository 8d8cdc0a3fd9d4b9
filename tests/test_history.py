"""A story's history: compare covers all a revision stores, every story starts with a
revision (imported and demo ones too), and a save that changes nothing leaves none."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.demo.loader import load_demo_content
from articles.editorial import diffs, revisions
from articles.editorial.diffs import compare_versions
from articles.models import Article, Byline, Correction, Image

from .factories import make_author, make_section, make_staff, make_story
from .pictures import picture_bytes, upload
from .test_importer import STORY, write
from .test_workflow import change_url, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def library_photo(alt, size=(600, 400)):
    # Photos are stored by content: a different size makes a different photo.
    return Image.objects.create(file=upload(picture_bytes(size)), alt_text=alt)


def versions(story):
    return list(Version.objects.get_for_object(story).order_by("pk"))


def compare_page(client, story, older, newer):
    url = reverse("admin:articles_article_compare", args=[story.pk])
    return client.get(url, {"from": older.pk, "to": newer.pk}).content.decode()


# --- Compare covers everything a revision stores ---------------------------------

# For each story field a revision stores: a new value, and the row the compare page shows
# with a word of the new value. A field added to the story is stored by every revision; this
# test fails until it is given a line here, and then checks that the compare page shows it.
STORED_FIELD_EDITS = {
    "headline": (lambda ctx: "Ferry crews back", "Headline", "crews"),
    "slug": (lambda ctx: "ferry-strike-ends", "Slug", "ferry-strike-ends"),
    "dek": (lambda ctx: "Crews return on Monday.", "Dek", "Monday."),
    "body": (lambda ctx: "<p>Crews return.</p>", "Body", "Crews"),
    "section_id": (lambda ctx: ctx["harbour"].pk, "Section", "Harbour"),
    "lead_image_id": (lambda ctx: ctx["photo"].pk, "Lead photo", "crane"),
    "dateline": (lambda ctx: "PORT ALDER", "Dateline", "ALDER"),
    "status": (lambda ctx: "review", "Status", "review"),
    "published_at": (lambda ctx: ctx["then"], "Publication time", "2021"),
    "featured": (lambda ctx: True, "Featured on the home page", "Yes"),
    "path": (lambda ctx: "/2021/03/04/ferry-strike-ends/", "Address", "ferry-strike-ends"),
    "source_id": (lambda ctx: "import:ferry", "Source id", "import:ferry"),
    "revised_at": (lambda ctx: ctx["then"], "Updated for readers", "2021"),
    "created_by_id": (lambda ctx: ctx["writer"].pk, "Created by", "wendy"),
    "created_at": (lambda ctx: ctx["then"], "Created at", "2021"),
    "seo_title": (lambda ctx: "Ferry strike over", "SEO title", "over"),
    "meta_description": (lambda ctx: "Crews back at work.", "Meta description", "Crews"),
    "social_title": (lambda ctx: "Ferries sail again", "Social title", "sail"),
    "social_description": (lambda ctx: "Back on Monday.", "Social description", "Monday."),
    "social_image_id": (lambda ctx: ctx["photo"].pk, "Social image", "crane"),
    "assignee_id": (lambda ctx: ctx["writer"].pk, "Assignee", "wendy"),
    "planned_for": (lambda ctx: ctx["then"], "Planned slot", "2021"),
    "target_words": (lambda ctx: 650, "Target length", "650"),
    "live_started_at": (lambda ctx: ctx["then"], "Live coverage since", "2021"),
    "live_ended_at": (lambda ctx: ctx["then"], "Live coverage closed at", "2021"),
    "breaking_until": (lambda ctx: ctx["then"], "Breaking news until", "2021"),
}


def test_compare_shows_every_field_a_revision_stores():
    story = make_story("Ferry strike goes on", section=make_section("City"), status="draft")
    revisions.record_revision(story, "first")
    first = versions(story)[0]
    # Tags are stored as a list of ids too, and shown by the tag rows (the next test).
    assert set(diffs.SHOWN_AS_ROWS.values()) <= set(revisions.STORY_FOLLOWS)
    stored = set(first.field_dict) - set(revisions.BOOKKEEPING) - {"id", *diffs.SHOWN_AS_ROWS}
    assert stored == set(STORED_FIELD_EDITS), "a stored field the compare test does not cover"
    then = timezone.make_aware(timezone.datetime(2021, 3, 4, 12))
    context = {
        "harbour": make_section("Harbour"),
        "photo": library_photo("A harbour crane"),
        "then": then,
        "writer": make_staff("wendy"),
    }
    for field, (value, label, shown) in STORED_FIELD_EDITS.items():
        Article.objects.filter(pk=story.pk).update(**{field: value(context)})
        story = Article.objects.get(pk=story.pk)
        revisions.record_revision(story, f"changed {field}")
        older, newer = versions(story)[-2:]
        changes = {
            change["label"]: str(change["diff"]) for change in compare_versions(older, newer)
        }
        assert label in changes, field
        assert "<ins>" in changes[label] and shown in changes[label].split("<ins>", 1)[1], field


def test_compare_shows_every_kind_of_row_a_revision_follows():
    story = make_story("Ferry strike goes on")
    revisions.record_revision(story, "first")
    Byline.objects.create(article=story, author=make_author("Ana Reyes"))
    story.tags.add("ferries")
    Correction.objects.create(article=story, text="The strike began on Tuesday.")
    revisions.record_revision(story, "second")
    changes = {c["label"]: str(c["diff"]) for c in compare_versions(*versions(story))}
    shown = {"Byline": "Ana", "Tags": "ferries", "Corrections and updates": "Tuesday."}
    assert len(shown) == len(revisions.STORY_FOLLOWS)
    for label, word in shown.items():
        assert word in changes[label], label


def test_compare_page_shows_section_lead_photo_featured_and_photos_in_the_body(client, editor):
    city, harbour = make_section("City"), make_section("Harbour")
    crane, boat = (
        library_photo("A harbour crane at dusk"),
        library_photo("A lifeboat at sea", (640, 400)),
    )
    story = make_story("Crane arrives", section=city)
    client.post(change_url(story), form_data(story, body="<p>The crane arrived.</p>"))
    story.refresh_from_db()
    client.post(
        change_url(story),
        form_data(
            story,
            section=harbour.pk,
            lead_image=crane.pk,
            featured="on",
            body=f'<p>The crane arrived.</p><figure><img src="{boat.body_url}"></figure>',
        ),
    )
    older, newer = versions(story)
    html = compare_page(client, story, older, newer)
    assert '<th scope="row">Section</th><td><del>City</del><ins>Harbour</ins></td>' in html
    assert '<th scope="row">Lead photo</th><td><ins>A harbour crane at dusk' in html
    assert '<th scope="row">Featured on the home page</th><td><del>No</del><ins>Yes</ins>' in html
    assert '<th scope="row">Photos in the body</th><td><ins>A lifeboat at sea' in html


# --- Every story starts with a revision --------------------------------------------


def test_an_imported_story_has_a_first_revision_its_first_edit_can_go_back_to(
    client, editor, tmp_path
):
    path = write(tmp_path, "ferry.txt", STORY)
    out = StringIO()
    call_command("import_stories", str(path), "--author", "Ana Reyes", "--tag", "ferry", stdout=out)
    story = Article.objects.get()
    (first,) = versions(story)
    assert first.revision.get_comment() == "Imported from a story file"
    assert revisions.stored_rows(first, "bylines") and revisions.stored_rows(first, "tagged_items")
    client.post(change_url(story), form_data(story, headline="Ferry timetable stays as it is"))
    older, newer = versions(story)
    html = compare_page(client, story, older, newer)
    assert '<th scope="row">Headline</th>' in html and "<del>summer season</del>" in html
    revisions.revert_story(older)
    story.refresh_from_db()
    assert story.headline == "Ferry timetable changes for the summer season"
    assert list(story.authors.values_list("name", flat=True)) == ["Ana Reyes"]


def test_every_demo_story_has_a_first_revision_with_its_byline_and_tags():
    assert load_demo_content(photos=False) > 0
    for story in Article.objects.all():
        (first,) = versions(story)
        assert first.field_dict["headline"] == story.headline
        assert len(revisions.stored_rows(first, "bylines")) == story.bylines.count()
        assert len(revisions.stored_rows(first, "tagged_items")) == story.tags.count()


# --- A save that changes nothing leaves no revision ---------------------------------


def test_a_save_with_no_change_records_no_revision_one_to_a_byline_or_tag_does(client, editor):
    client.post(reverse("admin:articles_article_add"), form_data(headline="Tide tables"))
    story = Article.objects.get()
    for _ in range(2):
        story.refresh_from_db()
        response = client.post(change_url(story), form_data(story))
        assert response.status_code == 302
    assert len(versions(story)) == 1
    history = client.get(reverse("admin:articles_article_history", args=[story.pk]))
    assert "No fields changed" not in history.content.decode()

    story.refresh_from_db()
    author = make_author("Ana Reyes")
    byline = {"bylines-TOTAL_FORMS": "1", "bylines-0-author": author.pk, "bylines-0-position": 0}
    client.post(change_url(story), form_data(story, **byline))
    story.refresh_from_db()
    client.post(change_url(story), form_data(story, tags="tides"))
    assert len(versions(story)) == 3


def test_an_unchanged_story_saved_in_code_records_no_revision():
    story = make_story("Tide tables", published_at=timezone.now() - timedelta(days=1))
    revisions.record_revision(story, "first")
    story.save()
    revisions.record_revision(story, "again, unchanged")
    story.headline = "Tide tables for June"
    story.save()
    revisions.record_revision(story, "changed")
    assert [v.revision.get_comment() for v in versions(story)] == ["first", "changed"]
