"""The desk's inbox reaches people by email too: once per item, after the save commits."""

import pytest
from django.core import mail

from articles.editorial import deskmail, workflow
from articles.models import Article, InboxItem

from .factories import make_draft, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(settings, immediate_tasks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://news.example"
    writer = make_staff("wanda", "Writer", email="wanda@news.example")
    editors = [
        make_staff("eddie", "Editor", email="eddie@news.example"),
        make_staff("erin", "Editor", email="erin@news.example"),
        make_staff("quiet", "Editor"),  # no address: the inbox alone
    ]
    story = make_draft("Council votes on the harbour plan", created_by=writer)
    return writer, editors, story


def test_submitting_for_review_mails_each_editor_once_with_a_link(
    desk, django_capture_on_commit_callbacks
):
    writer, editors, story = desk
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(story, Article.Status.REVIEW, writer)
    assert sorted(m.to[0] for m in mail.outbox) == ["eddie@news.example", "erin@news.example"]
    message = mail.outbox[0]
    assert message.subject == "Submitted for review: Council votes on the harbour plan"
    assert f"https://news.example/admin/articles/article/{story.pk}/change/" in message.body
    assert "wanda submitted" in message.body.lower()
    assert not InboxItem.objects.filter(emailed_at__isnull=True, recipient__email__gt="").exists()


def test_requested_changes_reach_the_writer_with_the_reason(
    desk, django_capture_on_commit_callbacks
):
    writer, editors, story = desk
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(story, Article.Status.REVIEW, writer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(story, editors[0], "Name the second source.")
    assert [m.to for m in mail.outbox] == [["wanda@news.example"]]
    assert "Name the second source." in mail.outbox[0].body


def test_nothing_is_mailed_before_the_save_commits_nor_if_it_rolls_back(desk):
    writer, editors, story = desk
    # Without the commit callbacks run (a transaction still open, or rolled back),
    # the inbox items exist in the transaction but no one is mailed.
    workflow.transition(story, Article.Status.REVIEW, writer)
    assert InboxItem.objects.filter(article=story).count() == 3
    assert mail.outbox == []


def test_a_task_run_twice_mails_each_item_once(desk, django_capture_on_commit_callbacks):
    writer, editors, story = desk
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(story, Article.Status.REVIEW, writer)
    ids = list(InboxItem.objects.values_list("pk", flat=True))
    deskmail.send_inbox_mail.call(ids)  # a retry, or the same task queued twice
    assert len(mail.outbox) == 2


def test_a_failed_send_is_released_and_sent_by_the_retry(
    desk, settings, django_capture_on_commit_callbacks
):
    writer, editors, story = desk
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(story, Article.Status.REVIEW, writer)  # the task fails
    assert not InboxItem.objects.filter(emailed_at__isnull=False).exists()  # released
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deskmail.send_inbox_mail.call(list(InboxItem.objects.values_list("pk", flat=True)))
    assert len(mail.outbox) == 2


def test_desk_email_off_leaves_the_inbox_alone(desk, settings, django_capture_on_commit_callbacks):
    writer, editors, story = desk
    settings.DESK_EMAIL = False
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(story, Article.Status.REVIEW, writer)
    assert InboxItem.objects.filter(article=story).count() == 3
    assert mail.outbox == []
