"""The Live marker in the blocks every story page shares (issue 17, scope 2): "Latest
stories" and "Related stories" show a live story's marker, which comes and goes with
the story's own changes (going live, closing), but never its last update's time: those
blocks are filled into every stored story page, so a time there would make each
update re-render every story page, against scope 6 ("an update must not make every
cached page stale")."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.editorial import live as desk
from articles.models import LiveUpdate

from .factories import make_section, make_staff, make_story

pytestmark = pytest.mark.django_db

HEADLINE = "Storm reaches the coast"


@pytest.fixture
def editor():
    return make_staff("lou", "Editor")


@pytest.fixture
def stories():
    """The storm (not yet live) and three story pages that list it in both blocks:
    newer stories sharing its tag."""
    weather = make_section("Weather", slug="weather")
    storm = make_story(HEADLINE, section=weather, tags=["storm"], age=timedelta(hours=3))
    others = [
        make_story(f"Ferry notice {n}", section=weather, tags=["storm"], age=timedelta(hours=n))
        for n in (1, 2)
    ]
    others.append(make_story("Harbour wall repaired", tags=["storm"], age=timedelta(minutes=30)))
    return storm, others


def post(story, user, text):
    return desk.save_update(LiveUpdate(story=story, body=f"<p>{text}</p>"), user, publish=True)


def block(html, name):
    """The <aside> of the Latest ("latest") or Related ("related") stories block."""
    found = re.search(rf'<aside class="{name}".*?</aside>', html, re.S)
    return found.group(0) if found else ""


def line(html, name):
    """The storm's line in block ``name`` (fails as a missing marker if not listed)."""
    return next((item for item in block(html, name).split("<li>") if f">{HEADLINE}<" in item), "")


def rendered(client, address):
    """Whether the request rendered anything: the page or a block filled into it (a
    stored page with its blocks kept costs one query, the stamps' read)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(address)
    assert response.status_code == 200, address
    return len(context.captured_queries) > 1


def test_the_latest_and_related_blocks_show_the_marker_while_the_story_is_live(
    client, stories, editor
):
    storm, others = stories
    page = others[0].path
    html = client.get(page).content.decode()  # stored with its blocks
    for name in ("latest", "related"):
        assert line(html, name), name  # listed, no marker
        assert 'class="live-marker"' not in line(html, name), name

    # Going live is a change to the story: the stored page's blocks show it at once.
    desk.open_coverage(storm, editor)
    html = client.get(page).content.decode()
    for name in ("latest", "related"):
        assert 'class="live-marker"' in line(html, name), name
    first = post(storm, editor, "Power cut in the harbour.")
    html = client.get(page).content.decode()
    for name in ("latest", "related"):
        assert 'class="live-marker"' in line(html, name), name
        # A time of its own there would go stale on every story page with each update.
        assert 'class="live-last"' not in line(html, name), name
        assert first.published_at.isoformat(timespec="seconds") not in line(html, name), name

    # Closing is too: the marker leaves the blocks of the pages already stored.
    desk.close_coverage(storm, editor)
    html = client.get(page).content.decode()
    for name in ("latest", "related"):
        assert line(html, name), name
        assert 'class="live-marker"' not in line(html, name), name


def test_an_update_re_renders_no_other_story_page_nor_its_blocks(client, stories, editor):
    storm, others = stories
    desk.open_coverage(storm, editor)
    post(storm, editor, "Power cut in the harbour.")
    addresses = [story.path for story in others]
    for address in addresses:
        rendered(client, address)  # stored, blocks built
    assert not any(rendered(client, address) for address in addresses)

    for text in ("Power back.", "Roads reopen.", "Schools open tomorrow."):
        post(storm, editor, text)
        renders = {address: rendered(client, address) for address in [storm.path, *addresses]}
        # The story's own page shows the update; the others, whose blocks list the story
        # with its marker, are served as stored, their blocks from the kept fragments.
        assert renders == {storm.path: True, **dict.fromkeys(addresses, False)}
        html = client.get(addresses[0]).content.decode()
        assert 'class="live-marker"' in line(html, "latest")
        assert 'class="live-marker"' in line(html, "related")


def test_with_esi_the_edges_latest_fragment_shows_the_marker_and_an_update_keeps_it(
    client, stories, editor, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    """The edge fills the Latest hole from the fragment (``EDGE_ESI``): going live and
    closing purge it (``site``), an update does not (its time is not in it)."""
    from .test_edge_purge import EdgeStub

    storm, _ = stories
    settings.EDGE_ESI = True
    fragment = reverse("latest-fragment", kwargs={"exclude_id": 0})

    def marked():
        response = client.get(fragment)
        assert "site" in response["xkey"].split()
        item = next(i for i in response.content.decode().split("<li>") if f">{HEADLINE}<" in i)
        return 'class="live-marker"' in item

    with EdgeStub() as stub:
        settings.EDGE_PURGE_BACKEND = "varnish"  # pages carry the keys Varnish reads
        settings.EDGE_PURGE_URLS = [stub.url]
        settings.EDGE_PURGE_RETRY_SECONDS = 0
        assert not marked()
        with django_capture_on_commit_callbacks(execute=True):
            desk.open_coverage(storm, editor)
        assert "site" in set.union(*stub.xkeys())
        assert marked()

        stub.calls.clear()
        with django_capture_on_commit_callbacks(execute=True):
            post(storm, editor, "Power cut in the harbour.")
        assert not {"site", "latest", "all"} & set.union(*stub.xkeys())
        assert not rendered(client, fragment)  # the origin's copy is kept too
        assert marked()

        stub.calls.clear()
        with django_capture_on_commit_callbacks(execute=True):
            desk.close_coverage(storm, editor)
        assert "site" in set.union(*stub.xkeys())
        assert not marked()
