"""import_wordpress (issue 16): a WordPress export comes across whole, nothing private
goes public, old addresses keep working, a re-run changes nothing, bad files are refused."""

import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image as PILImage

from articles.models import (
    Article,
    Author,
    EditorialNote,
    Image,
    ImportedPost,
    Section,
    StoryRedirect,
)
from tests.pictures import jpeg_with_secrets, picture_bytes

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "wordpress"
SITE = FIXTURES / "site.xml"


def run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_wordpress", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def uploads(tmp_path, media_root):
    """A copy of wp-content/uploads with two of the export's three pictures."""
    folder = tmp_path / "uploads" / "2023" / "05"
    folder.mkdir(parents=True)
    (folder / "pier.jpg").write_bytes(jpeg_with_secrets((900, 600)))
    (folder / "pier-300x200.jpg").write_bytes(picture_bytes((300, 200)))
    (folder / "crane.png").write_bytes(picture_bytes((400, 300), "PNG"))
    return tmp_path / "uploads"


@pytest.fixture
def imported(uploads, tmp_path):
    report = tmp_path / "report.json"
    code, out, err = run(SITE, "--media-dir", uploads, "--report", report)
    return code, out, err, json.loads(report.read_text())


def story(post_id):
    return Article.objects.get(source_id=f"wordpress:https://gazette.example:{post_id}")


def test_a_published_post_becomes_a_live_story_with_its_people_section_tags_and_photo(
    imported, client
):
    code, out, err, report = imported
    assert code == 0, err
    pier = story(10)
    assert pier.headline == "New pier opens to walkers"
    assert pier.dek == "The long-awaited pier is open."
    assert pier.is_live and pier.featured  # sticky → featured
    assert pier.published_at == datetime(2023, 5, 2, 9, 0, tzinfo=UTC)
    assert pier.path.endswith("/new-pier/")
    assert [a.name for a in pier.authors.all()] == ["Mara Bell"]
    assert pier.section.name == "Harbour"  # the primary category
    assert sorted(pier.tags.names()) == sorted(["Tides", "Café culture", "港", "Économie"])
    assert pier.lead_image.alt_text == "The new pier's timber deck at sunrise"
    assert pier.lead_image.caption == "The new pier at dawn."
    assert pier.lead_image.credit == "Mara Bell"
    page = client.get(pier.path)
    assert page.status_code == 200
    assert "The deck at dawn" in page.content.decode()


def test_photos_go_through_the_upload_path_and_missing_ones_are_reported(imported):
    *_, report = imported
    pier = story(10).lead_image
    with pier.file.open("rb") as handle:
        picture = PILImage.open(handle)
        assert picture.size == (900, 600)  # the original, not the 300x200 thumbnail
        assert not picture.getexif()  # GPS, camera serial and owner removed
    assert Image.objects.count() == 2  # pier and crane; lost.jpg has no file
    missing = {(m["post_id"], m["file"]) for m in report["media_missing"]}
    assert (10, "https://gazette.example/wp-content/uploads/2023/05/missing.jpg") in missing
    assert (11, "attachment 21") in missing
    assert report["photos"] == 2


def test_body_conversion(imported):
    pier = story(10).body
    # Classic text gets paragraphs, a single line break a <br>.
    assert "<p>The pier opened on Tuesday.<br>\nWalkers queued from six.</p>" in pier
    # [caption] → a figure with its caption, the library photo in it.
    assert "<figcaption>The deck at dawn</figcaption>" in pier
    assert 'src="/media/images/' in pier and "wp-content" not in pier
    # Unknown shortcodes: removed, inner text kept; "[sic]" is not a shortcode.
    assert "A pier for everyone" in pier and "[pullquote" not in pier
    assert "contact-form-7" not in pier and "[sic]" in pier
    # Nothing unsafe survives; more/nextpage dropped, the text around them kept.
    for unsafe in ("<script", "alert(", "onclick", "<iframe", "<style", "<!--"):
        assert unsafe not in pier
    assert "After the break." in pier and "Page two." in pier
    assert 'alt="gone"' not in pier  # the missing picture is left out

    ferry = story(11).body
    assert "wp:paragraph" not in ferry and "<p>Fares stay at <strong>£2</strong>" in ferry
    assert '<a href="https://www.youtube.com/watch?v=abc123"' in ferry
    assert '<a href="https://vimeo.com/76979871"' in ferry
    assert ferry.count("<figure>") == 2  # the gallery's two photos that have files
    assert "[gallery" not in ferry and "[embed" not in ferry


def test_report_counts_what_was_skipped_and_the_shortcodes_seen(imported):
    code, out, _, report = imported
    assert report["skipped"] == {
        "auto-draft": 1,
        "comment": 2,
        "custom field": 1,
        "custom post type recipe": 1,
        "menu item": 1,
        "page": 1,
        "trash": 1,
    }
    assert report["shortcodes"] == {"pullquote": 1, "contact-form-7": 1}
    assert report["imported"] == 12 and report["failed"] == []
    assert "imported 12, updated 0, unchanged 0" in out
    assert "Shortcodes removed (inner text kept): [pullquote] ×1, [contact-form-7] ×1" in out


def test_statuses_never_make_public_what_was_not(imported, client):
    Status = Article.Status
    expected = {
        14: Status.DRAFT,  # draft
        15: Status.REVIEW,  # pending
        16: Status.DRAFT,  # private
        17: Status.DRAFT,  # password-protected, though published
        19: Status.DRAFT,  # scheduled, but its time passed unpublished
        31: Status.DRAFT,  # empty
    }
    for post_id, status in expected.items():
        found = story(post_id)
        assert found.status == status, post_id
        assert not found.is_live
    assert "Password-protected" in EditorialNote.objects.get(article=story(17)).body
    regatta = story(18)  # future → scheduled
    assert regatta.status == Status.PUBLISHED and not regatta.is_live
    assert client.get(regatta.path).status_code == 404
    for old in ("/?p=14", "/?p=15", "/2023/07/03/staff-memo/", "/2023/07/04/puzzle/", "/?p=18"):
        response = client.get(old)
        assert response.status_code in {200, 404}, old  # never a redirect to a hidden story
        assert "Council budget" not in response.content.decode()


def test_missing_gmt_date_is_read_in_the_exports_time_zone(imported):
    # The other posts show the site one hour ahead of GMT.
    assert story(11).published_at == datetime(2023, 11, 20, 17, 30, tzinfo=UTC)
    assert story(11).slug == "ferry-fares-frozen-for-winter"  # empty post_name: the title


def test_untitled_post_and_duplicate_slugs(imported, client):
    untitled = story(30)
    assert untitled.headline.startswith("Low tide at noon")
    assert untitled.is_live
    first, second = story(12), story(13)
    assert first.headline == second.headline and first.path != second.path
    assert client.get(first.path).status_code == client.get(second.path).status_code == 200


def test_old_addresses_redirect_permanently(imported, client):
    pier, ferry = story(10), story(11)
    assert client.get("/?p=10").headers["Location"] == pier.path
    response = client.get("/?p=11")
    assert response.status_code == 301 and response.headers["Location"] == ferry.path
    # A permalink of another shape (the site once used /news/%postname%/).
    response = client.get("/news/storm-warning/")
    assert response.status_code == 301 and response.headers["Location"] == story(12).path
    # WordPress numbered the second storm-warning as this story is numbered: same address.
    assert story(13).path == "/2023/06/01/storm-warning-2/"
    # Archive pages: the category is a section now; a tag keeps its page.
    response = client.get("/category/harbour/")
    assert response.status_code == 301
    assert response.headers["Location"] == Section.objects.get(name="Harbour").get_absolute_url()
    response = client.get("/category/harbour/ferries/")
    assert response.status_code == 301 and "/tag/" in response.headers["Location"]
    assert client.get("/tag/tides/").status_code == 200  # the same address: no redirect
    # A tag in another script keeps its page too (WordPress percent-encodes its slug).
    harbour = client.get("/tag/%E6%B8%AF/")
    assert harbour.status_code == 200 and story(10).headline in harbour.content.decode()
    # Unknown ids and the front page itself are left alone.
    assert client.get("/?p=999").status_code == 200
    assert client.get("/?p=abc").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    assert not StoryRedirect.objects.filter(old_path=pier.path).exists()


def test_running_again_changes_nothing(imported, uploads, django_assert_max_num_queries):
    before = {a.pk: (a.edit_version, a.body) for a in Article.objects.all()}
    # Unchanged posts cost no query each: what is left is the site's terms' redirects.
    with django_assert_max_num_queries(25):
        code, out, _ = run(SITE, "--media-dir", uploads)
    assert code == 0
    assert "imported 0, updated 0, unchanged 12" in out
    assert {a.pk: (a.edit_version, a.body) for a in Article.objects.all()} == before
    assert Image.objects.count() == 2


def test_re_run_updates_what_changed_and_keeps_what_editors_changed(uploads, tmp_path):
    assert run(SITE, "--media-dir", uploads)[0] == 0
    edited = story(12)
    edited.headline = "Storm warning: gales tonight"
    edited.save()
    changed = tmp_path / "changed.xml"
    changed.write_text(
        SITE.read_text()
        .replace("Gales expected tonight.", "Gales expected tonight and tomorrow.")
        .replace("Update: the gales have arrived.", "Update: the gales arrived at noon.")
    )
    code, out, _ = run(changed, "--media-dir", uploads)
    assert code == 0 and "updated 1, unchanged 10, kept as edited since 1" in out
    assert story(12).headline == "Storm warning: gales tonight"  # the desk's edit kept
    assert "noon" in story(13).body
    assert Article.objects.count() == 12
    code, out, _ = run(changed, "--media-dir", uploads, "--overwrite")
    assert code == 0
    assert story(12).headline == "Storm warning issued" and "tomorrow" in story(12).body


def test_dry_run_saves_nothing(uploads, media_root):
    code, out, _ = run(SITE, "--media-dir", uploads, "--dry-run")
    assert code == 0 and "Dry run (nothing saved): imported 12" in out
    assert not Article.objects.exists() and not Image.objects.exists()
    assert not ImportedPost.objects.exists() and not Author.objects.exists()
    assert not Path(media_root).exists() or not any(Path(media_root).rglob("*.*"))


def test_options_limit_sections_and_status_map(tmp_path):
    code, _, _ = run(
        SITE,
        "--limit",
        "2",
        "--section-from",
        "none",
        "--default-section",
        "Archive",
        "--status-map",
        "publish=review",
    )
    assert code == 0
    assert Article.objects.count() == 2
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.REVIEW}
    assert {a.section.name for a in Article.objects.all()} == {"Archive"}
    assert "Harbour" in story(10).tags.names()


@pytest.mark.parametrize("mapping", ["draft=published", "private=scheduled", "pending=published"])
def test_a_status_map_cannot_make_anything_public(mapping):
    code, _, err = run(SITE, "--status-map", mapping)
    assert code == 1 and "--status-map" in err and "cannot become" in err
    assert not Article.objects.exists()


def test_a_bad_post_fails_alone_and_the_exit_status_says_so(tmp_path):
    broken = tmp_path / "broken.xml"
    long_title = ("Long " * 100).strip()
    broken.write_text(SITE.read_text().replace("Staff only memo", long_title))
    report = tmp_path / "report.json"
    code, out, err = run(broken, "--report", report)
    assert code == 1 and "1 posts failed" in err
    assert f"Failed: post 16 {long_title!r}: the title is 499 characters long" in out
    assert Article.objects.count() == 11
    assert json.loads(report.read_text())["failed"][0]["post_id"] == 16


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("billion-laughs.xml", "refused: the file declares entities"),
        ("external-entity.xml", "refused: the file declares entities"),
        ("plain-rss.xml", "not a WordPress export (WXR): no <wp:wxr_version>"),
        ("not-rss.xml", "not a WordPress export (WXR): the document is <html>"),
    ],
)
def test_hostile_and_foreign_files_are_refused_in_one_line(name, reason):
    code, _, err = run(FIXTURES / name)
    assert code == 1
    message = err.strip()
    assert "\n" not in message and message.startswith(str(FIXTURES / name))
    assert reason in message
    assert not Article.objects.exists()


def test_a_truncated_file_is_refused_with_nothing_written(tmp_path):
    text = SITE.read_text()
    truncated = tmp_path / "cut.xml"
    truncated.write_text(text[: int(len(text) * 0.8)])
    code, _, err = run(truncated)
    assert code == 1
    assert f"{truncated}:" in err and "the file ends too early (truncated?)" in err
    assert not Article.objects.exists() and not Section.objects.exists()


def test_malformed_and_missing_files(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<rss><channel><item><title>a</titel></item></channel></rss>")
    code, _, err = run(bad)
    assert code == 1 and f"{bad}:1: not well-formed XML: mismatched tag" in err
    code, _, err = run(tmp_path / "nope.xml")
    assert code == 1 and "nope.xml: cannot read the file" in err


def test_wxr_1_0_is_accepted(tmp_path):
    old = tmp_path / "old.xml"
    old.write_text(
        SITE.read_text()
        .replace("http://wordpress.org/export/1.2/", "http://wordpress.org/export/1.0/")
        .replace("<wp:wxr_version>1.2<", "<wp:wxr_version>1.0<")
    )
    assert run(old)[0] == 0
    assert Article.objects.count() == 12


def test_a_huge_element_is_refused_without_reading_it_into_memory(tmp_path, monkeypatch):
    monkeypatch.setattr("articles.ingest.wxr.MAX_ELEMENT_BYTES", 1024 * 1024)
    huge = tmp_path / "huge.xml"
    text = SITE.read_text()
    huge.write_text(text.replace("Gales expected tonight.", "Gales. " * 400_000))
    code, _, err = run(huge)
    assert code == 1
    assert err.strip() == (
        f"{huge}: refused: one element is larger than 1 MB; no post is that long "
        "(is this really a WordPress export?)"
    )
    assert not Article.objects.exists()


def test_progress_is_plain_lines_when_not_on_a_terminal():
    code, out, _ = run(SITE)
    assert code == 0 and "20/20 items read" in out and "\r" not in out


def test_a_run_stopped_part_way_goes_on_from_where_it_stopped():
    assert run(SITE, "--limit", "3")[0] == 0
    first_three = set(Article.objects.values_list("pk", flat=True))
    code, out, _ = run(SITE)
    assert code == 0 and "imported 9, updated 0, unchanged 3" in out
    assert first_three < set(Article.objects.values_list("pk", flat=True))


def test_a_dek_is_plain_text():
    assert run(SITE)[0] == 0
    assert story(15).dek == "Questions & answers"


def test_photos_arrive_when_the_uploads_are_given_on_a_later_run(uploads):
    assert run(SITE)[0] == 0
    assert story(10).lead_image is None and not Image.objects.exists()
    code, out, _ = run(SITE, "--media-dir", uploads)
    assert code == 0 and "updated 12" in out
    assert story(10).lead_image.alt_text == "The new pier's timber deck at sunrise"
