"""Live coverage in the admin (issue 17): the quick-add form, the inline, the actions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.editorial import live as desk
from articles.models import Article, LiveUpdate

from .factories import make_staff, make_story
from .test_workflow import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def storm():
    story = make_story("Storm reaches the coast")
    desk.open_coverage(story, make_staff("chief", "Editor"))
    return story


def quick_add(client, story, **data):
    return client.post(
        reverse("admin:articles_article_live_add", args=[story.pk]),
        {"text": "Winds reach 90 km/h.", **data},
        HTTP_ACCEPT="application/json",
    )


def test_an_editor_posts_an_update_from_the_quick_form_and_readers_see_it(client, storm):
    client.force_login(make_staff("lou", "Editor"))
    page = client.get(reverse("admin:articles_article_change", args=[storm.pk]))
    html = page.content.decode()
    assert 'id="live-quick-add"' in html and "admin/newsroom/live-updates.js" in html
    assert html.index('id="live-quick-add"') < html.index('id="article_form"')
    response = quick_add(client, storm, text="Winds reach 90 km/h.\n\nFerries stop.", publish="on")
    assert response.status_code == 200 and response.json()["status"] == "published"
    update = LiveUpdate.objects.get()
    assert update.body == "<p>Winds reach 90 km/h.</p><p>Ferries stop.</p>"
    client.logout()
    assert "Ferries stop." in client.get(storm.path).content.decode()


def test_a_writers_quick_update_is_a_draft_for_an_editor(client, storm):
    client.force_login(make_staff("wim", "Writer"))
    html = client.get(reverse("admin:articles_article_change", args=[storm.pk])).content.decode()
    assert 'id="live-quick-add"' in html and "Publish now" not in html
    assert quick_add(client, storm).json()["status"] == "draft"
    refused = quick_add(client, storm, publish="on")
    assert refused.status_code == 400 and "editors publish" in refused.json()["error"]
    assert LiveUpdate.objects.count() == 1
    client.logout()
    assert "Winds reach" not in client.get(storm.path).content.decode()


def test_bad_input_gets_a_clear_error_and_changes_nothing(client, storm):
    client.force_login(make_staff("lou", "Editor"))
    empty = quick_add(client, storm, text="   ")
    assert empty.status_code == 400 and "required" in empty.json()["error"]
    assert quick_add(client, storm, text="x" * 6000).status_code == 400
    assert not LiveUpdate.objects.exists()
    url = reverse("admin:articles_article_live_add", args=[storm.pk])
    assert client.get(url).status_code == 405
    no_js = client.post(url, {"text": ""})
    assert no_js.status_code == 302  # back to the story, with the error as a message
    assert not LiveUpdate.objects.exists()


def test_no_quick_form_on_a_story_without_live_coverage(client):
    client.force_login(make_staff("lou", "Editor"))
    story = make_story("Quiet day")
    html = client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    assert 'id="live-quick-add"' not in html


def test_an_editor_edits_an_update_in_the_inline_and_the_story_page_shows_it(client, storm):
    editor = make_staff("lou", "Editor")
    client.force_login(editor)
    update = desk.save_update(
        LiveUpdate(story=storm, body="<p>Winds at 80.</p>"), editor, publish=True
    )
    storm.refresh_from_db()
    when, since = timezone.localtime(update.published_at), timezone.localtime(storm.live_started_at)
    data = form_data(
        storm,
        **{
            "live_started_at_0": f"{since:%Y-%m-%d}",
            "live_started_at_1": f"{since:%H:%M:%S}",
            "live_updates-TOTAL_FORMS": "1",
            "live_updates-INITIAL_FORMS": "1",
            "live_updates-0-id": str(update.pk),
            "live_updates-0-story": str(storm.pk),
            "live_updates-0-published_at_0": f"{when:%Y-%m-%d}",
            "live_updates-0-published_at_1": f"{when:%H:%M:%S}",
            "live_updates-0-status": "published",
            "live_updates-0-body": "<p>Winds at 95.</p>",
            "live_updates-0-key_event": "on",
        },
    )
    response = client.post(reverse("admin:articles_article_change", args=[storm.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    update.refresh_from_db()
    assert update.body == "<p>Winds at 95.</p>" and update.key_event
    client.logout()
    html = client.get(storm.path).content.decode()
    assert "Winds at 95." in html and "Key events" in html


def test_editors_open_coverage_and_set_the_banner_from_the_list(client):
    client.force_login(make_staff("lou", "Editor"))
    story = make_story("Verdict due")
    changelist = reverse("admin:articles_article_changelist")
    for action in ("open_coverage", "set_breaking"):
        client.post(changelist, {"action": action, "_selected_action": [story.pk]})
    story.refresh_from_db()
    assert story.live_coverage
    assert story.breaking_until - timezone.now() > timedelta(minutes=59)
    client.logout()
    assert 'class="breaking-banner' in client.get("/").content.decode()


def test_writers_get_no_live_actions_and_cannot_set_the_banner(client):
    writer = make_staff("wim", "Writer")
    client.force_login(writer)
    story = make_story("Verdict due", created_by=writer, status=Article.Status.DRAFT)
    changelist = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "open_coverage" not in changelist and "set_breaking" not in changelist
    later = timezone.localtime() + timedelta(hours=2)
    client.post(
        reverse("admin:articles_article_change", args=[story.pk]),
        form_data(
            story,
            breaking_until_0=f"{later:%Y-%m-%d}",
            breaking_until_1=f"{later:%H:%M:%S}",
            live_started_at_0=f"{later:%Y-%m-%d}",
            live_started_at_1=f"{later:%H:%M:%S}",
        ),
    )
    story.refresh_from_db()
    assert story.breaking_until is None and story.live_started_at is None


# --- A library photo with a quick update ------------------------------------------


def test_the_quick_form_takes_a_library_photo_through_the_story_forms_autocomplete(client, storm):
    from .test_photo_placements import library_photo

    photo = library_photo(7, alt="Waves over the sea wall")
    client.force_login(make_staff("lou", "Editor"))
    html = client.get(reverse("admin:articles_article_change", args=[storm.pk])).content.decode()
    quick = html[html.index('id="live-quick-add"') : html.index('id="article_form"')]
    assert 'class="admin-autocomplete' in quick and 'data-field-name="photo"' in quick
    response = quick_add(client, storm, photo=str(photo.pk), publish="on")
    assert response.status_code == 200, response.content
    assert LiveUpdate.objects.get().photo == photo
    client.logout()
    assert 'alt="Waves over the sea wall"' in client.get(storm.path).content.decode()


def test_a_writer_cannot_attach_a_photo_only_anothers_draft_uses(client, storm):
    from .test_photo_placements import library_photo, placing

    walt, wendy = make_staff("walt", "Writer"), make_staff("wendy", "Writer")
    scoop = library_photo(8, uploaded_by=walt, alt="The scoop's picture")
    make_story("Walt's scoop", body=placing(scoop), created_by=walt, status=Article.Status.DRAFT)
    own = library_photo(9, uploaded_by=wendy, alt="Wendy's picture")
    client.force_login(wendy)
    refused = quick_add(client, storm, photo=str(scoop.pk))
    assert refused.status_code == 400 and "photo" in refused.json()["error"].lower()
    assert not LiveUpdate.objects.exists()
    assert quick_add(client, storm, photo=str(own.pk)).status_code == 200
    assert LiveUpdate.objects.get().photo == own


def test_the_desk_refuses_a_photo_the_writer_may_not_see_whatever_the_form(storm):
    from django.core.exceptions import ValidationError

    from .test_photo_placements import library_photo, placing

    walt, wendy = make_staff("walt", "Writer"), make_staff("wendy", "Writer")
    scoop = library_photo(10, uploaded_by=walt)
    make_story("Walt's scoop", body=placing(scoop), created_by=walt, status=Article.Status.DRAFT)
    update = LiveUpdate(story=storm, body="<p>Waves.</p>", photo=scoop)
    with pytest.raises(ValidationError):
        desk.save_update(update, wendy)
    assert not LiveUpdate.objects.exists()
