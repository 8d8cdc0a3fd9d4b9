"""The admin's "Import from WordPress" page: editors only, a dry run first, then the
import; big exports are sent to the command, and bad files get a form error."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import Article, Image
from tests.factories import make_staff
from tests.pictures import picture_bytes

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "wordpress"
URL = "/admin/articles/importedpost/import/"


def export_file(name="site.xml"):
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), "text/xml")


def uploads_zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return SimpleUploadedFile("uploads.zip", buffer.getvalue(), "application/zip")


def dry_run(client, **files):
    data = {"step": "dry-run", "section_from": "categories", "default_section": "", **files}
    return client.post(URL, data)


def test_writers_cannot_open_the_page(client):
    client.force_login(make_staff("wendy", "Writer"))
    assert client.get(URL).status_code == 403
    assert dry_run(client, export=export_file()).status_code == 403
    assert not Article.objects.exists()


def test_dry_run_then_import(client, editor, media_root):
    page = client.get(reverse("admin:articles_importedpost_changelist"))
    assert "Import from WordPress" in page.content.decode()
    response = dry_run(
        client,
        export=export_file(),
        uploads=uploads_zip({"wp-content/uploads/2023/05/pier.jpg": picture_bytes((600, 400))}),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dry run of site.xml: nothing has been saved yet" in html
    assert "imported 12, updated 0" in html
    assert not Article.objects.exists() and not Image.objects.exists()
    folder = Path(client.session["wordpress_import"]["folder"])
    assert (folder / "uploads" / "2023" / "05" / "pier.jpg").is_file()

    response = client.post(URL, {"step": "import"})
    assert response.status_code == 200
    assert "Imported site.xml" in response.content.decode()
    assert Article.objects.count() == 12
    assert Image.objects.count() == 1  # the pier, from the zip
    assert not folder.exists() and "wordpress_import" not in client.session
    # Importing again without a new dry run does nothing.
    client.post(URL, {"step": "import"})
    assert Article.objects.count() == 12


def test_a_big_export_is_sent_to_the_command(client, editor, monkeypatch):
    monkeypatch.setattr("articles.admin.wordpress.MAX_POSTS", 5)
    html = dry_run(client, export=export_file()).content.decode()
    assert "This export has 14 posts; this page imports up to 5" in html
    assert "manage.py import_wordpress" in html
    monkeypatch.setattr("articles.admin.wordpress.MAX_EXPORT_BYTES", 1024)
    html = dry_run(client, export=export_file()).content.decode()
    assert "this page takes up to 1 KB" in html
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("billion-laughs.xml", "refused: the file declares entities"),
        ("plain-rss.xml", "not a WordPress export"),
    ],
)
def test_bad_exports_get_a_form_error(client, editor, name, reason):
    response = dry_run(client, export=export_file(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert reason in html and "The file" in html and "wordpress-import-" not in html
    assert "wordpress_import" not in client.session


def test_a_zip_cannot_write_outside_its_folder(client, editor, tmp_path):
    response = dry_run(
        client,
        export=export_file(),
        uploads=uploads_zip(
            {"../../escaped.jpg": b"x", "/abs/escaped.png": b"x", "notes.txt": b"x"}
        ),
    )
    assert response.status_code == 200
    folder = Path(client.session["wordpress_import"]["folder"])
    written = [p.relative_to(folder) for p in folder.rglob("*") if p.is_file()]
    assert written == [Path("export.xml")] or sorted(written) == sorted(
        [Path("export.xml"), Path("uploads/abs/escaped.png")]
    )
    assert not (folder.parent / "escaped.jpg").exists()
    client.post(URL, {"step": "cancel"})
    assert not folder.exists()


def test_a_file_that_is_not_a_zip_is_a_form_error(client, editor):
    bad = SimpleUploadedFile("uploads.zip", b"not a zip", "application/zip")
    html = dry_run(client, export=export_file(), uploads=bad).content.decode()
    assert "The uploads file is not a zip archive." in html
