"""Every save is a revision: history, differences, revert, and recovering deleted stories."""

import pytest
from django.urls import reverse
from reversion.models import Version

from articles.models import Article, Byline

from .factories import make_author, make_staff, make_story
from .test_workflow import change_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = make_staff("ed", "Editor", first_name="Ed", last_name="Itor")
    client.force_login(user)
    return user


@pytest.fixture
def edited(client, editor):
    """A story saved twice through the admin: new headline, body, tags and byline."""
    ana, ben = make_author("Ana Reyes"), make_author("Ben Cole")
    client.post(
        reverse("admin:articles_article_add"),
        form_data(
            headline="Council delays vote",
            body="<p>The council delayed the vote.</p>",
            tags="council",
            **{"bylines-TOTAL_FORMS": "1", "bylines-0-author": ana.pk, "bylines-0-position": "0"},
        ),
    )
    story = Article.objects.get()
    byline = Byline.objects.get(article=story)
    client.post(
        change_url(story),
        form_data(
            story,
            headline="Council approves budget",
            tags="council, budget",
            body="<p>The council approved the budget on Tuesday.</p>",
            **{
                "bylines-TOTAL_FORMS": "2",
                "bylines-INITIAL_FORMS": "1",
                "bylines-0-id": byline.pk,
                "bylines-0-article": story.pk,
                "bylines-0-author": ana.pk,
                "bylines-0-position": "0",
                "bylines-1-author": ben.pk,
                "bylines-1-position": "1",
            },
        ),
    )
    story.refresh_from_db()
    return story


def versions(story):
    return list(Version.objects.get_for_object(story).order_by("pk"))


def test_every_save_records_who_when_and_what(client, editor, edited):
    first, second = versions(edited)
    assert first.revision.user == editor and second.revision.user == editor
    assert first.revision.date_created < second.revision.date_created
    html = client.get(reverse("admin:articles_article_history", args=[edited.pk])).content
    html = html.decode()
    assert "Changed Headline" in html or "Changed headline" in html
    assert "Compare two revisions" in html


def test_compare_shows_headline_body_tags_and_byline_changes(client, editor, edited):
    first, second = versions(edited)
    url = reverse("admin:articles_article_compare", args=[edited.pk])
    html = client.get(url, {"from": first.pk, "to": second.pk}).content.decode()
    assert "<del>delays</del><ins>approves</ins>" in html
    assert "<del>vote</del><ins>budget</ins>" in html
    assert "<del>vote.</del><ins>budget on Tuesday.</ins>" in html
    assert '<th scope="row">Tags</th><td><ins>budget, </ins>council</td>' in html
    assert '<th scope="row">Byline</th>' in html and "Ben Cole</ins>" in html


@pytest.mark.parametrize("query", [{}, {"from": "x", "to": "1"}, {"from": "999999", "to": "1"}])
def test_compare_with_bad_revisions_is_a_404(client, editor, edited, query):
    url = reverse("admin:articles_article_compare", args=[edited.pk])
    assert client.get(url, query).status_code == 404


def test_revert_brings_back_headline_body_tags_and_byline(client, editor, edited):
    first, _ = versions(edited)
    url = reverse("admin:articles_article_revision", args=[edited.pk, first.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Council delays vote" in page.content.decode()
    edited.refresh_from_db()
    assert edited.headline == "Council approves budget"  # viewing changes nothing
    ana = edited.authors.get(name="Ana Reyes")
    byline = Byline.objects.get(article=edited, author=ana)
    response = client.post(
        url,
        form_data(
            edited,
            headline="Council delays vote",
            body="<p>The council delayed the vote.</p>",
            tags="council",
            **{
                "bylines-TOTAL_FORMS": "1",
                "bylines-INITIAL_FORMS": "1",
                "bylines-0-id": byline.pk,
                "bylines-0-article": edited.pk,
                "bylines-0-author": ana.pk,
                "bylines-0-position": "0",
            },
        ),
    )
    assert response.status_code == 302
    edited.refresh_from_db()
    assert edited.headline == "Council delays vote"
    assert sorted(edited.tags.names()) == ["council"]
    assert [a.name for a in edited.authors.all()] == ["Ana Reyes"]
    assert len(versions(edited)) == 3


def test_deleted_story_can_be_recovered(client, editor, edited):
    story_id = edited.pk
    response = client.post(
        reverse("admin:articles_article_delete", args=[story_id]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Article.objects.filter(pk=story_id).exists()
    listing = client.get(reverse("admin:articles_article_recoverlist")).content.decode()
    assert "Council approves budget" in listing
    deleted = Version.objects.get_deleted(Article).get()
    url = reverse("admin:articles_article_recover", args=[deleted.pk])
    page = client.get(url).content.decode()
    assert 'value="Council approves budget"' in page
    assert "budget, council" in page  # the recovered tags, ready to save again
    response = client.post(
        url,
        form_data(
            Article(
                headline="Council approves budget",
                slug=edited.slug,
                status=edited.status,
                edit_version=0,
            ),
            body="<p>The council approved the budget on Tuesday.</p>",
            tags="budget, council",
        ),
    )
    errors = response.context["adminform"].form.errors if response.status_code == 200 else None
    assert response.status_code == 302, errors
    recovered = Article.objects.get(pk=story_id)
    assert recovered.headline == "Council approves budget"
    assert sorted(recovered.tags.names()) == ["budget", "council"]


def test_writers_see_only_their_own_stories_history(client, edited):
    writer = make_staff("wendy", "Writer")
    client.force_login(writer)
    assert (
        client.get(reverse("admin:articles_article_history", args=[edited.pk])).status_code == 404
    )
    own = make_story("Wendy's draft", status="draft", created_by=writer)
    assert client.get(reverse("admin:articles_article_history", args=[own.pk])).status_code == 200
    assert client.get(reverse("admin:articles_article_recoverlist")).status_code == 403
