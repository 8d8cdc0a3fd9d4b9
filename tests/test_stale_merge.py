"""A refused stale save shows the other version's changes beside the editor's text,
and the form then carries the version they have seen, so the merged text saves."""

import re

import pytest

from articles.models import Article

from .factories import make_draft, make_staff
from .test_no_lost_edits import logged_in
from .test_workflow import change_url, form_data

pytestmark = pytest.mark.django_db


def carried_version(html):
    return int(re.search(r'name="opened_version" value="(\d+)"', html).group(1))


@pytest.fixture
def desk():
    ana = logged_in(make_staff("ana", "Editor", first_name="Ana", last_name="Reyes"))
    ben = logged_in(make_staff("ben", "Editor"))
    story = make_draft("Ferry strike ends", body="<p>The strike ended on Monday.</p>")
    # Saved once through the admin, so a revision holds the version both open.
    assert ana.post(change_url(story), form_data(story)).status_code == 302
    return ana, ben, Article.objects.get(pk=story.pk)


def test_the_refusal_shows_their_changes_beside_yours_and_the_merge_saves(desk):
    ana, ben, opened = desk
    theirs = form_data(opened, body="<p>The strike ended on Monday night.</p>")
    assert ana.post(change_url(opened), theirs).status_code == 302
    mine = form_data(
        opened,
        headline="Ferry strike ends after six weeks",
        body="<p>The strike ended on Monday, the union said.</p>",
    )
    refused = ben.post(change_url(opened), mine)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Their version beside yours" in html
    panel = html[
        html.index('id="stale-save"') : html.index("</table>", html.index('id="stale-save"'))
    ]
    theirs_cell = (
        '<td class="stale-save-theirs">The strike ended on '
        "<del>Monday.</del><ins>Monday night.</ins></td>"
    )
    yours_cell = (
        '<td class="stale-save-yours">The strike ended on '
        "<del>Monday.</del><ins>Monday, the union said.</ins></td>"
    )
    assert theirs_cell + yours_cell in panel
    assert "Headline" not in panel  # only what they changed; his headline is in the form
    current = Article.objects.get(pk=opened.pk)
    assert carried_version(html) == current.edit_version != opened.edit_version

    merged = form_data(
        opened,
        headline="Ferry strike ends after six weeks",
        body="<p>The strike ended on Monday night, the union said.</p>",
        opened_version=carried_version(html),
    )
    assert ben.post(change_url(opened), merged).status_code == 302
    story = Article.objects.get(pk=opened.pk)
    assert story.headline == "Ferry strike ends after six weeks"
    assert story.body == "<p>The strike ended on Monday night, the union said.</p>"


def test_a_save_after_the_diff_is_refused_again_if_someone_saved_meanwhile(desk):
    ana, ben, opened = desk
    ana.post(change_url(opened), form_data(opened, dek="Ana's dek"))
    refused = ben.post(change_url(opened), form_data(opened, dek="Ben's dek"))
    seen = carried_version(refused.content.decode())
    ana.post(
        change_url(opened), form_data(Article.objects.get(pk=opened.pk), dek="Ana's second dek")
    )
    again = ben.post(change_url(opened), form_data(opened, dek="Ben's dek", opened_version=seen))
    assert again.status_code == 200 and "<ins>second </ins>" in again.content.decode()
    assert Article.objects.get(pk=opened.pk).dek == "Ana's second dek"


def test_without_a_revision_of_the_opened_version_the_saved_text_is_compared_with_yours():
    ana = logged_in(make_staff("ana", "Editor"))
    ben = logged_in(make_staff("ben", "Editor"))
    opened = make_draft("Ferry strike ends", body="<p>The strike ended.</p>")  # no revision
    ana.post(change_url(opened), form_data(opened, body="<p>The strike ended today.</p>"))
    refused = ben.post(change_url(opened), form_data(opened, dek="Ben's dek"))
    html = refused.content.decode()
    assert (
        "ended<del>.</del><ins> today.</ins>" in html
        or "<del>ended.</del><ins>ended today.</ins>" in html
    )
