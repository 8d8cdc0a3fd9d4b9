"""The editors' admin: lists, forms, filters, search and bulk actions work for an editor."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from articles.editorial.roles import ensure_roles
from articles.models import Article

from .factories import make_author, make_draft, make_scheduled, make_section, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_user("desk", password="not-used", is_staff=True)
    user.groups.add(ensure_roles())
    client.force_login(user)
    return user


@pytest.fixture
def stories():
    section = make_section("Business", slug="business")
    author = make_author("Ana Reyes", slug="ana-reyes")
    return [
        make_story("Shipyard wins contract", section=section, authors=[author], tags=["jobs"]),
        make_draft("Draft about the port", section=section, body="<p>Draft body.</p>"),
        make_scheduled("Scheduled budget story", section=section),
    ]


def changelist(client, query=""):
    response = client.get(reverse("admin:articles_article_changelist") + query)
    assert response.status_code == 200
    return response.content.decode()


def test_story_list_shows_headline_section_state_time_and_byline(client, editor, stories):
    html = changelist(client)
    assert "Shipyard wins contract" in html and "Ana Reyes" in html and "Business" in html
    assert "Draft about the port" in html
    local = timezone.localtime(stories[2].published_at)
    assert f"Scheduled · {local:%a} {local.day} {local:%b %H:%M}" in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("?status__exact=draft", "Draft about the port", "Shipyard wins contract"),
        ("?q=Shipyard", "Shipyard wins contract", "Draft about the port"),
        ("?q=Draft+body", "Draft about the port", "Shipyard wins contract"),
    ],
)
def test_story_list_filters_and_search(client, editor, stories, query, shown, hidden):
    html = changelist(client, query)
    assert shown in html and hidden not in html


def test_story_list_filters_by_section_and_tag(client, editor, stories):
    other = make_story("Elsewhere", section=make_section("Sport", slug="sport"))
    html = changelist(client, f"?section__id__exact={stories[0].section_id}")
    assert "Shipyard wins contract" in html and other.headline not in html
    tag_id = stories[0].tags.get().pk
    html = changelist(client, f"?tags__id__exact={tag_id}")
    assert "Shipyard wins contract" in html and "Draft about the port" not in html


def test_story_list_filters_by_publication_time(client, editor, stories):
    # A filter by period, not a year-by-year date hierarchy (which reads every row).
    assert "Past 7 days" in changelist(client)


def test_add_form_loads_with_slug_prepopulated_from_headline(client, editor):
    response = client.get(reverse("admin:articles_article_add"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "prepopulated_fields" in html or "data-prepopulated-fields" in html
    assert 'id="id_headline"' in html and 'name="bylines-0-author"' in html


def test_editor_writes_and_publishes_a_story_that_tops_the_front_page_and_feed(client, editor):
    make_story("Yesterday's news", age=timedelta(days=1))
    section = make_section("City", slug="city")
    author = make_author("Ian Po", slug="ian-po")
    response = client.post(
        reverse("admin:articles_article_add"),
        {
            "headline": "Council votes to rebuild the pier",
            "dek": "The vote was unanimous.",
            "body": "<p>The council voted <script>x</script>on Tuesday.</p>",
            "section": section.pk,
            "tags": "pier, council",
            "dateline": "PORT ALDER",
            "status": "published",
            "published_at_0": "",
            "published_at_1": "",
            "slug": "council-votes-to-rebuild-the-pier",
            "bylines-TOTAL_FORMS": "1",
            "bylines-INITIAL_FORMS": "0",
            "bylines-0-author": author.pk,
            "bylines-0-position": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    story = Article.objects.get(headline="Council votes to rebuild the pier")
    assert story.is_live and "<script>" not in story.body
    assert [a.name for a in story.authors.all()] == ["Ian Po"]
    front = client.get("/").content.decode()
    assert front.index("Council votes to rebuild the pier") < front.index("Yesterday&#39;s news")
    assert (
        "<title>Council votes to rebuild the pier</title>"
        in client.get("/feed/").content.decode().split("<item>")[1]
    )


def test_publishing_with_an_empty_body_is_refused_with_a_message(client, editor):
    response = client.post(
        reverse("admin:articles_article_add"),
        {
            "headline": "Nothing here yet",
            "dek": "",
            "body": "",
            "status": "published",
            "published_at_0": "",
            "published_at_1": "",
            "slug": "nothing",
            "tags": "",
            "bylines-TOTAL_FORMS": "0",
            "bylines-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "A published story needs a body." in response.content.decode()
    assert not Article.objects.exists()


def test_change_form_loads_and_links_to_the_live_story(client, editor, stories):
    live, draft, _ = stories
    html = client.get(reverse("admin:articles_article_change", args=[live.pk])).content.decode()
    assert "View on site" in html
    html = client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert "Draft about the port" in html and "View on site" not in html


def test_bulk_publish_and_withdraw(client, editor, stories):
    live, draft, _ = stories
    url = reverse("admin:articles_article_changelist")
    client.post(url, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.is_live and client.get(draft.path).status_code == 200
    client.post(url, {"action": "withdraw", "_selected_action": [live.pk]})
    live.refresh_from_db()
    assert not live.is_live and client.get(live.path).status_code == 404


def test_section_and_author_autocomplete(client, editor, stories):
    for model, term, expected in [("section", "Busi", "Business"), ("author", "Ana", "Ana Reyes")]:
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "articles",
                "model_name": "article" if model == "section" else "byline",
                "field_name": model,
                "term": term,
            },
        )
        assert response.status_code == 200
        assert expected in response.content.decode()


def test_section_and_author_admins_load(client, editor, stories):
    for name in ["section", "author"]:
        assert client.get(reverse(f"admin:articles_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:articles_{name}_add")).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(client, stories):
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
