"""``row.name`` in a reader template reads a plain dict's key at once
(``newsroom.jinja2.ReaderEnvironment``), with Jinja2's answers kept: a dict's own
methods, a missing key undefined, objects as before."""

import sys

from django.template import engines


def render(source, **context):
    return engines["reader"].env.from_string(source).render(**context)


def test_a_dict_key_is_read_without_raising_and_printed_escaped():
    raised = []

    def trace(frame, event, arg):
        code = frame.f_code
        if event == "exception" and code.co_filename.endswith("jinja2/environment.py"):
            raised.append((code.co_name, arg[0].__name__))
        return trace

    story = {"headline": "Bridge <reopens>", "image": {"caption": "At dawn & dusk"}}
    template = engines["reader"].env.from_string("{{ story.headline }}|{{ story.image.caption }}")
    sys.settrace(trace)
    try:
        html = template.render(story=story)
    finally:
        sys.settrace(None)
    assert html == "Bridge &lt;reopens&gt;|At dawn &amp; dusk"
    assert raised == []  # Jinja2 alone raised and caught an AttributeError per lookup


def test_a_dicts_own_methods_and_missing_keys_behave_as_jinja2_decides():
    row = {"items": "a key", "name": "Harbour"}
    assert render("{{ row.items() | list | length }}", row=row) == "2"  # the method
    assert render("{{ row['items'] }}", row=row) == "a key"
    assert render("{{ row.missing is defined }}", row=row) == "False"
    assert render("{{ row.missing | default('none') }}", row=row) == "none"


def test_objects_are_read_as_before():
    class Section:
        name = "City"

    assert render("{{ section.name }}", section=Section()) == "City"
    assert render("{{ names.upper() }}", names="ab") == "AB"
