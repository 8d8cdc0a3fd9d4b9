"""import_stories: the sample format, idempotence, and errors that name the file."""

from datetime import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.utils import timezone

from articles.ingest.importing import parse_story
from articles.models import Article, Author, Section

pytestmark = pytest.mark.django_db

STORY = """Friday, June 14, 2024

Ferry timetable changes for the summer season

Date:

The harbour ferry will run every twenty minutes from Monday,
the operator said on Thursday.

“We listened to riders,” a spokesperson said.

Latest stories
"""


def run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_stories", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def write(folder, name, text, encoding="utf-8"):
    path = folder / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_sample_story_imports_and_reads_like_the_original(client, seeds_dir):
    sample = next(seeds_dir.glob("*.txt"))
    lines = [line.strip() for line in sample.read_text(encoding="utf-8").splitlines()]
    filled = [line for line in lines if line]
    headline, paragraphs = filled[1], [line for line in filled[3:-1]]
    code, out, _ = run(sample)
    assert code == 0 and "Imported 1, already present 0, failed 0." in out
    story = Article.objects.get()
    assert story.headline == headline
    assert story.is_live
    assert timezone.localtime(story.published_at).replace(tzinfo=None) == datetime(2024, 3, 7)
    html = client.get(story.path).content.decode()
    assert story.path.startswith("/2024/03/07/")
    assert "Thursday, March 7, 2024" in html
    from django.utils.html import escape

    assert escape(headline) in html
    for paragraph in paragraphs:
        assert f"<p>{escape(paragraph)}</p>" in story.body
    body = story.body
    assert "Date:" not in body and "Latest stories" not in body
    assert body.count("<p>") == len(paragraphs)


def test_importing_the_same_file_again_creates_no_duplicate(tmp_path):
    path = write(tmp_path, "ferry.txt", STORY)
    assert run(path)[0] == 0
    code, out, _ = run(path)
    assert code == 0
    assert "Imported 0, already present 1, failed 0." in out
    assert Article.objects.count() == 1


def test_folder_import_with_options(tmp_path):
    write(tmp_path, "one.txt", STORY)
    (tmp_path / "nested").mkdir()
    write(tmp_path / "nested", "two.txt", STORY.replace("Ferry timetable", "Bus timetable"))
    write(tmp_path, "notes.md", "not a story")
    code, out, _ = run(
        tmp_path,
        "--section",
        "Transit",
        "--tag",
        "ferries",
        "--tag",
        "summer",
        "--author",
        "Ana Reyes",
        "--draft",
    )
    assert code == 0, out
    assert "Imported 2, already present 0, failed 0." in out
    assert Article.objects.count() == 2
    for story in Article.objects.all():
        assert story.status == Article.Status.DRAFT
        assert story.section.name == "Transit"
        assert sorted(story.tags.names()) == ["ferries", "summer"]
        assert [author.name for author in story.authors.all()] == ["Ana Reyes"]
        assert not story.is_live
    assert Section.objects.count() == 1 and Author.objects.count() == 1


def test_existing_section_and_author_are_reused_by_name(tmp_path):
    Section.objects.create(name="Transit", slug="transit")
    Author.objects.create(name="Ana Reyes", slug="ana")
    write(tmp_path, "one.txt", STORY)
    assert run(tmp_path, "--section", "transit", "--author", "ana reyes")[0] == 0
    assert Section.objects.count() == 1 and Author.objects.count() == 1


@pytest.mark.parametrize(
    "variant",
    [
        "crlf",
        "bom",
        "no weekday",
        "iso",
        "cr",
        "no date label",
        "no latest stories",
        "extra blank lines",
    ],
)
def test_format_variants(tmp_path, variant):
    text = {
        "crlf": STORY.replace("\n", "\r\n"),
        "bom": "\ufeff" + STORY,
        "no weekday": STORY.replace("Friday, June 14, 2024", "June 14, 2024"),
        "iso": STORY.replace("Friday, June 14, 2024", "2024-06-14"),
        "cr": STORY.replace("\n", "\r"),
        "no date label": STORY.replace("Date:\n", ""),
        "no latest stories": STORY.replace("Latest stories\n", ""),
        "extra blank lines": "\n\n  \n" + STORY.replace("\n\n", "\n\n\n  \n"),
    }[variant]
    write(tmp_path, "story.txt", text)
    code, _, err = run(tmp_path)
    assert code == 0, err
    story = Article.objects.get()
    assert story.headline == "Ferry timetable changes for the summer season"
    assert timezone.localdate(story.published_at).isoformat() == "2024-06-14"
    assert story.body == (
        "<p>The harbour ferry will run every twenty minutes from Monday, the operator said on "
        "Thursday.</p>\n<p>“We listened to riders,” a spokesperson said.</p>"
    )


def test_curly_quotes_and_non_ascii_text_survive(tmp_path):
    text = STORY.replace("Ferry timetable changes", "Zoë’s café — “naïve” 日本語 changes")
    write(tmp_path, "story.txt", text)
    assert run(tmp_path)[0] == 0
    story = Article.objects.get()
    assert story.headline.startswith("Zoë’s café — “naïve” 日本語")
    assert story.slug.startswith("zoes-cafe-naive-changes")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "the file is empty"),
        ("   \n\n  \n", 1, "the file is empty"),
        ("Someday soon\n\nHeadline\n\nBody.\n", 1, "cannot read a date from 'Someday soon'"),
        ("February 30, 2024\n\nHeadline\n\nBody.\n", 1, "cannot read a date"),
        ("Monday, March 7, 2024\n\nHeadline\n\nBody.\n", 1, "was a Thursday"),
        ("March 7, 2024\n", 1, "no headline"),
        ("March 7, 2024\n\nDate:\n\nBody.\n", 1, "no headline"),
        ("March 7, 2024\n\nHeadline only\n", 3, "no body paragraphs"),
        ("March 7, 2024\n\nHeadline\n\nDate:\n\nLatest stories\n", 3, "no body paragraphs"),
        ("March 7, 2024\n\n" + "Long " * 90 + "\n\nBody.\n", 3, "the headline is 449 characters"),
    ],
)
def test_bad_files_are_rejected_with_file_line_and_reason(tmp_path, text, line, reason):
    good = write(tmp_path, "a-good.txt", STORY)
    bad = write(tmp_path, "b-bad.txt", text)
    code, out, err = run(tmp_path)
    assert code == 1
    assert f"{bad}:{line}: " in err and reason in err, err
    assert "Imported 1, already present 0, failed 1." in err
    assert f"imported {good}" in out
    assert Article.objects.count() == 1


def test_undecodable_file_names_the_line(tmp_path):
    bad = write(tmp_path, "latin1.txt", STORY.replace("“We", "\n\nCafé “We").encode("cp1252"))
    code, _, err = run(bad)
    assert code == 1
    assert f"{bad}:" in err and "not UTF-8 text" in err
    assert Article.objects.count() == 0


def test_missing_path_fails_but_the_others_import(tmp_path):
    good = write(tmp_path, "good.txt", STORY)
    code, _, err = run(good, tmp_path / "missing.txt")
    assert code == 1
    assert f"{tmp_path / 'missing.txt'}: no such file or folder" in err
    assert Article.objects.count() == 1


def test_failed_file_leaves_nothing_behind(tmp_path, monkeypatch):
    """A file that fails half-way through saving is rolled back, section and author included."""
    write(tmp_path, "story.txt", STORY)

    def explode(*args, **kwargs):
        raise DatabaseError("tags could not be saved")

    monkeypatch.setattr("taggit.managers._TaggableManager.add", explode)
    code, _, err = run(tmp_path, "--section", "New section", "--author", "New Author", "--tag", "x")
    assert code == 1 and "tags could not be saved" in err
    assert Article.objects.count() == 0
    assert Section.objects.count() == 0 and Author.objects.count() == 0


def test_future_dated_import_is_scheduled(tmp_path, client):
    write(tmp_path, "story.txt", STORY.replace("Friday, June 14, 2024", "2099-01-01"))
    assert run(tmp_path)[0] == 0
    story = Article.objects.get()
    assert story.status == Article.Status.PUBLISHED and not story.is_live
    assert client.get(story.path).status_code == 404


def test_parse_story_keeps_paragraph_breaks_and_joins_wrapped_lines():
    parsed = parse_story("2024-01-02\nHeadline\nline one\nline two\n\nnext paragraph")
    assert parsed.headline == "Headline"
    assert parsed.paragraphs == ["line one line two", "next paragraph"]


def test_same_headline_same_day_with_a_different_body_is_a_second_story(tmp_path, client):
    """Wire services repeat headlines: an updated bulletin is a story of its own."""
    first = write(tmp_path, "a-bulletin.txt", STORY)
    second = write(
        tmp_path,
        "b-update.txt",
        STORY.replace("every twenty minutes", "every fifteen minutes"),
    )
    code, out, err = run(tmp_path)
    assert code == 0, err
    assert "Imported 2, already present 0, failed 0." in out
    one, two = Article.objects.order_by("id")
    assert one.headline == two.headline
    assert one.path != two.path
    assert "twenty" in client.get(one.path).content.decode()
    assert "fifteen" in client.get(two.path).content.decode()
    # Both files again, in either order: nothing new.
    assert "Imported 0, already present 2, failed 0." in run(second, first)[1]
    assert Article.objects.count() == 2


def test_identity_ignores_spacing_and_wrapping(tmp_path):
    write(tmp_path, "one.txt", STORY)
    rewrapped = STORY.replace("from Monday,\nthe operator", "from   Monday, the\noperator")
    write(tmp_path, "two.txt", rewrapped.replace("\n", "\r\n"))
    code, out, _ = run(tmp_path)
    assert code == 0 and "Imported 1, already present 1, failed 0." in out


def test_very_long_headline_is_kept_whole_with_a_short_slug(tmp_path, client):
    headline = " ".join(["Council approves the harbour renewal plan after months of debate"] * 5)
    assert len(headline) > 300
    write(
        tmp_path,
        "long.txt",
        STORY.replace("Ferry timetable changes for the summer season", headline),
    )
    code, _, err = run(tmp_path)
    assert code == 0, err
    story = Article.objects.get()
    assert story.headline == headline
    assert 0 < len(story.slug) <= 80 and story.slug.startswith("council-approves-the-harbour")
    assert client.get(story.path).status_code == 200


def test_stories_imported_under_the_old_headline_key_are_not_imported_twice(tmp_path):
    """Before the body counted, the key was date + slugged headline: still recognised."""
    path = write(tmp_path, "ferry.txt", STORY)
    parsed = parse_story(STORY)
    Article.objects.create(
        headline=parsed.headline,
        body=parsed.body_html,
        source_id=parsed.legacy_source_id,
        status=Article.Status.PUBLISHED,
        published_at=timezone.make_aware(datetime(2024, 6, 14)),
    )
    code, out, _ = run(path)
    assert code == 0 and "Imported 0, already present 1, failed 0." in out
    assert Article.objects.get().source_id == parsed.source_id


def test_a_batch_keeps_first_revisions_search_and_fresh_pages_and_loses_only_the_bad_file(
    tmp_path, client, monkeypatch
):
    """Files are written a hundred to a transaction with page stamping held: each story
    still gets its first revision, is found by search and is on the front at once, and a
    file that fails half-way through saving leaves only itself out."""
    from reversion.models import Version
    from taggit.managers import _TaggableManager

    for number in range(5):
        write(
            tmp_path, f"{number}.txt", STORY.replace("Ferry timetable", f"Ferry {number} timetable")
        )
    assert "Ferry 0 timetable" not in client.get("/").content.decode()  # the front, kept
    add = _TaggableManager.add

    def refuse_the_third(manager, *tags, **kwargs):
        if manager.instance.headline.startswith("Ferry 2"):
            raise DatabaseError("tags could not be saved")
        return add(manager, *tags, **kwargs)

    monkeypatch.setattr(_TaggableManager, "add", refuse_the_third)
    code, out, err = run(tmp_path, "--tag", "harbour", "--author", "Ana Reyes")
    assert code == 1 and f"{tmp_path / '2.txt'}: not saved" in err
    assert "Imported 4, already present 0, failed 1." in err
    stories = list(Article.objects.order_by("headline"))
    assert [story.headline[:7] for story in stories] == ["Ferry 0", "Ferry 1", "Ferry 3", "Ferry 4"]
    for story in stories:
        (first,) = Version.objects.get_for_object(story)
        assert first.revision.get_comment() == "Imported from a story file"
    front = client.get("/").content.decode()
    assert all(story.headline in front for story in stories)
    found = client.get("/search/", {"q": "timetable"}).content.decode()
    assert all(story.headline in found for story in stories)
    assert "Ferry 2 timetable" not in found


def test_forty_files_cost_a_quarter_of_the_queries_one_at_a_time_did(tmp_path):
    """An archive of thousands of files must import in minutes: each batch's pages are
    stamped, its search index written and its first revisions recorded once, not per
    story. 40 files, a section, an author and two tags: 4,393 queries a file at a time
    (about 110 a story), 999 in batches."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(40):
        write(
            tmp_path, f"{number}.txt", STORY.replace("Ferry timetable", f"Ferry {number} timetable")
        )
    options = ["--tag", "harbour", "--tag", "ferry", "--author", "Ana Reyes", "--section", "City"]
    with CaptureQueriesContext(connection) as queries:
        assert run(tmp_path, *options)[0] == 0
    assert Article.objects.count() == 40
    assert len(queries) <= 1_100
