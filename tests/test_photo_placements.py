"""Where each photo is used is kept by the story's save (``PhotoPlacement``): the photo
page's "Used in", who may replace a picture and which photos a writer sees follow a
photo as it is placed in and taken out of a body, and the writer's library costs the
same however many stories the archive holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import access
from articles.models import Article, Image, PhotoPlacement

from .factories import make_draft, make_staff, make_story

pytestmark = pytest.mark.django_db

LIBRARY = reverse("admin:articles_image_changelist")


def library_photo(number, uploaded_by=None, alt="A crane at the quay"):
    folder = f"images/ab/{number:020x}"
    sizes = [{"w": 320, "h": 200, "fallback": f"{folder}/w320.jpg", "webp": f"{folder}/w320.webp"}]
    return Image.objects.create(
        file=f"{folder}/original.jpg",
        alt_text=alt,
        renditions={"full": sizes},
        uploaded_by=uploaded_by,
    )


def placing(*photos):
    """A body with ``photos`` placed in it, as the body editor writes them."""
    figures = "".join(
        f'<figure><img src="/media/{photo.file.name.rsplit("/", 1)[0]}/w320.jpg" alt="">'
        "<figcaption>The quay.</figcaption></figure>"
        for photo in photos
    )
    return f"<p>The ferry strike goes on.</p>{figures}"


def used_in(client, photo):
    response = client.get(reverse("admin:articles_image_change", args=[photo.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index("Used in")
    return page[start : page.index("</div>", page.index("</div>", start) + 1)]


def save_body(story, body):
    story.body = body
    story.save()


def test_used_in_follows_a_photo_into_and_out_of_a_body(client):
    editor = make_staff("ed", "Editor")
    client.force_login(editor)
    photo, other = library_photo(1), library_photo(2)
    story = make_draft("Cranes arrive at the quay", body="<p>No photo yet.</p>")
    assert "Not used in any story you can see." in used_in(client, photo)

    save_body(story, placing(photo, other))
    shown = used_in(client, photo)
    assert "Cranes arrive at the quay" in shown and "(in the body)" in shown

    story.lead_image = photo
    save_body(story, placing(other))
    shown = used_in(client, photo)
    assert "(lead photo)" in shown and "in the body" not in shown

    story.lead_image = None
    story.save()
    assert "Not used in any story you can see." in used_in(client, photo)
    assert "Cranes arrive at the quay" in used_in(client, other)


def test_a_writer_may_replace_their_picture_until_anothers_story_shows_it_in_the_body():
    wendy, walt = make_staff("wendy", "Writer"), make_staff("walt", "Writer")
    photo = library_photo(3, uploaded_by=wendy)
    own = make_draft("Wendy's crane story", body=placing(photo), created_by=wendy)
    assert access.may_replace_picture(wendy, photo)

    theirs = make_draft("Walt's crane story", created_by=walt)
    save_body(theirs, placing(photo))
    assert not access.may_replace_picture(wendy, photo)

    save_body(theirs, "<p>Walt took the photo out.</p>")
    assert access.may_replace_picture(wendy, photo)
    assert list(PhotoPlacement.objects.filter(photo=photo).values_list("story", "role")) == [
        (own.pk, "body")
    ]


def test_a_writer_does_not_see_a_photo_only_anothers_draft_places_in_its_body(client):
    wendy, walt = make_staff("wendy", "Writer"), make_staff("walt", "Writer")
    scoop = library_photo(4, uploaded_by=walt, alt="The scoop's picture")
    unused = library_photo(5, uploaded_by=walt, alt="An unused picture")
    own = library_photo(6, uploaded_by=wendy, alt="Wendy's own picture")
    draft = make_draft("Walt's scoop", body=placing(scoop, own), created_by=walt)

    def seen():
        return set(access.photos_visible_to(wendy).values_list("alt_text", flat=True))

    assert seen() == {"An unused picture", "Wendy's own picture"}
    client.force_login(wendy)
    page = client.get(LIBRARY).content.decode()
    assert "The scoop&#x27;s picture" not in page and "An unused picture" in page
    assert client.get(reverse("admin:articles_image_change", args=[scoop.pk])).status_code == 302

    make_story("A live story with the same picture", body=placing(scoop))
    assert "The scoop's picture" in seen()
    PhotoPlacement.objects.filter(story__headline__startswith="A live story").delete()
    assert "The scoop's picture" not in seen()

    save_body(draft, "<p>No picture after all.</p>")  # placed nowhere: back in the library
    assert "The scoop's picture" in seen()
    assert unused.pk and own.pk


def library_cost(client, live_stories):
    """The queries and SQLite steps of a writer's photo library of ten photos, with
    ``live_stories`` live stories showing them and two of another writer's drafts."""
    walt = make_staff(f"walt{live_stories}", "Writer")
    photos = [library_photo(100 * live_stories + number) for number in range(10)]
    for number in range(live_stories):
        photo = photos[number % 10]
        make_story(f"Story {number}", lead_image=photo, body=placing(photo))
    for photo in photos[:2]:
        make_draft("Walt's draft", body=placing(photo), created_by=walt)
    steps = 0

    def count():
        nonlocal steps
        steps += 1
        return 0

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        connection.connection.set_progress_handler(count, 1)
    try:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIBRARY)
    finally:
        if connection.vendor == "sqlite":
            connection.connection.set_progress_handler(None, 1)
    assert response.status_code == 200
    PhotoPlacement.objects.all().delete()  # the next archive starts afresh
    Article.objects.all().delete()
    Image.objects.all().delete()
    return len(queries), [q["sql"] for q in queries.captured_queries], steps


def test_a_writers_photo_library_counts_once_and_costs_the_same_with_more_stories(client):
    client.force_login(make_staff("wendy", "Writer"))
    few, few_sql, few_steps = library_cost(client, 10)
    many, many_sql, many_steps = library_cost(client, 200)
    assert few == many, "\n".join(many_sql)
    assert sum("COUNT(" in sql.upper() for sql in many_sql) == 1
    # The photos a writer may not see are found from the stories they may not see (a
    # few drafts), never by testing each photo against every story.
    if connection.vendor == "sqlite":
        assert many_steps < few_steps * 1.2, (few_steps, many_steps)
