"""Breaking-news alerts sent from the story's own page: only editors see the button and
may send, only live stories get one, a confirmation page shows the email and how many
readers it reaches, and a story gets one alert however often it is confirmed. Mail
goes through a real SMTP server (aiosmtpd on loopback, ``mailbox``)."""

import html

import pytest
from django.contrib.admin.models import LogEntry
from django.db import IntegrityError, transaction
from django.utils import timezone

from newsletters.models import Send

from .factories import make_draft, make_scheduled, make_staff, make_story
from .test_newsletters import mailbox as smtp_mailbox  # noqa: F401 (a fixture)
from .test_newsletters import subscriber

pytestmark = pytest.mark.django_db

TOOL = "Send breaking-news alert"


def change_form(story):
    return f"/admin/articles/article/{story.pk}/change/"


def alert_page(story):
    return f"/admin/newsletters/send/alert/story/{story.pk}/"


@pytest.fixture
def mailbox(smtp_mailbox):  # noqa: F811 (the fixture imported above)
    """test_newsletters' SMTP server (aiosmtpd on loopback), tasks run inline."""
    return smtp_mailbox


@pytest.fixture
def readers():
    """Two readers who asked for alerts, one who did not, one paused."""
    subscriber("first@example.com", daily_briefing=False, breaking_alerts=True)
    subscriber("second@example.com", daily_briefing=False, breaking_alerts=True)
    subscriber("briefing-only@example.com")
    subscriber("paused@example.com", breaking_alerts=True, paused=True)


def test_an_editor_sends_an_alert_from_the_story_page(
    client, mailbox, readers, django_capture_on_commit_callbacks
):
    story = make_story("Earthquake hits the coast")
    editor = make_staff("ed", "Editor", first_name="Edna", last_name="Desk")
    client.force_login(editor)

    form = client.get(change_form(story)).content.decode()
    assert f'href="{alert_page(story)}"' in form and TOOL in form

    page = client.get(alert_page(story))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Earthquake hits the coast" in text
    assert '<strong class="nr-alert-recipients">2</strong> confirmed subscribers' in text
    # The email itself, as text and as HTML (in a sandboxed frame: nothing in it runs).
    assert "Earthquake hits the coast" in page.context["text"]
    assert 'sandbox="" srcdoc="' in text
    assert html.escape(page.context["html"]) in text
    assert "<script" not in page.context["html"]
    assert not Send.objects.exists() and mailbox.messages == []  # looking sends nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(alert_page(story), {"subject": "Breaking: earthquake"})
    assert response.status_code == 302
    send = Send.objects.get()
    assert (send.kind, send.story, send.sent_by) == ("alert", story, editor)
    assert LogEntry.objects.filter(object_id=str(send.pk), user=editor).exists()
    assert sorted(r for rcpts, _ in mailbox.messages for r in rcpts) == [
        "first@example.com",
        "second@example.com",
    ]
    message = mailbox.to("first@example.com")[0]
    assert message["Subject"] == "Breaking: earthquake"
    assert "Earthquake hits the coast" in mailbox.text(message)

    # The story's page now says it had its alert, and when.
    form = client.get(change_form(story)).content.decode()
    assert TOOL not in form and "Alert sent" in form


def test_a_writer_gets_no_button_and_no_way_to_send(client, mailbox, readers):
    writer = make_staff("wr", "Writer")
    story = make_story("Council votes on budget", created_by=writer)
    client.force_login(writer)
    form = client.get(change_form(story))
    assert form.status_code == 200 and TOOL not in form.content.decode()
    assert client.get(alert_page(story)).status_code == 403
    assert client.post(alert_page(story), {"subject": "x"}).status_code == 403
    assert client.post("/admin/newsletters/send/alert/", {"story": story.pk}).status_code == 403
    assert not Send.objects.exists() and mailbox.messages == []


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (make_draft, "This story is not published (it is draft)"),
        (make_scheduled, "This story is scheduled for"),
    ],
)
def test_a_story_readers_cannot_open_gets_no_alert(
    client, mailbox, readers, django_capture_on_commit_callbacks, make, says
):
    story = make("Embargoed results")
    client.force_login(make_staff("ed", "Editor"))
    assert TOOL not in client.get(change_form(story)).content.decode()
    page = client.get(alert_page(story))
    assert page.status_code == 200 and says in page.content.decode()
    assert b"Yes, send the alert" not in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(alert_page(story), {"subject": "Embargoed results"})
    assert response.status_code == 409 and says in response.content.decode()
    assert not Send.objects.exists() and mailbox.messages == []
    from newsletters import alerts

    with pytest.raises(alerts.AlertRefused):
        alerts.send_alert(story, None)


def test_a_second_confirm_sends_nothing_more_and_says_when_the_first_went(
    client, mailbox, readers, django_capture_on_commit_callbacks
):
    story = make_story("Flood warning for the valley")
    client.force_login(make_staff("ed", "Editor"))
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(alert_page(story), {"subject": "Flood warning"})
    assert first.status_code == 302
    sent = Send.objects.get()

    # A second editor (or a reload of the confirmation) confirms again.
    client.force_login(make_staff("ed2", "Editor"))
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(alert_page(story), {"subject": "Flood warning"})
    assert again.status_code == 409
    text = again.content.decode()
    assert "already sent on" in text and "by ed" in text
    assert timezone.localtime(sent.created_at).strftime("%-d %B %Y, %H:%M") in text
    assert Send.objects.count() == 1
    assert len(mailbox.to("first@example.com")) == 1
    assert b"Yes, send the alert" not in client.get(alert_page(story)).content

    # Picked from the sends' list instead: the same confirmation page, the same answer.
    response = client.post("/admin/newsletters/send/alert/", {"story": story.pk})
    assert response.status_code == 302 and response["Location"] == alert_page(story)
    assert b"already sent on" in client.get(alert_page(story)).content


def test_the_database_holds_one_alert_per_story_even_when_confirms_race(mailbox):
    from newsletters import alerts

    story = make_story("Bridge closed")
    Send.objects.create(kind=Send.Kind.ALERT, story=story, subject="Bridge closed")
    with pytest.raises(IntegrityError), transaction.atomic():
        Send.objects.create(kind=Send.Kind.ALERT, story=story, subject="Bridge closed again")
    send, created = alerts.send_alert(story, None)
    assert not created and Send.objects.count() == 1
    # Other kinds of send about the story are not limited.
    Send.objects.create(kind=Send.Kind.DIGEST, story=story, subject="Digest")
    Send.objects.create(kind=Send.Kind.DIGEST, story=story, subject="Digest")
