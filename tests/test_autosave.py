"""Autosave: a private copy of one person's unsaved changes. The story, its readers and
other editors never see it; only its author reads it; restoring it goes through the
stale-save check like any save. And the live preview renders the unsaved form."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from articles import access
from articles.models import Article, Autosave, ContentVersion

from .factories import make_draft, make_staff, make_story
from .test_workflow import change_url, form_data

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def autosave_url(story=None):
    if story is None:
        return reverse("admin:articles_article_autosave_new")
    return reverse("admin:articles_article_autosave", args=[story.pk])


def live_preview_url(story=None):
    if story is None:
        return reverse("admin:articles_article_live_preview_new")
    return reverse("admin:articles_article_live_preview", args=[story.pk])


@pytest.fixture
def ana():
    return make_staff("ana", "Editor", first_name="Ana", last_name="Reyes")


@pytest.fixture
def ben():
    return make_staff("ben", "Editor")


def test_autosave_keeps_my_changes_and_leaves_the_story_and_its_readers_alone(ana):
    story = make_story("Ferry timetable changes", body="<p>The crossing moves.</p>")
    before = Article.objects.get(pk=story.pk)
    page_before = Client().get(story.path).content.decode()
    version_before = ContentVersion.objects.get().version if ContentVersion.objects.exists() else 0
    client = logged_in(ana)
    response = client.post(
        autosave_url(story),
        form_data(story, headline="Ferry timetable scrapped", body="<p>Unchecked rumour.</p>"),
    )
    assert response.status_code == 200
    assert response.json()["saved_at"]
    story.refresh_from_db()
    assert (story.headline, story.body, story.edit_version, story.updated_at) == (
        before.headline,
        before.body,
        before.edit_version,
        before.updated_at,
    )
    page_after = Client().get(story.path).content.decode()
    assert "Ferry timetable scrapped" not in page_after and "Unchecked rumour" not in page_after
    assert page_after == page_before
    if ContentVersion.objects.exists():
        assert ContentVersion.objects.get().version == version_before
    # Only I can read it back.
    mine = client.get(autosave_url(story))
    assert mine.json()["data"]["headline"] == "Ferry timetable scrapped"
    assert mine.json()["based_on_version"] == story.edit_version


def test_nobody_else_reads_or_overwrites_my_autosave(ana, ben):
    story = make_story("Ferry timetable changes")
    logged_in(ana).post(autosave_url(story), form_data(story, headline="Ana's unsaved headline"))
    ben_client = logged_in(ben)
    assert ben_client.get(autosave_url(story)).status_code == 404
    assert "Ana's unsaved" not in ben_client.get(change_url(story)).content.decode()
    ben_client.post(autosave_url(story), form_data(story, headline="Ben's unsaved headline"))
    # Ben's discard and Ben's autosave touch Ben's copy only.
    ben_client.post(autosave_url(story), {"discard": "1"})
    kept = Autosave.objects.get()
    assert kept.user == ana and kept.data["headline"] == "Ana's unsaved headline"
    assert list(access.autosaves_of(ben)) == []


def test_a_writer_cannot_autosave_a_story_they_cannot_change():
    wendy, walt = make_staff("wendy", "Writer"), make_staff("walt", "Writer")
    others_draft = make_draft("Walt's scoop", created_by=walt)
    live = make_story("Someone else's live story", created_by=walt)
    own_published = make_story("Wendy's published story", created_by=wendy)
    client = logged_in(wendy)
    # Another writer's draft: not even there.
    assert client.post(autosave_url(others_draft), form_data(others_draft)).status_code == 404
    assert client.post(live_preview_url(others_draft), form_data(others_draft)).status_code == 404
    # Stories she may read but not change.
    for story in (live, own_published):
        response = client.post(autosave_url(story), form_data(story, headline="Changed"))
        assert response.status_code == 403
        assert client.post(live_preview_url(story), form_data(story)).status_code == 403
        assert 'id="nr-desk"' not in client.get(change_url(story)).content.decode()
    assert not Autosave.objects.exists()
    # Her own draft, and a new story, she may.
    own_draft = make_draft("Wendy's draft", created_by=wendy)
    response = client.post(autosave_url(own_draft), form_data(own_draft, dek="More"))
    assert response.status_code == 200
    response = client.post(autosave_url(), form_data(headline="A story not yet saved"))
    assert response.status_code == 200
    assert Autosave.objects.filter(user=wendy).count() == 2


def test_an_unchanged_form_leaves_no_autosave(ana):
    story = make_story("Ferry timetable changes", tags=["ferries", "harbour"])
    client = logged_in(ana)
    client.post(autosave_url(story), form_data(story, headline="Changed"))
    response = client.post(autosave_url(story), form_data(story, tags="harbour, ferries"))
    assert response.json() == {"saved_at": None}
    assert not Autosave.objects.exists()


def test_reopening_offers_to_restore_with_the_time_and_a_diff(ana):
    story = make_story("Ferry timetable changes", dek="The morning crossing moves.")
    client = logged_in(ana)
    client.post(autosave_url(story), form_data(story, dek="The evening crossing moves."))
    html = client.get(change_url(story)).content.decode()
    assert "that were autosaved at" in html
    kept = Autosave.objects.get()
    assert f"{kept.saved_at.astimezone():%-d %b %Y}" in html
    diff = re.search(r'<dd class="nr-diff">(.*?)</dd>', html).group(1)
    assert "<del>morning</del>" in diff and "<ins>evening</ins>" in diff
    assert 'href="?restore=autosave"' in html


def test_restoring_fills_the_form_and_saving_it_keeps_the_changes(ana):
    story = make_story("Ferry timetable changes", dek="The morning crossing moves.")
    client = logged_in(ana)
    client.post(autosave_url(story), form_data(story, dek="The evening crossing moves."))
    page = client.get(change_url(story) + "?restore=autosave")
    form = page.context["adminform"].form
    assert form["dek"].value() == "The evening crossing moves."
    assert form["opened_version"].value() == story.edit_version
    assert "Your autosaved changes from" in page.content.decode()
    response = client.post(
        change_url(story), form_data(story, dek=form["dek"].value(), _continue="1")
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.dek == "The evening crossing moves."
    assert not Autosave.objects.exists()  # saved: nothing left to recover


def test_restoring_an_autosave_older_than_someone_elses_save_is_refused_as_stale(ana, ben):
    story = make_story("Ferry timetable changes", dek="The morning crossing moves.")
    opened = Article.objects.get(pk=story.pk)
    ana_client = logged_in(ana)
    ana_client.post(autosave_url(story), form_data(opened, dek="Ana's unsaved dek."))
    # Ben saves in the meantime.
    assert (
        logged_in(ben).post(change_url(story), form_data(opened, dek="Ben's dek.")).status_code
        == 302
    )
    page = ana_client.get(change_url(story) + "?restore=autosave")
    assert "saved by someone after you opened the form" in page.content.decode()
    assert "Saving will be refused" in page.content.decode()
    form = page.context["adminform"].form
    assert form["opened_version"].value() == opened.edit_version  # the autosave's, not today's
    refused = ana_client.post(
        change_url(story),
        form_data(
            Article.objects.get(pk=story.pk),
            dek=form["dek"].value(),
            opened_version=form["opened_version"].value(),
        ),
    )
    assert refused.status_code == 200
    assert "saved this story at" in refused.content.decode()
    story.refresh_from_db()
    assert story.dek == "Ben's dek."


def test_a_new_storys_autosave_is_offered_on_the_add_page(ana):
    client = logged_in(ana)
    client.post(autosave_url(), form_data(headline="Budget leaks early", body="<p>Draft.</p>"))
    html = client.get(reverse("admin:articles_article_add")).content.decode()
    assert "that were autosaved at" in html and "<ins>Budget leaks early</ins>" in html
    page = client.get(reverse("admin:articles_article_add") + "?restore=autosave")
    assert page.context["adminform"].form["headline"].value() == "Budget leaks early"
    response = client.post(
        reverse("admin:articles_article_add"), form_data(headline="Budget leaks early")
    )
    assert response.status_code == 302
    assert not Autosave.objects.exists()


def test_discarding_forgets_the_autosave(ana):
    story = make_story("Ferry timetable changes")
    client = logged_in(ana)
    client.post(autosave_url(story), form_data(story, headline="Changed"))
    assert client.post(autosave_url(story), {"discard": "1"}).json() == {"saved_at": None}
    assert not Autosave.objects.exists()
    assert "that were autosaved at" not in client.get(change_url(story)).content.decode()


# --- Live preview --------------------------------------------------------------


def test_live_preview_renders_the_unsaved_form_sanitised_and_private(ana):
    story = make_story("Ferry timetable changes", body="<p>The crossing moves.</p>")
    before = Article.objects.get(pk=story.pk)
    response = logged_in(ana).post(
        live_preview_url(story),
        form_data(
            story,
            headline="Ferry timetable scrapped",
            body='<p onclick="steal()">New text.<script>alert(1)</script></p>',
            tags="ferries, late news",
            # A stale form still previews: nothing is saved.
            opened_version=0,
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="headline">Ferry timetable scrapped</h1>' in html
    assert "<p>New text.</p>" in html
    assert "onclick" not in html and "alert(1)" not in html
    assert 'href="/tag/late-news/"' in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    story.refresh_from_db()
    assert (story.headline, story.body, story.edit_version) == (
        before.headline,
        before.body,
        before.edit_version,
    )
    assert "Ferry timetable scrapped" not in Client().get(story.path).content.decode()


def test_live_preview_of_a_story_never_saved(ana):
    response = logged_in(ana).post(
        live_preview_url(), form_data(headline="Budget leaks early", body="<p>First lines.</p>")
    )
    assert response.status_code == 200
    assert "Budget leaks early" in response.content.decode()
    assert not Article.objects.exists()


def test_live_preview_and_autosave_refuse_a_get(ana):
    story = make_story("Ferry timetable changes")
    client = logged_in(ana)
    assert client.get(live_preview_url(story)).status_code == 405
    assert client.put(autosave_url(story)).status_code == 405


def test_bad_input_gets_a_4xx_and_keeps_nothing(ana):
    story = make_story("Ferry timetable changes")
    client = logged_in(ana)
    huge = client.post(autosave_url(story), form_data(story, body="<p>" + "x" * 1_000_001))
    assert huge.status_code == 400
    junk = client.post(autosave_url(story), form_data(story, dek="Changed", opened_version="x"))
    assert junk.status_code == 200  # an unreadable version is taken as the story's own
    assert Autosave.objects.get().based_on_version == story.edit_version
    missing = reverse("admin:articles_article_autosave", args=["99999"])
    assert client.post(missing, form_data(story)).status_code == 404
    assert client.post(reverse("admin:articles_article_autosave", args=["abc"])).status_code == 404


def test_the_desk_tools_need_no_inline_script_or_style(ana):
    """The admin's CSP allows scripts from files only: the tools' markup carries data
    (JSON blocks) and no script, style attribute or event handler."""
    story = make_story("Ferry timetable changes")
    client = logged_in(ana)
    client.post(autosave_url(story), form_data(story, dek="Changed"))
    for url in (change_url(story), change_url(story) + "?restore=autosave"):
        html = client.get(url).content.decode()
        tools = html[html.index('<link rel="stylesheet" href="/static/admin/newsroom/desk.css">') :]
        tools = tools[: tools.index('id="nr-live-preview-frame"') + 200]
        for script in re.findall(r"<script\b[^>]*>", tools):
            assert " src=" in script or 'type="application/json"' in script, script
        assert not re.search(r"\sstyle=|\son[a-z]+=", tools)
