"""Every admin URL, for every role: exactly the expected answer.

A writer never reaches another writer's draft: not in lists, autocomplete,
history, revisions, comparisons or previews. Pages that show a story before
publication are never stored by a cache.
"""

import copy

import pytest
import reversion
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles.models import Article

from .conftest import rows_for_the_module
from .factories import make_author, make_staff, make_story
from .test_workflow import change_url, form_data

pytestmark = pytest.mark.django_db

LOGIN = "login"  # a redirect to the admin login page
# 302 from the admin's "story does not exist" redirect, 404 from our own views:
# both answer without showing anything of the story.
MATRIX = {
    # url name:             anonymous, writer, editor, superuser
    "list": (LOGIN, 200, 200, 200),
    "add": (LOGIN, 200, 200, 200),
    "calendar": (LOGIN, 200, 200, 200),
    "recover list": (LOGIN, 403, 200, 200),
    "upload photo": (LOGIN, 200, 200, 200),
    "photo library": (LOGIN, 200, 200, 200),
    "autocomplete": (LOGIN, 200, 200, 200),
    "change own": (LOGIN, 200, 200, 200),
    "change theirs": (LOGIN, 302, 200, 200),
    "change live": (LOGIN, 200, 200, 200),  # read-only for the writer
    "delete own": (LOGIN, 403, 200, 200),
    "delete theirs": (LOGIN, 403, 200, 200),
    "history own": (LOGIN, 200, 200, 200),
    "history theirs": (LOGIN, 404, 200, 200),
    "revision own": (LOGIN, 200, 200, 200),
    "revision theirs": (LOGIN, 404, 200, 200),
    "revision live": (LOGIN, 403, 200, 200),
    "compare own": (LOGIN, 200, 200, 200),
    "compare theirs": (LOGIN, 404, 200, 200),
    "preview own": (LOGIN, 200, 200, 200),
    "preview theirs": (LOGIN, 404, 200, 200),
    "preview live": (LOGIN, 200, 200, 200),
    "share own (POST)": (LOGIN, 403, 302, 302),
    "share theirs (POST)": (LOGIN, 404, 302, 302),
    "publish action (POST)": (LOGIN, 302, 302, 302),
    "revert own (POST)": (LOGIN, 302, 302, 302),
    "revert theirs (POST)": (LOGIN, 404, 302, 302),
    "photo theirs": (LOGIN, 302, 200, 200),  # a photo leading Otto's draft
    "photo live": (LOGIN, 200, 200, 200),
    "tag list": (LOGIN, 200, 200, 200),
}
ROLES = ["anonymous", "writer", "editor", "superuser"]


@pytest.fixture(scope="module")
def newsroom_rows(request, django_db_setup, django_db_blocker):
    """Written once for the module (~0.5-1.5 s each for 117 tests): two writers, an
    editor, a superuser, two photos, three stories with their revisions."""
    yield from rows_for_the_module(request, django_db_blocker, newsroom_built)


@pytest.fixture
def newsroom(newsroom_rows, db):
    return copy.deepcopy(newsroom_rows)


def newsroom_built():
    wendy = make_staff("wendy", "Writer")
    otto = make_staff("otto", "Writer")
    make_author("Ana Reyes")
    photos = {"theirs": make_photo("Otto's photo"), "live": make_photo("Live photo")}
    stories = {
        "own": make_story("Wendy's draft", status="draft", created_by=wendy),
        "theirs": make_story(
            "Otto's draft",
            status="draft",
            created_by=otto,
            tags=["otto-scoop"],
            lead_image=photos["theirs"],
        ),
        "live": make_story("Live story", lead_image=photos["live"]),
    }
    with reversion.create_revision():  # a revision holding every story, as old bulk actions made
        for story in stories.values():
            story.save()
    for story in stories.values():  # two revisions each, to compare
        with reversion.create_revision():
            story.dek = "Revised."
            story.save()
    stories["photos"] = photos
    users = {
        "anonymous": None,
        "writer": wendy,
        "editor": make_staff("ed", "Editor"),
        "superuser": make_staff("root", "superuser"),
    }
    return stories, users


def make_photo(caption):
    from articles.models import Image

    from .pictures import picture_bytes, upload

    photo = Image(file=upload(picture_bytes((600, 400))), alt_text=caption, caption=caption)
    photo.save()
    return photo


def request(client, name, stories):
    kind = name.split()[1] if len(name.split()) > 1 else None
    story = stories.get(kind)
    if name == "list":
        return client.get(reverse("admin:articles_article_changelist"))
    if name == "add":
        return client.get(reverse("admin:articles_article_add"))
    if name == "calendar":
        return client.get(reverse("admin:articles_article_calendar"))
    if name == "recover list":
        return client.get(reverse("admin:articles_article_recoverlist"))
    if name == "upload photo":
        return client.get(reverse("admin:articles_image_add"))
    if name == "photo library":
        return client.get(reverse("admin:articles_image_changelist"))
    if name == "autocomplete":
        return client.get(
            reverse("admin:autocomplete"),
            {"app_label": "articles", "model_name": "byline", "field_name": "author", "term": "A"},
        )
    if name == "tag list":
        return client.get(reverse("admin:taggit_tag_changelist"))
    if name.startswith("photo "):
        photo = stories["photos"][kind]
        return client.get(reverse("admin:articles_image_change", args=[photo.pk]))
    if name.startswith("publish"):
        return client.post(
            reverse("admin:articles_article_changelist"),
            {"action": "publish", "_selected_action": [stories["own"].pk]},
        )
    versions = list(Version.objects.get_for_object(story).order_by("pk"))
    if name.startswith("change"):
        return client.get(change_url(story))
    if name.startswith("delete"):
        return client.get(reverse("admin:articles_article_delete", args=[story.pk]))
    if name.startswith("history"):
        return client.get(reverse("admin:articles_article_history", args=[story.pk]))
    if name.startswith("revert"):
        return client.post(
            reverse("admin:articles_article_revision", args=[story.pk, versions[0].pk]),
            form_data(story, status="draft"),
        )
    if name.startswith("revision"):
        return client.get(
            reverse("admin:articles_article_revision", args=[story.pk, versions[0].pk])
        )
    if name.startswith("compare"):
        return client.get(
            reverse("admin:articles_article_compare", args=[story.pk]),
            {"from": versions[0].pk, "to": versions[1].pk},
        )
    if name.startswith("preview"):
        return client.get(reverse("admin:articles_article_preview", args=[story.pk]))
    if name.startswith("share"):
        return client.post(reverse("admin:articles_article_share", args=[story.pk]))
    raise AssertionError(name)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(MATRIX))
def test_role_matrix(newsroom, role, name):
    stories, users = newsroom
    client = Client()
    if users[role]:
        client.force_login(users[role])
    expected = MATRIX[name][ROLES.index(role)]
    response = request(client, name, stories)
    if expected == LOGIN:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    else:
        assert response.status_code == expected, (role, name)
        if expected == 302 and role != "writer":
            assert "/admin/login/" not in response["Location"]
    if role == "writer":
        for secret in ("Otto&#x27;s draft", "Otto's draft", "otto-scoop", "Otto&#x27;s photo"):
            assert secret not in response.content.decode(), secret
    if name.startswith("preview") and response.status_code == 200:
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_a_revert_changes_only_its_own_story(newsroom):
    stories, users = newsroom
    before = {name: Article.objects.get(pk=s.pk) for name, s in stories.items() if name != "photos"}
    client = Client()
    client.force_login(users["writer"])
    assert request(client, "revert own (POST)", stories).status_code == 302
    for name in ("theirs", "live"):
        after = Article.objects.get(pk=stories[name].pk)
        assert (after.dek, after.status) == (before[name].dek, before[name].status), name


def test_writers_publish_action_changed_nothing(newsroom):
    stories, users = newsroom
    client = Client()
    client.force_login(users["writer"])
    request(client, "publish action (POST)", stories)
    assert Article.objects.get(pk=stories["own"].pk).status == "draft"


def test_writer_autocomplete_never_offers_others_drafts(newsroom, client):
    _, users = newsroom
    client.force_login(users["writer"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "byline", "field_name": "article", "term": "draft"},
    )
    assert b"Otto" not in response.content
    # and the story list's own search
    html = client.get(reverse("admin:articles_article_changelist"), {"q": "draft"}).content
    assert b"Wendy" in html and b"Otto" not in html


def test_writer_crafted_save_of_anothers_story_changes_nothing(newsroom):
    stories, users = newsroom
    client = Client()
    client.force_login(users["writer"])
    theirs = stories["theirs"]
    client.post(change_url(theirs), form_data(theirs, headline="Hijacked", status="review"))
    assert Article.objects.get(pk=theirs.pk).headline == "Otto's draft"
