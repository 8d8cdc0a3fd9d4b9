"""A fresh install fills itself with demo content and an editor account with a random password.

The install is loaded once for the module (``rows_for_the_module``): each test starts
from the database and the output a first ``load_demo --no-photos`` left, as it did when
each loaded it itself (four full loads before, ~2.5 s each). The demo's photos, drawn
on an empty database, are tests/test_demo_photos.py's."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from taggit.models import Tag

from articles.demo import data as demo_data
from articles.models import Article, Author, Section

from .conftest import rows_for_the_module

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def load_demo(*options):
    out = StringIO()
    call_command("load_demo", "--no-photos", *options, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def installed(request, django_db_setup, django_db_blocker):
    """What the first ``load_demo`` printed, on an empty database; its rows stay for the
    module."""
    yield from rows_for_the_module(request, django_db_blocker, load_demo)


@pytest.fixture
def first_run(installed, db):
    return installed


def test_demo_fills_every_page_kind(client, first_run):
    output = first_run
    live = Article.objects.live()
    assert live.count() >= 30
    assert Section.objects.filter(articles__isnull=False).distinct().count() >= 4
    assert Tag.objects.count() >= 15 and Author.objects.count() >= 3
    assert live.filter(featured=True).exists()
    assert "Created" in output
    html = client.get("/").content.decode()
    assert html.count('<article class="story-item') >= 15
    for section in Section.objects.all():
        assert client.get(section.get_absolute_url()).status_code == 200
    story = live.first()
    assert client.get(story.path).status_code == 200


def test_demo_content_is_our_own_not_the_samples(seeds_dir, first_run):
    sample = next(seeds_dir.glob("*.txt")).read_text(encoding="utf-8")
    sample_sentences = {s.strip() for s in re.split(r"[.!?]\s", sample) if len(s.strip()) > 40}
    demo_text = " ".join(" ".join(story["paragraphs"]) for story in demo_data.STORIES)
    assert not [s for s in sample_sentences if s in demo_text]


def test_editor_account_gets_a_random_password_printed_once(first_run):
    first = first_run
    password = re.search(r"Password: (\S+)", first).group(1)
    assert len(password) >= 12
    user = authenticate(
        RequestFactory().post("/admin/login/"), username="editor", password=password
    )
    assert user is not None and user.is_staff and not user.is_superuser
    assert user.has_perm("articles.change_article")
    second = load_demo()
    assert "Password:" not in second and password not in second
    assert "changepassword editor" in second


def test_two_installs_get_different_passwords(first_run):
    first = re.search(r"Password: (\S+)", first_run).group(1)
    get_user_model().objects.all().delete()
    second = re.search(r"Password: (\S+)", load_demo()).group(1)
    assert first != second


def test_running_again_keeps_existing_data(first_run):
    story = Article.objects.first()
    story.headline = "Edited by an editor"
    story.save()
    count = Article.objects.count()
    assert "left as it is" in load_demo()
    assert Article.objects.count() == count
    assert Article.objects.filter(headline="Edited by an editor").exists()


def test_demo_headlines_exercise_escaping(first_run):
    headlines = " ".join(story["headline"] for story in demo_data.STORIES)
    assert "&" in headlines and "’" in headlines
