"""The attacks of the second security review, replayed: each must now be refused or
leak nothing (issue 11). One test, or a few, per finding, in the review's order."""

import hashlib
from datetime import timedelta

import pytest
import reversion
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date
from reversion.models import Version
from taggit.models import Tag

from articles.models import Article, Correction, Image

from .factories import make_author, make_draft, make_section, make_staff, make_story
from .pictures import picture_bytes, upload
from .test_workflow import change_url, form_data

pytestmark = pytest.mark.django_db


def revision_url(story, version):
    return reverse("admin:articles_article_revision", args=[story.pk, version.pk])


@pytest.fixture
def desk():
    return {
        "wendy": make_staff("wendy", "Writer"),
        "otto": make_staff("otto", "Writer"),
        "ed": make_staff("ed", "Editor"),
    }


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


# --- 1. A revert touches only its own story ----------------------------------------


def bulk_submit(desk, *stories):
    response = as_user(desk["ed"]).post(
        reverse("admin:articles_article_changelist"),
        {"action": "submit_for_review", "_selected_action": [s.pk for s in stories]},
    )
    assert response.status_code == 302


def test_bulk_actions_record_one_revision_per_story(desk):
    mine = make_draft("Wendy's draft", created_by=desk["wendy"])
    theirs = make_draft("Otto's draft", created_by=desk["otto"])
    bulk_submit(desk, mine, theirs)
    for story, other in ((mine, theirs), (theirs, mine)):
        version = Version.objects.get_for_object(story).get()
        held = {(v.content_type.model, v.object_id) for v in version.revision.version_set.all()}
        assert ("article", str(other.pk)) not in held
        assert ("article", str(story.pk)) in held


def test_a_writer_reverting_their_story_never_touches_anothers(desk):
    """The review's reproduction, on a revision that holds both stories (as bulk
    actions made before the fix, and as any create_revision block can)."""
    mine = make_draft("Wendy's draft", created_by=desk["wendy"], body="<p>Mine.</p>")
    theirs = make_draft("Otto's draft", created_by=desk["otto"], body="<p>Old text.</p>")
    with reversion.create_revision():  # one revision holding both
        for story in (mine, theirs):
            story.status = Article.Status.REVIEW
            story.save()
    shared = Version.objects.get_for_object(mine).get()
    assert shared.revision.version_set.filter(object_id=str(theirs.pk)).exists()

    editor = as_user(desk["ed"])
    theirs.refresh_from_db()
    published = form_data(theirs, body="<p>New text.</p>", status="published")
    assert editor.post(change_url(theirs), published).status_code == 302
    theirs.refresh_from_db()
    Correction.objects.create(article=theirs, text="A name was wrong.")
    assert Client().get(theirs.path).status_code == 200

    writer = as_user(desk["wendy"])
    mine.refresh_from_db()
    form = writer.get(revision_url(mine, shared))
    assert form.status_code == 200
    reverted = writer.post(revision_url(mine, shared), form_data(mine, status="review"))
    assert reverted.status_code == 302

    theirs.refresh_from_db()
    assert theirs.status == Article.Status.PUBLISHED
    assert "New text." in theirs.body
    assert theirs.corrections.count() == 1
    assert Client().get(theirs.path).status_code == 200


def test_a_revert_keeps_publication_and_corrections_and_shared_tags(desk):
    story = make_story("Bridge opens", body="<p>First text.</p>", tags=["bridges"])
    with reversion.create_revision():
        story.save()
    first = Version.objects.get_for_object(story).get()
    story.body = "<p>Second text.</p>"
    story.save()
    story.tags.set(["roads"])
    Correction.objects.create(article=story, text="The span was wrong.")
    Tag.objects.filter(slug="bridges").update(name="Bridges and tunnels")  # for every story

    editor = as_user(desk["ed"])
    story.refresh_from_db()
    assert editor.get(revision_url(story, first)).status_code == 200
    data = form_data(story, body="<p>First text.</p>", tags='"Bridges and tunnels"')
    assert editor.post(revision_url(story, first), data).status_code == 302

    story.refresh_from_db()
    assert story.status == Article.Status.PUBLISHED and story.is_live
    assert story.corrections.count() == 1
    assert Client().get(story.path).status_code == 200
    assert list(story.tags.values_list("slug", flat=True)) == ["bridges"]
    shared = Tag.objects.get(slug="bridges")
    assert shared.name == "Bridges and tunnels"  # the shared tag was not renamed back


def test_a_revision_of_another_model_is_not_a_story_revision(desk):
    mine = make_draft("Wendy's draft", created_by=desk["wendy"], authors=[make_author()])
    with reversion.create_revision():
        mine.save()
    byline_version = Version.objects.get_for_model(mine.bylines.model).first()
    url = reverse("admin:articles_article_revision", args=[mine.pk, byline_version.pk])
    assert as_user(desk["wendy"]).get(url).status_code == 404


# --- 2. Writers see only what they may see: photo page, photo library, tags ----------


def test_the_photo_page_lists_only_stories_the_user_may_see(desk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = Image(file=upload(picture_bytes()), alt_text="A crane", uploaded_by=desk["wendy"])
    photo.save()
    make_draft("Otto's secret merger", created_by=desk["otto"], lead_image=photo)
    make_story("The harbour reopens", lead_image=photo)
    url = reverse("admin:articles_image_change", args=[photo.pk])
    writer_page = as_user(desk["wendy"]).get(url).content.decode()
    assert "The harbour reopens" in writer_page
    assert "Otto" not in writer_page and "merger" not in writer_page
    assert "Otto&#x27;s secret merger" in as_user(desk["ed"]).get(url).content.decode()


def test_photos_of_others_drafts_stay_out_of_a_writers_library(desk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    secret = Image(file=upload(picture_bytes((900, 600))), alt_text="Merger signing")
    secret.save()
    make_draft("Otto's secret merger", created_by=desk["otto"], lead_image=secret)
    library = reverse("admin:articles_image_changelist")
    assert "Merger signing" not in as_user(desk["wendy"]).get(library).content.decode()
    assert "Merger signing" in as_user(desk["ed"]).get(library).content.decode()
    page = reverse("admin:articles_image_change", args=[secret.pk])
    assert as_user(desk["wendy"]).get(page).status_code == 302  # "no such photo"


def test_tags_known_only_through_others_drafts_are_hidden_from_writers(desk):
    make_draft("Otto's secret merger", created_by=desk["otto"], tags=["acme-merger"])
    make_draft("Wendy's own", created_by=desk["wendy"], tags=["wendys-topic"])
    make_story("Live story", tags=["harbour"])
    writer = as_user(desk["wendy"])
    tag_list = writer.get(reverse("admin:taggit_tag_changelist")).content.decode()
    # The story list's tag filter is an autocomplete box: the tags it offers.
    tag_box = writer.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "tags", "term": ""},
    ).content.decode()
    story_list = writer.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "acme-merger" not in story_list
    for html in (tag_list, tag_box):
        assert "acme-merger" not in html
        assert "harbour" in html and "wendys-topic" in html
    assert (
        "acme-merger"
        in as_user(desk["ed"]).get(reverse("admin:taggit_tag_changelist")).content.decode()
    )


# --- 3. One client cannot lock an editor out --------------------------------------


def login(client, username, password, address, proxy="10.0.0.2"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=f"6.6.6.6, {address}",  # the first part is the client's own
    )


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_failures_from_one_client_lock_only_that_client(desk):
    from django.contrib.auth import get_user_model

    ed = get_user_model().objects.get(username="ed")
    ed.set_password("the-right-password-1")
    ed.save()
    attacker, editor = Client(), Client()
    for _ in range(4):
        assert login(attacker, "ed", "wrong", "203.0.113.9").status_code == 200
    assert login(attacker, "ed", "wrong", "203.0.113.9").status_code == 429  # the fifth
    assert login(attacker, "ed", "the-right-password-1", "203.0.113.9").status_code == 429
    # Behind the same load balancer, the editor at their own address still gets in.
    assert login(editor, "ed", "the-right-password-1", "198.51.100.7").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_ADDRESS_FAILURE_LIMIT=8)
def test_one_address_trying_many_usernames_is_stopped_there_only(desk):
    attacker = Client()
    for number in range(8):
        login(attacker, f"guess-{number}", "wrong", "203.0.113.9")
    assert login(attacker, "someone-new", "wrong", "203.0.113.9").status_code == 429
    assert login(Client(), "someone-new", "wrong", "198.51.100.7").status_code == 200


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no trusted proxy: the header is the client's word
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.3", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.2"),  # fewer entries than proxies: not through them
        (1, "not-an-address", "10.0.0.2"),
    ],
)
def test_the_client_address_is_read_only_from_trusted_proxies(
    rf, settings, count, forwarded, expected
):
    from newsroom.logins import client_address

    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


# --- 4 and 5. Readers learn of a tag or an author only through a live story ----------


@pytest.fixture
def unpublished_only():
    ana = make_author("Ana Secret", slug="ana-secret", bio="Joins us next week.")
    make_draft("Merger talks", tags=["acme-merger"], authors=[ana])
    make_story("Scheduled", published_at=timezone.now() + timedelta(hours=3), tags=["embargo"])
    make_story("Live story", tags=["harbour"], authors=[make_author("Bo Live", slug="bo")])
    return ana


@pytest.mark.parametrize(
    "url",
    [
        "/tag/acme-merger/",
        "/tag/acme-merger/feed/",
        "/tag/acme-merger/feed/atom/",
        "/tag/acme-merger/feed/json/",
        "/tag/embargo/",
        "/author/ana-secret/",
        "/author/ana-secret/feed/",
        "/author/ana-secret/feed/json/",
    ],
)
def test_tags_and_authors_of_unpublished_stories_are_not_found(client, unpublished_only, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Ana Secret" not in response.content.decode()
    assert "acme" not in response.content.decode().lower()


def test_the_archive_form_confirms_no_guess(client, unpublished_only):
    archive = client.get("/archive/").content.decode()
    assert "Ana Secret" not in archive and "Bo Live" in archive
    guessed, unknown = client.get("/archive/?tag=acme-merger"), client.get("/archive/?tag=nope")
    assert guessed.status_code == unknown.status_code == 400
    assert client.get("/archive/?tag=harbour").status_code == 200
    assert client.get("/archive/?author=ana-secret").status_code == 400


def test_a_tag_becomes_public_with_its_first_live_story(client, unpublished_only):
    assert client.get("/tag/embargo/").status_code == 404
    with time_machine.travel(timezone.now() + timedelta(hours=4)):
        assert client.get("/tag/embargo/").status_code == 200


# --- 6. A correction dated in the future waits for its time --------------------------


def test_a_future_correction_shows_at_its_time_not_before(client):
    story = make_story("Bridge opens", age=timedelta(days=1))
    note_time = timezone.now() + timedelta(hours=2)
    Correction.objects.create(article=story, text="The span is 40 m.", published_at=note_time)

    page = client.get(story.path).content.decode()
    assert "The span is 40 m." not in page and 'class="updated"' not in page
    assert note_time.isoformat()[:16] not in page  # no dateModified in the future
    feed = client.get("/feed/")
    assert parse_http_date(feed["Last-Modified"]) <= timezone.now().timestamp()
    assert "The span is 40 m." not in client.get("/corrections/").content.decode()

    with time_machine.travel(note_time + timedelta(minutes=1)):
        page = client.get(story.path).content.decode()
        assert "The span is 40 m." in page and 'class="updated"' in page
        assert "The span is 40 m." in client.get("/corrections/").content.decode()


# --- 7. Removing an item moves Last-Modified -------------------------------------------


@pytest.mark.parametrize(
    "url", ["/feed/", "/feed/atom/", "/feed/json/", "/tag/harbour/feed/", "month's sitemap"]
)
def test_a_withdrawal_is_never_answered_not_modified(client, url):
    make_story("Older", tags=["harbour"], age=timedelta(hours=2))
    newest = make_story("Withdrawn soon", tags=["harbour"], age=timedelta(hours=1))
    if url == "month's sitemap":  # the month of both (just after midnight on the 1st: last month)
        published = timezone.localtime(newest.published_at - timedelta(hours=1))
        url = reverse("sitemap-stories", args=[published.year, published.month])
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        first = client.get(url)
        assert "withdrawn-soon/" in first.content.decode()  # its address, in every format
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        newest.status = Article.Status.WITHDRAWN
        newest.save()
    with time_machine.travel(timezone.now() + timedelta(minutes=15)):
        again = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert again.status_code == 200
        assert "withdrawn-soon/" not in again.content.decode()
        assert parse_http_date(again["Last-Modified"]) > parse_http_date(first["Last-Modified"])


# --- 8. A photo's address cannot be worked out from the picture ------------------------


def test_photo_names_carry_a_secret(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = picture_bytes((1000, 700))
    first = Image(file=upload(data), alt_text="A crane")
    first.save()
    from articles.images import processing

    cleaned = processing.clean(upload(data))
    digest = hashlib.sha256(cleaned.data).hexdigest()
    assert digest[:20] not in first.file.name
    settings.SECRET_KEY = "another-secret-key-for-another-newsroom-0123456789-abcdef"
    second = Image(file=upload(data), alt_text="A crane")
    second.save()
    assert second.file.name != first.file.name


# --- 9. Last-Modified is the change's time, in UTC --------------------------------------


def test_last_modified_is_the_time_of_the_last_change(client, settings):
    settings.TIME_ZONE = "America/New_York"  # any zone but UTC shows the bug
    make_story("A story", age=timedelta(days=3))
    response = client.get("/")
    modified = parse_http_date(response["Last-Modified"])
    assert abs(modified - timezone.now().timestamp()) < 60  # not hours ahead or behind


# --- Query strings the page does not read share its cached copy -------------------------


def test_unknown_query_strings_are_served_the_cached_page(client, django_assert_max_num_queries):
    make_story("A story", section=make_section("City", slug="city"))
    client.get("/section/city/")
    with django_assert_max_num_queries(1):  # the content stamp; nothing rendered
        response = client.get("/section/city/?utm_source=x&cachebuster=8271")
    assert response.status_code == 200 and "A story" in response.content.decode()
