"""Renaming or merging a tag re-indexes its stories for search in a background task: the
editor's request commits the change and returns; the stories are found under the new
name once the task ran (inline with the ``immediate_tasks`` fixture, by ``db_worker`` on
the default database queue)."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.reader import search

from .factories import make_staff, make_story

CHANGELIST = "admin:taggit_tag_changelist"


def found(query):
    return {row["headline"] for row in search.search(query, timezone.now(), 50)}


def merge(client, names, keep):
    selected = list(Tag.objects.filter(name__in=names).values_list("pk", flat=True))
    return client.post(
        reverse(CHANGELIST),
        {
            "action": "merge",
            "_selected_action": selected,
            "apply": "1",
            "target": Tag.objects.get(name=keep).pk,
        },
    )


def rename(client, name, new):
    tag = Tag.objects.get(name=name)
    return client.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]), {"name": new, "slug": new}
    )


def run_default_queue():
    call_command(
        "db_worker", "--batch", "--queue-name", "default", "--no-startup-delay", verbosity=0
    )


@pytest.fixture
def database_queue(settings):
    """The default deployment's queue: tasks wait in the database for ``db_worker``."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }


@pytest.mark.django_db
def test_a_merge_and_a_rename_still_reach_search(
    client, immediate_tasks, django_capture_on_commit_callbacks
):
    client.force_login(make_staff("ed", "Editor"))
    make_story("Ferry timetable", tags=["waterfront"])
    make_story("Dock strike", tags=["quayside", "waterfront"])
    with django_capture_on_commit_callbacks(execute=True):
        assert merge(client, ["waterfront", "quayside"], "quayside").status_code == 302
    assert found("quayside") == {"Ferry timetable", "Dock strike"}
    assert found("waterfront") == set()

    with django_capture_on_commit_callbacks(execute=True):
        assert rename(client, "quayside", "harbourside").status_code == 302
    assert found("harbourside") == {"Ferry timetable", "Dock strike"}
    assert found("quayside") == set()


@pytest.mark.django_db(transaction=True)  # db_worker closes its connections
def test_the_merge_request_queues_the_reindexing_and_returns(client, database_queue):
    from django_tasks_db.models import DBTaskResult

    client.force_login(make_staff("ed", "Editor"))
    for n in range(30):
        make_story(f"Pier story {n}", tags=["harbor"])
    make_story("Already right", tags=["harbour"])
    run_default_queue()  # anything the setup queued
    DBTaskResult.objects.all().delete()

    assert merge(client, ["harbor", "harbour"], "harbour").status_code == 302
    # The tags changed at once; the search entries wait for the worker.
    assert list(Tag.objects.values_list("name", flat=True)) == ["harbour"]
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path.endswith("search.tasks.reindex_stories")
    assert queued.queue_name == "default" and queued.status == "READY"
    assert len(queued.args_kwargs["args"][0]) == 30  # the moved stories, by id
    assert found("harbour") == {"Already right"}

    run_default_queue()
    assert len(found("harbour")) == 31 and found("harbor") == set()
    # Run again (a retry): the same index.
    DBTaskResult.objects.update(status="READY")
    run_default_queue()
    assert len(found("harbour")) == 31


@pytest.mark.django_db(transaction=True)
def test_a_rename_request_queues_the_reindexing_and_returns(client, database_queue):
    from django_tasks_db.models import DBTaskResult

    client.force_login(make_staff("ed", "Editor"))
    for n in range(5):
        make_story(f"Crossing story {n}", tags=["boats"])
    run_default_queue()
    DBTaskResult.objects.all().delete()

    assert rename(client, "boats", "vessels").status_code == 302
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert found("vessels") == set() and len(found("boats")) == 5
    run_default_queue()
    assert len(found("vessels")) == 5 and found("boats") == set()
