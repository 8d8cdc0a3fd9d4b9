"""import_wordpress writes posts in batches (issue 16's speed target): each batch's first
revisions, search index and page stamps are written in bulk, and none of that changes what
an editor or a reader sees. An imported story's history works as any other's, a post that
fails leaves nothing behind and is named, and every page that could show an imported
story is fresh once the import is done."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Revision, Version

from articles.editorial import revisions
from articles.models import Article, Correction, ImportedPost, StoryRedirect
from articles.reader import search
from bench.wordpress import write_export

from .factories import make_author, make_staff, make_story
from .test_workflow import change_url, form_data

pytestmark = pytest.mark.django_db

SITE = Path(__file__).parent / "fixtures" / "wordpress" / "site.xml"


def run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_wordpress", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def story(post_id):
    return Article.objects.get(source_id=f"wordpress:https://gazette.example:{post_id}")


def held(story):
    """What each revision of ``story`` holds: per revision, its comment and its rows."""
    return [
        (
            version.revision.comment,
            sorted(
                (other._model.__name__, other.object_id, other.object_repr, other.serialized_data)
                for other in version.revision.version_set.all()
            ),
        )
        for version in Version.objects.get_for_object(story).order_by("pk")
    ]


def test_bulk_revisions_hold_exactly_what_record_revision_holds():
    ana, ben = make_author("Ana Reyes"), make_author("Ben Cole")
    stories = []
    for number in range(3):
        one = make_story(f"Ferry timetable {number}", authors=[ana, ben], tags=["ferry", "tides"])
        Correction.objects.create(article=one, text="The 7:15 sailing was misdated.")
        stories.append(one)
    bare = make_story("Tide tables")  # no byline, tag or correction
    stories = list(Article.objects.filter(pk__in=[one.pk for one in stories]).order_by("pk"))

    kept = revisions.record_revisions((one, f"Imported {one.pk}") for one in [*stories, bare])
    assert len(kept) == 4
    bulk = {one.pk: held(one) for one in [*stories, bare]}
    assert all(len(revisions_of) == 1 for revisions_of in bulk.values())
    (first,) = Version.objects.get_for_object(stories[0])
    assert len(revisions.stored_rows(first, "bylines")) == 2
    assert len(revisions.stored_rows(first, "tagged_items")) == 2
    assert len(revisions.stored_rows(first, "corrections")) == 1

    Revision.objects.all().delete()
    for one in [*stories, bare]:
        revisions.record_revision(Article.objects.get(pk=one.pk), f"Imported {one.pk}")
    assert {one.pk: held(one) for one in [*stories, bare]} == bulk


def test_bulk_revisions_leave_none_for_a_story_that_did_not_change():
    one = make_story("Tide tables", tags=["tides"])
    revisions.record_revision(one, "first")
    assert revisions.record_revisions([(one, "again, unchanged")]) == []
    one.headline = "Tide tables for June"
    one.save()
    assert len(revisions.record_revisions([(one, "changed")])) == 1
    assert [v.revision.comment for v in Version.objects.get_for_object(one)] == ["changed", "first"]


def test_an_imported_story_can_be_compared_and_reverted(client):
    client.force_login(make_staff("ed", "Editor"))
    assert run(SITE)[0] == 0
    pier = story(10)
    (first,) = Version.objects.get_for_object(pier)
    assert first.revision.get_comment() == "Imported from WordPress post 10"
    imported = (pier.headline, sorted(pier.tags.names()), list(pier.authors.all()), pier.section)
    client.post(change_url(pier), form_data(pier, headline="Pier closed for repairs", tags="works"))
    pier.refresh_from_db()
    assert pier.headline == "Pier closed for repairs" and list(pier.tags.names()) == ["works"]

    newer = Version.objects.get_for_object(pier).first()
    url = reverse("admin:articles_article_compare", args=[pier.pk])
    html = client.get(url, {"from": first.pk, "to": newer.pk}).content.decode()
    assert "<del>New</del>" in html and "<ins>closed</ins>" in html and "Tides" in html

    revisions.revert_story(first)
    pier.refresh_from_db()
    assert (pier.headline, sorted(pier.tags.names()), list(pier.authors.all()), pier.section) == (
        imported
    )
    assert imported[0] == "New pier opens to walkers" and "Tides" in imported[1]


def test_a_post_that_fails_in_a_batch_leaves_nothing_and_is_named(tmp_path):
    # Two posts with one id: the second fails on its import record, which the batch
    # inserts with the others' after every post's story, redirects and notes are written:
    # the batch is undone and written again a post a transaction, and only it fails.
    twice = tmp_path / "twice.xml"
    twice.write_text(
        SITE.read_text().replace("<wp:post_id>13</wp:post_id>", "<wp:post_id>12</wp:post_id>")
    )
    code, out, err = run(twice)
    assert code == 1 and "1 posts failed" in err
    assert "Failed: post 12 'Storm warning issued': " in out
    assert "imported 11," in out

    assert not Article.objects.filter(body__contains="arrived").exists()
    assert Article.objects.count() == ImportedPost.objects.count() == 11
    assert _matches("arrived") == []
    first = Article.objects.get(body__contains="Gales expected")
    assert StoryRedirect.objects.get(old_path="/?p=12").article == first
    assert not StoryRedirect.objects.filter(old_path="/2023/06/01/storm-warning-2/").exists()
    # The posts after it, in the same batch, came in whole: revision and index included.
    for post_id in (14, 15, 17, 30, 31):
        later = story(post_id)
        assert Version.objects.get_for_object(later).count() == 1
    assert _matches("Regatta") == [story(18).pk]
    assert Revision.objects.count() == 11


def _matches(words):
    sql, params = search.staff_matches(words)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# Met once a run whatever its size: sections, tags and people looked up or made.
ONCE_A_RUN = ("taggit_tag", "articles_section", "articles_author", "articles_archiveredirect")


def test_the_import_costs_a_few_queries_a_post(tmp_path):
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    write_export(small, 20)
    write_export(large, 80)  # the same first 20 posts, then 60 more
    assert run(small)[0] == 0
    with CaptureQueriesContext(connection) as queries:
        code, out, _ = run(large)
    assert code == 0 and "imported 60, updated 0, unchanged 20" in out
    per_post = [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        and not any(f'"{table}"' in query["sql"] for table in ONCE_A_RUN)
    ]
    # Each post: its address checked, its row, its photo placements and old address
    # looked at, and its redirects. Its byline, tag links and import record, its first
    # revision, its search index and the page stamps are a few statements a batch.
    assert len(per_post) <= 60 * 5 + 40, len(per_post)


@pytest.mark.usefixtures("page_store")
def test_every_page_that_could_show_an_imported_story_is_fresh_after_the_import(client, tmp_path):
    assert run(SITE)[0] == 0
    pier = story(10)
    pages = [
        pier.path,
        reverse("front"),
        pier.section.get_absolute_url(),
        reverse("tag", kwargs={"slug": pier.tags.get(name="Tides").slug}),
        pier.authors.get().get_absolute_url(),
    ]
    for page in pages:
        response = client.get(page)
        assert (
            response.status_code == 200 and "New pier opens to walkers" in response.content.decode()
        )
        assert "Pier opens to cyclists" not in response.content.decode()

    renamed = tmp_path / "renamed.xml"
    renamed.write_text(
        SITE.read_text().replace("New pier opens to walkers", "Pier opens to cyclists")
    )
    code, out, _ = run(renamed)
    assert code == 0 and "updated 1," in out
    for page in pages:
        html = client.get(page).content.decode()
        assert "Pier opens to cyclists" in html and "New pier opens to walkers" not in html, page
    assert (
        "Pier opens to cyclists"
        in client.get(reverse("search"), {"q": "cyclists"}).content.decode()
    )
