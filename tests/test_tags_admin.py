"""Editors rename and merge tags; the old tag pages redirect to the surviving tag."""

import pytest
from django.urls import reverse
from taggit.models import Tag

from articles.models import TaggedArticle

from .factories import make_staff, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    client.force_login(make_staff("ed", "Editor"))


def test_renaming_a_tag_redirects_its_old_page(client, editor):
    story = make_story("Ferry story", tags=["ferrys"])
    tag = Tag.objects.get(name="ferrys")
    response = client.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]), {"name": "ferries", "slug": "ferries"}
    )
    assert response.status_code == 302
    old = client.get("/tag/ferrys/")
    assert old.status_code == 301 and old["Location"] == "/tag/ferries/"
    assert story.headline in client.get("/tag/ferries/").content.decode()


def test_merging_moves_every_story_to_the_surviving_tag(client, editor):
    a = make_story("Story A", tags=["harbor"])
    b = make_story("Story B", tags=["harbour", "harbor"])
    c = make_story("Story C", tags=["Harbour front"])
    keep = Tag.objects.get(name="harbour")
    selected = list(
        Tag.objects.filter(name__in=["harbor", "harbour", "Harbour front"]).values_list(
            "pk", flat=True
        )
    )
    changelist = reverse("admin:taggit_tag_changelist")
    page = client.post(changelist, {"action": "merge", "_selected_action": selected})
    assert page.status_code == 200 and "Keep this tag" in page.content.decode()
    response = client.post(
        changelist,
        {"action": "merge", "_selected_action": selected, "apply": "1", "target": keep.pk},
    )
    assert response.status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["harbour"]
    for story in (a, b, c):
        assert list(story.tags.names()) == ["harbour"]
    assert TaggedArticle.objects.filter(content_object=b).count() == 1
    for old in ["harbor", "harbour-front"]:
        response = client.get(f"/tag/{old}/")
        assert response.status_code == 301 and response["Location"] == "/tag/harbour/"
    html = client.get("/tag/harbour/").content.decode()
    assert all(s.headline in html for s in (a, b, c))


def test_merging_again_keeps_old_redirects_one_hop(client, editor):
    make_story("S", tags=["one", "two", "three"])
    changelist = reverse("admin:taggit_tag_changelist")

    def merge(names, keep):
        ids = list(Tag.objects.filter(name__in=names).values_list("pk", flat=True))
        client.post(
            changelist,
            {
                "action": "merge",
                "_selected_action": ids,
                "apply": "1",
                "target": Tag.objects.get(name=keep).pk,
            },
        )

    merge(["one", "two"], "two")
    merge(["two", "three"], "three")
    for old in ["one", "two"]:
        assert client.get(f"/tag/{old}/")["Location"] == "/tag/three/"


def test_writers_cannot_rename_or_merge_tags(client):
    client.force_login(make_staff("wendy", "Writer"))
    make_story("S", tags=["one", "two"])
    tag = Tag.objects.get(name="one")
    response = client.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]), {"name": "uno", "slug": "uno"}
    )
    assert response.status_code == 403
    ids = list(Tag.objects.values_list("pk", flat=True))
    client.post(
        reverse("admin:taggit_tag_changelist"),
        {"action": "merge", "_selected_action": ids, "apply": "1", "target": ids[0]},
    )
    assert Tag.objects.count() == 2
