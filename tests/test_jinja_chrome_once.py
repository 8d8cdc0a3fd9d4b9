"""The page chrome's key (``newsroom.jinja2.chrome``) is read once per render: the
head's links, the masthead and the footer's links each ask for it, and each read goes
through the settings and the script prefix's context-local."""

import sys

import pytest
from django.test import override_settings

from .factories import make_section, make_story

pytestmark = pytest.mark.django_db


def prefix_reads_by_chrome(client, url):
    reads = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_name == "get_script_prefix":
            caller = frame.f_back.f_code
            if caller.co_name == "chrome" and caller.co_filename.endswith("newsroom/jinja2.py"):
                reads.append(caller.co_name)

    sys.setprofile(profile)
    try:
        response = client.get(url)
    finally:
        sys.setprofile(None)
    assert response.status_code == 200
    return len(reads), response.content.decode()


def test_a_page_reads_the_chromes_settings_once_and_follows_a_change(client, no_page_cache):
    story = make_story("Bridge reopens", section=make_section("City", slug="city"))
    reads, html = prefix_reads_by_chrome(client, story.path)
    assert reads == 1  # three parts printed, one read
    assert html.count('class="site-footer"') == 1
    with override_settings(SITE_NAME="The Harbour Post"):
        reads, html = prefix_reads_by_chrome(client, "/")
    assert reads == 1
    assert "The Harbour Post" in html
