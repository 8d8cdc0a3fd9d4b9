"""The page chrome rendered once per process (templates/reader/includes/chrome.html
through ``chrome()``, newsroom/jinja2.py) and the one-call ``_()``: every page shows
what the settings, the language and the content say at once, and nothing private."""

from pathlib import Path

import pytest
from django.template import engines
from django.test import override_settings
from django.utils import translation
from jinja2 import meta

from .factories import make_section, make_story

pytestmark = pytest.mark.django_db

CHROME = Path(__file__).resolve().parents[1] / "templates" / "reader" / "includes" / "chrome.html"


def render(source, **context):
    return engines["reader"].env.from_string(source).render(**context)


def test_the_chrome_prints_only_settings_and_interface_text():
    """Nothing from the database, the request or the page may reach a part kept per
    process: the template names only the environment's globals."""
    env = engines["reader"].env
    names = meta.find_undeclared_variables(env.parse(CHROME.read_text()))
    assert names <= {"static", "url", "_", "site_name"}, names


def test_every_reader_page_has_the_masthead_head_links_and_footer(client, no_page_cache):
    story = make_story("Harbour reopens")
    for path in ["/", story.path, "/archive/", "/search/?q=harbour"]:
        html = client.get(path).content.decode()
        assert '<link rel="stylesheet" href="/static/newsroom.css">' in html, path
        assert '<a class="skip-link" href="#main">Skip to the stories</a>' in html, path
        assert '<form class="masthead-search" role="search" action="/search/"' in html, path
        assert '· <a href="/corrections/">Corrections</a></p>' in html, path


def test_a_changed_static_address_shows_on_the_next_page(client, no_page_cache):
    story = make_story("Harbour reopens")
    assert 'href="/static/newsroom.css"' in client.get(story.path).content.decode()
    with override_settings(STATIC_URL="/assets/"):
        html = client.get(story.path).content.decode()
        assert 'href="/assets/newsroom.css"' in html
        assert 'href="/assets/icons/favicon.svg"' in html
    assert 'href="/static/newsroom.css"' in client.get(story.path).content.decode()


def test_the_chrome_follows_the_language(client, no_page_cache):
    story = make_story("Harbour reopens")
    assert '<button type="submit">Search</button>' in client.get(story.path).content.decode()
    with translation.override("de"):
        html = client.get(story.path, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<button type="submit">Suchen</button>' in html
    assert 'placeholder="Suchen"' in html
    assert '<button type="submit">Search</button>' in client.get(story.path).content.decode()


def test_a_new_section_is_in_the_masthead_at_once(client, no_page_cache):
    story = make_story("Harbour reopens")
    assert "Night Shift" not in client.get(story.path).content.decode()
    section = make_section("Night Shift")
    make_story("Night ferry", section=section)
    html = client.get(story.path).content.decode()
    assert f'<li><a href="/section/{section.slug}/">Night Shift</a></li>' in html


def test_translated_phrases_are_escaped_and_formatted_as_jinja_does():
    assert render("{{ _('Search') }}") == "Search"
    assert render("{{ _('100%% local') }}") == "100% local"
    assert (
        render("{{ _('Email me stories about %(name)s', name=n) }}", n="<b>Ports & docks</b>")
        == "Email me stories about &lt;b&gt;Ports &amp; docks&lt;/b&gt;"
    )
    with translation.override("de"):
        assert render("{{ _('Search') }}") == "Suchen"
    assert render("{{ _('Search') }}") == "Search"


def test_a_renamed_section_names_its_feeds_at_once(client, no_page_cache, settings):
    section = make_section("Harbour")
    make_story("Harbour reopens", section=section)
    path = f"/section/{section.slug}/"
    html = client.get(path).content.decode()
    assert 'title="Newsroom: Harbour (RSS)"' in html
    section.name = "Port & Harbour"
    section.save()
    html = client.get(path).content.decode()
    assert 'title="Newsroom: Port &amp; Harbour (RSS)"' in html
    assert "Newsroom: Harbour (RSS)" not in html
    settings.SITE_NAME = "The Gazette"
    html = client.get(path).content.decode()
    assert 'title="The Gazette: Port &amp; Harbour (Atom)"' in html
    assert 'title="The Gazette: latest stories (JSON Feed)"' in html
