"""Share links from the story page: listed with their addresses for copying, each
revocable, in forms a browser submits (never nested inside the change form)."""

import re
from html.parser import HTMLParser

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from articles.editorial import previews
from articles.models import PreviewLink

from .factories import make_draft, make_staff
from .test_workflow import change_url

pytestmark = pytest.mark.django_db

# One for the share links, whatever their number; one for the editor's autosave; one for
# the notes (none here) and one for the staff an editor may assign the story to.
QUERIES_OF_THE_STORY_PAGE = 21


class FormNesting(HTMLParser):
    """Each <form>'s action, and any form opened while another was still open."""

    def __init__(self):
        super().__init__()
        self.open, self.actions, self.nested = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            action = dict(attrs).get("action", "")
            if self.open:
                self.nested.append(action)
            self.open.append(action)
            self.actions.append(action)

    def handle_endtag(self, tag):
        if tag == "form" and self.open:
            self.open.pop()


def forms_of(html):
    parser = FormNesting()
    parser.feed(html)
    return parser


def test_share_and_revoke_forms_are_not_nested_in_the_change_form(client, editor):
    story = make_draft("Secret merger plans")
    client.post(reverse("admin:articles_article_share", args=[story.pk]))
    link = PreviewLink.objects.get()
    page = forms_of(client.get(change_url(story)).content.decode())
    share = reverse("admin:articles_article_share", args=[story.pk])
    revoke = reverse("admin:articles_article_revoke", args=[story.pk, link.pk])
    assert share in page.actions and revoke in page.actions
    assert page.nested == []  # a browser drops a form inside a form


def test_active_links_are_listed_with_their_full_addresses(client, editor):
    story = make_draft("Secret merger plans")
    response = client.post(reverse("admin:articles_article_share", args=[story.pk]))
    assert response["Location"].endswith("#share-links")
    link = PreviewLink.objects.get()
    address = "http://testserver" + previews.share_url(link)
    html = client.get(change_url(story)).content.decode()
    assert f'value="{address}"' in html
    assert 'data-copy="share-link-1"' in html and "copy-link.js" in html
    assert Client().get(address).status_code == 200
    # The address is the same each time it is listed: copying it again gives the same.
    assert previews.share_url(PreviewLink.objects.get()) == previews.share_url(link)

    client.post(reverse("admin:articles_article_revoke", args=[story.pk, link.pk]))
    html = client.get(change_url(story)).content.decode()
    assert address not in html and "No share link is active." in html
    assert Client().get(address).status_code == 404


def test_a_link_given_out_before_addresses_were_stable_still_opens(client, editor):
    story = make_draft("Secret merger plans")
    link = PreviewLink.objects.create(article=story, created_by=editor)
    old = reverse("preview", kwargs={"token": signing.dumps(str(link.pk), salt=previews.SALT)})
    assert Client().get(old).status_code == 200
    link.revoked_at = link.created_at
    link.save()
    assert Client().get(old).status_code == 404


def test_a_token_for_a_link_that_never_existed_is_a_404(client, editor):
    import uuid

    forged = previews._signer().sign(uuid.uuid4().hex)
    assert Client().get(reverse("preview", kwargs={"token": forged})).status_code == 404
    bad = previews._signer().sign("not-a-uuid")
    assert Client().get(reverse("preview", kwargs={"token": bad})).status_code == 404


def test_the_listing_costs_the_same_with_many_links(client, editor, django_assert_num_queries):
    story = make_draft("Secret merger plans")
    url = change_url(story)
    client.post(reverse("admin:articles_article_share", args=[story.pk]))
    client.get(url)
    with django_assert_num_queries(QUERIES_OF_THE_STORY_PAGE):
        client.get(url)
    for _ in range(4):
        client.post(reverse("admin:articles_article_share", args=[story.pk]))
    html = client.get(url).content.decode()
    assert len(re.findall(r'class="vURLField share-link-address"', html)) == 5
    with django_assert_num_queries(QUERIES_OF_THE_STORY_PAGE):
        client.get(url)


def test_writers_see_no_share_panel(client):
    writer = make_staff("wendy", "Writer")
    client.force_login(writer)
    own = make_draft("Wendy's own draft", created_by=writer)
    html = client.get(change_url(own)).content.decode()
    assert "Share a preview" not in html
