"""Pieces of reader HTML remembered per process (newsroom/jinja2.py): rendered once,
yet never shown after the story, the language or the template changed."""

import pytest
from django.template import engines
from django.utils import translation

from articles.reader import addresses
from newsroom import jinja2 as reader_jinja
from newsroom.memo import Bounded

from .factories import make_section, make_story


def environment():
    return engines["reader"].env


def item_macro(counter=None):
    source = (
        "{% macro item(story) %}{{ count() }}<h2>{{ story.headline }}</h2>{{ _('Yes') }}"
        "{% endmacro %}"
    )
    template = environment().from_string(
        source, globals={"count": lambda: counter.append(1) or "" if counter is not None else ""}
    )
    return template.module.item


def test_the_same_story_is_rendered_once():
    calls = []
    item = item_macro(calls)
    story = {"headline": "Ferries run late", "authors": [{"name": "Ana", "url": "/a/"}]}
    first = reader_jinja.remember(item, story)
    again = reader_jinja.remember(item, dict(story))
    assert first == again and "Ferries run late" in first
    assert len(calls) == 1


def test_a_changed_story_is_rendered_afresh():
    item = item_macro()
    reader_jinja.remember(item, {"headline": "Ferries run late"})
    html = reader_jinja.remember(item, {"headline": "Ferries back on time"})
    assert "Ferries back on time" in html and "late" not in html


def test_the_language_is_part_of_what_is_remembered():
    item = item_macro()
    story = {"headline": "Ferries run late"}
    assert "Yes" in reader_jinja.remember(item, story)
    with translation.override("de"):
        assert "Ja" in reader_jinja.remember(item, story)
        assert "Ja" in environment().from_string("{{ _('Yes') }}").render()
    assert "Yes" in reader_jinja.remember(item, story)
    assert environment().from_string("{{ _('Yes') }}").render() == "Yes"


def test_what_is_remembered_is_bounded(monkeypatch):
    monkeypatch.setattr(reader_jinja, "_remembered", Bounded(3))
    item = item_macro()
    for number in range(10):
        reader_jinja.remember(item, {"headline": f"Story {number}"})
    assert len(reader_jinja._remembered) <= 3


def test_objects_that_do_not_show_their_values_are_never_confused():
    class Opaque:
        def __init__(self, headline):
            self.headline = headline

    item = item_macro()
    assert "Ferries" in reader_jinja.remember(item, Opaque("Ferries"))
    assert "Buses" in reader_jinja.remember(item, Opaque("Buses"))


@pytest.mark.django_db
def test_a_section_page_shows_an_edited_headline_at_once(client, no_page_cache):
    section = make_section("City")
    story = make_story("Ferries run late", section=section)
    page = addresses.section(section.slug)
    assert "Ferries run late" in client.get(page).content.decode()
    story.headline = "Ferries back on time"
    story.save()
    html = client.get(page).content.decode()
    assert "Ferries back on time" in html and "Ferries run late" not in html


def test_no_reader_template_prints_a_column_left_out_of_the_key():
    """remember() leaves the raw columns presenters turn into printed values out of a
    row's key: a template printing one could show a row's old HTML after it changed."""
    from pathlib import Path

    from django.conf import settings

    for path in Path(settings.BASE_DIR, "templates", "reader").rglob("*.html"):
        text = path.read_text()
        for column in reader_jinja.UNPRINTED:
            assert f".{column}" not in text and f"['{column}']" not in text, (path, column)


@pytest.mark.django_db
def test_a_story_moved_to_another_day_shows_its_new_date_at_once(client, no_page_cache):
    from datetime import timedelta

    section = make_section("City")
    story = make_story("Ferries run late", section=section)
    page = addresses.section(section.slug)
    before = client.get(page).content.decode()
    story.published_at -= timedelta(days=400)
    story.save()
    after = client.get(page).content.decode()
    earlier = str(story.published_at.year)
    assert f'datetime="{earlier}' in after and f'datetime="{earlier}' not in before


def test_an_imported_macro_sees_the_globals_its_page_has_and_no_other():
    """Template._get_default_module: Jinja2's decision, made with sets."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.DictLoader({"m.html": "{% macro show() %}[{{ extra }}]{% endmacro %}"}),
        autoescape=True,
    )
    env.template_class = reader_jinja.Template
    page = '{% from "m.html" import show %}{{ show() }}'
    assert env.from_string(page).render() == "[]"
    assert env.from_string(page, globals={"extra": "X"}).render() == "[X]"
    assert env.from_string(page).render() == "[]"
