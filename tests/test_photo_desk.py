"""The photo desk: writers fix the words of their own uploads, the library reads each
uploader once a page, and the body editor's picker lists the photos a user may use."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Image

from .factories import make_draft, make_staff
from .pictures import picture_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def writer():
    return make_staff("wendy", "Writer")


@pytest.fixture
def other_writer():
    return make_staff("walt", "Writer")


def uploaded(client, user, size=(600, 400), **fields):
    """A photo uploaded through the admin by ``user``."""
    client.force_login(user)
    response = client.post(
        reverse("admin:articles_image_add"),
        {
            "file": upload(picture_bytes(size)),
            "alt_text": "A harbour crane at dusk",
            "caption": "The new crane.",
            "credit": "Wendy Writer",
            "focal_x": "0.5",
            "focal_y": "0.5",
            **fields,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Image.objects.latest("pk")


def fixed_words(photo, **overrides):
    data = {
        "alt_text": "Two cranes at the container quay",
        "caption": "The cranes arrived on Tuesday.",
        "credit": "Wendy Writer / Ledger",
        "focal_x": str(photo.focal_x),
        "focal_y": str(photo.focal_y),
    }
    data.update(overrides)
    return data


def change(photo):
    return reverse("admin:articles_image_change", args=[photo.pk])


# --- Who may change a photo -----------------------------------------------------


def test_a_writer_fixes_the_words_of_their_own_upload_not_of_anothers(client, writer, other_writer):
    others = uploaded(client, other_writer, size=(640, 400), caption="Walt's crane.")
    photo = uploaded(client, writer)
    page = client.get(change(photo)).content.decode()
    assert 'name="alt_text"' in page and 'name="caption"' in page and 'name="credit"' in page
    response = client.post(change(photo), fixed_words(photo))
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.alt_text == "Two cranes at the container quay"
    assert photo.caption == "The cranes arrived on Tuesday."
    assert photo.credit == "Wendy Writer / Ledger"

    page = client.get(change(others))
    assert page.status_code == 200 and 'name="alt_text"' not in page.content.decode()
    assert client.post(change(others), fixed_words(others)).status_code == 403
    others.refresh_from_db()
    assert others.alt_text == "A harbour crane at dusk" and others.caption == "Walt's crane."


def test_a_writer_cannot_replace_the_picture_of_their_upload_in_anothers_story(
    client, writer, other_writer
):
    photo = uploaded(client, writer)
    make_draft("Walt's crane story", lead_image=photo, created_by=other_writer)
    name, renditions = photo.file.name, photo.renditions
    client.force_login(writer)
    page = client.get(change(photo)).content.decode()
    assert 'name="file"' not in page and 'name="focal_x"' not in page
    response = client.post(
        change(photo),
        fixed_words(photo, file=upload(picture_bytes((800, 500))), focal_x="0.1", focal_y="0.9"),
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.alt_text == "Two cranes at the container quay"  # the words are theirs to fix
    assert photo.file.name == name and photo.renditions == renditions
    assert (photo.focal_x, photo.focal_y) == (0.5, 0.5)

    client.force_login(make_staff("ed", "Editor"))  # an editor changes the picture of any photo
    response = client.post(change(photo), fixed_words(photo, focal_x="0.3"))
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.focal_x == 0.3


def test_a_writer_sets_the_focal_point_of_their_upload_used_only_in_their_stories(client, writer):
    photo = uploaded(client, writer)
    make_draft("Wendy's crane story", lead_image=photo, created_by=writer)
    response = client.post(change(photo), fixed_words(photo, focal_x="0.2", focal_y="0.7"))
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.focal_x, photo.focal_y) == (0.2, 0.7)
    assert "-f0.20-0.70" in photo.renditions["thumb"][0]["fallback"]  # recropped


def test_the_change_page_shows_the_whole_picture_to_click_for_the_focal_point(client, writer):
    photo = uploaded(client, writer, focal_x="0.25", focal_y="0.75")
    page = client.get(change(photo)).content.decode()
    assert '<span class="focal-picker" data-focal-x="0.25" data-focal-y="0.75">' in page
    assert "admin/newsroom/focal-point.js" in page
    assert 'name="focal_x"' in page  # the exact values stay, below the picture


# --- The library reads each uploader once a page ---------------------------------


def fill_library(count, start=0):
    """``count`` photos, each by a different uploader (no files: the list reads rows)."""
    uploaders = [make_staff(f"photographer{start + n}", "Writer") for n in range(count)]
    Image.objects.bulk_create(
        Image(
            file=f"images/00/{start + n:020x}/original.jpg",
            alt_text=f"Photo {start + n}",
            uploaded_by=uploader,
        )
        for n, uploader in enumerate(uploaders)
    )


@pytest.mark.parametrize("role", ["Editor", "Writer"])
def test_the_photo_library_costs_the_same_queries_for_5_and_30_photos(client, role):
    client.force_login(make_staff("viewer", role))
    url = reverse("admin:articles_image_changelist")
    counts = []
    for count, start in ((5, 0), (25, 5)):
        fill_library(count, start)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count("photographer") >= start + count
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- The body editor's photo picker ----------------------------------------------


def library(client, **query):
    response = client.get(reverse("admin:articles_image_library"), query)
    assert response.status_code == 200
    return response.json()


def test_the_picker_lists_the_photos_a_writer_may_see_with_the_address_to_place(
    client, writer, other_writer
):
    secret = uploaded(client, other_writer, size=(640, 400), caption="Scoop picture")
    make_draft("Walt's scoop", lead_image=secret, created_by=other_writer)
    own = uploaded(client, writer, caption="Crane at dusk")
    answer = library(client)
    assert [photo["id"] for photo in answer["photos"]] == [own.pk]
    (entry,) = answer["photos"]
    assert entry["src"] == own.body_url and entry["thumbnail"] == own.thumbnail_url
    assert entry["alt"] == "A harbour crane at dusk" and entry["caption"] == "Crane at dusk"
    assert answer["more"] is False
    assert library(client, q="dusk")["photos"] and not library(client, q="Scoop")["photos"]


def test_the_picker_pages_through_the_library_and_takes_any_page_number(client):
    client.force_login(make_staff("ed", "Editor"))
    renditions = {"full": [{"w": 320, "h": 200, "fallback": "x.jpg", "webp": "x.webp"}]}
    Image.objects.bulk_create(
        Image(file=f"images/00/{n:020x}/original.jpg", alt_text=f"Photo {n}", renditions=renditions)
        for n in range(30)
    )
    first, second = library(client), library(client, page=2)
    assert len(first["photos"]) == 24 and first["more"] is True
    assert len(second["photos"]) == 6 and second["more"] is False
    for page in ("x", "-3", "99999999999999999999999"):
        assert "photos" in library(client, page=page)


def test_the_story_form_gives_the_body_editor_the_library_picker(client):
    client.force_login(make_staff("ed", "Editor"))
    page = client.get(reverse("admin:articles_article_add")).content.decode()
    library_address = reverse("admin:articles_image_library")
    assert f"&quot;LibraryPhoto&quot;:{{&quot;address&quot;:&quot;{library_address}&quot;}}" in page
    assert "admin/newsroom/photo-picker.js" in page
