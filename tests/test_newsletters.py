"""Newsletters and alerts, sent through a real SMTP server (aiosmtpd on loopback) and
read back as they arrived: sign-up with double opt-in, signed links, one-click
unsubscribe, rate limits, the briefing's content and order, retries and refusals,
bounces, and that nothing but live stories ever reaches an email."""

import email
import email.policy
import io
import json
import re
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Pin
from newsletters import content, sending
from newsletters.models import Briefing, BriefingItem, Delivery, Send, Signup, Subscriber

from .factories import make_author, make_draft, make_scheduled, make_section, make_staff, make_story
from .servers import free_port

pytestmark = pytest.mark.django_db


class Mailbox:
    """What the SMTP server received, and how it should answer: ``refuse`` maps an
    address to the answers (e.g. "451 …", "550 …") it gives before accepting."""

    def __init__(self):
        self.messages = []
        self.refuse = {}
        self.data_answers = []  # answers to the email's data before it is accepted
        self.delay = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            answers = self.refuse.get(address.lower())
            if answers:
                answer = answers.pop(0) if len(answers) > 1 or answers[0][0] == "4" else answers[0]
                return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.data_answers:
                return self.data_answers.pop(0)
        if self.delay:
            time.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [message for rcpts, message in self.messages if address in rcpts]

    def text(self, message):
        return message.get_body(("plain",)).get_content()

    def html(self, message):
        return message.get_body(("html",)).get_content()

    def link(self, message, kind):
        return re.search(rf"http://testserver(/newsletters/{kind}/[^/\s\"]+/)", self.text(message))[
            1
        ]


@pytest.fixture
def mailbox(settings, immediate_tasks):
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_TIMEOUT = 10
    settings.SITE_URL = "http://testserver"
    settings.NEWSLETTER_RATE_PER_SECOND = 0
    settings.NEWSLETTER_RETRY_SECONDS = 0
    cache.clear()
    yield box
    controller.stop()


def sign_up(client, address, *topics, **extra):
    return client.post(
        "/newsletters/subscribe/", {"email": address, "topic": list(topics), **extra}
    )


def subscriber(address, **fields):
    fields.setdefault("daily_briefing", True)
    return Subscriber.objects.create(email=address, confirmed_at=timezone.now(), **fields)


def briefing_of(*stories, days_ago=0):
    briefing = Briefing.objects.create(date=timezone.localdate() - timedelta(days=days_ago))
    for position, story in enumerate(stories):
        BriefingItem.objects.create(briefing=briefing, article=story, position=position)
    return briefing


def send_now(kind=Send.Kind.BRIEFING, **fields):
    send = Send.objects.create(kind=kind, subject=fields.pop("subject", "Today"), **fields)
    sending.deliver(send.pk)
    send.refresh_from_db()
    return send


# --- Signing up -------------------------------------------------------------------


def test_double_opt_in_stores_nothing_until_the_link_in_the_email_is_clicked(client, mailbox):
    section = make_section("Climate", slug="climate")
    response = sign_up(client, " Reader@Example.com ", "briefing", "section:climate")
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    assert not Subscriber.objects.exists()

    (message,) = mailbox.to("reader@example.com")
    assert "the daily briefing" in mailbox.text(message)
    link = mailbox.link(message, "confirm")
    assert "reader" not in link.lower()  # links end up in logs: no address in them
    # Opening the link (as a mail scanner would) only shows the button.
    assert b"Yes, send me these emails" in client.get(link).content
    assert not Subscriber.objects.exists()

    response = client.post(link)
    assert response.status_code == 302
    reader = Subscriber.objects.get()
    assert reader.email == "reader@example.com"
    assert reader.daily_briefing and not reader.breaking_alerts
    assert list(reader.sections.all()) == [section]
    page = client.get(response["Location"])
    assert b"your address is confirmed" in page.content


def test_a_confirmation_link_works_once_and_not_tampered_or_expired(client, mailbox):
    sign_up(client, "reader@example.com", "alerts")
    link = mailbox.link(mailbox.to("reader@example.com")[0], "confirm")

    tampered = link[:-6] + ("A" if link[-6] != "A" else "B") + link[-5:]
    for response in (client.get(tampered), client.post(tampered)):
        assert response.status_code == 400
        assert b"not valid" in response.content
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        response = client.post(link)
        assert response.status_code == 400
        assert b"expired" in response.content
    assert not Subscriber.objects.exists()

    assert client.post(link).status_code == 302
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 400
        assert b"already been used" in response.content
    assert not Signup.objects.exists()


def test_unclicked_sign_ups_are_deleted_once_their_link_expires(client, mailbox):
    sign_up(client, "first@example.com", "alerts")
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        sign_up(client, "second@example.com", "alerts")
    assert list(Signup.objects.values_list("email", flat=True)) == ["second@example.com"]


def test_signing_up_again_adds_topics_only_after_another_click(client, mailbox):
    subscriber("reader@example.com", daily_briefing=False, breaking_alerts=True)
    sign_up(client, "reader@example.com", "briefing")
    assert not Subscriber.objects.get().daily_briefing
    client.post(mailbox.link(mailbox.to("reader@example.com")[0], "confirm"))
    reader = Subscriber.objects.get()
    assert reader.daily_briefing and reader.breaking_alerts


def test_the_honeypot_answers_as_usual_and_sends_nothing(client, mailbox):
    response = sign_up(client, "victim@example.com", "briefing", website="http://spam")
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    assert mailbox.messages == []


def test_sign_ups_are_limited_per_address_and_per_client(client, mailbox, settings):
    settings.NEWSLETTER_SIGNUPS_PER_ADDRESS = 2
    settings.NEWSLETTER_SIGNUPS_PER_IP = 4
    assert [sign_up(client, "a@example.com", "alerts").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert len(mailbox.to("a@example.com")) == 2
    assert sign_up(client, "b@example.com", "alerts").status_code == 200
    response = sign_up(client, "c@example.com", "alerts")
    assert response.status_code == 429
    assert b"too many sign-ups from your connection" in response.content
    assert mailbox.to("c@example.com") == []
    # Another client is not held up by this one.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_up(other, "d@example.com", "alerts").status_code == 200


def test_bad_sign_ups_get_a_clear_answer_and_no_address_in_it(client, mailbox):
    response = sign_up(client, "not-an-address", "briefing")
    assert response.status_code == 400
    assert b"Enter an email address" in response.content
    assert b"not-an-address" not in response.content
    assert sign_up(client, "a@example.com").status_code == 400  # nothing chosen
    # A tag no live story has cannot be followed (nor learned of).
    make_draft("Secret", tags=["merger-talks"])
    assert sign_up(client, "a@example.com", "tag:merger-talks").status_code == 400
    response = client.post(
        "/newsletters/subscribe/",
        {"email": "a@example.com", "topic": "alerts"},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert mailbox.messages == []


def test_the_form_costs_no_query_and_cached_pages_carry_no_token(client):
    section = make_section("Climate", slug="climate")
    story = make_story("Heat record", section=section)
    macro = engines["reader"].from_string(
        '{% from "includes/newsletter_signup.html" import signup %}{{ signup("section:x", "X") }}'
    )
    with CaptureQueriesContext(connection) as queries:
        html = macro.render({})
    assert len(queries) == 0
    assert 'action="/newsletters/subscribe/"' in html
    for url, topic in (
        ("/", None),
        ("/section/climate/", "section:climate"),
        (story.path, "section:climate"),
    ):
        client.get(url)
        cached = client.get(url)
        assert b'action="/newsletters/subscribe/"' in cached.content, url
        assert b"csrfmiddlewaretoken" not in cached.content
        assert "Set-Cookie" not in cached
        if topic:
            assert f'value="{topic}" checked'.encode() in cached.content


# --- Preferences and unsubscribing ----------------------------------------------------


def test_one_click_unsubscribe_headers_and_post(client, mailbox):
    reader = subscriber("reader@example.com", breaking_alerts=True)
    send_now(subject="Morning", briefing=briefing_of(make_story("Budget passes")))
    (message,) = mailbox.to("reader@example.com")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(
        r"<(http://testserver/newsletters/unsubscribe/[^>]+)>", message["List-Unsubscribe"]
    )[1]
    path = url.removeprefix("http://testserver")

    mail_program = Client(enforce_csrf_checks=True)
    assert b"Stop all emails" in mail_program.get(path).content  # a GET changes nothing
    reader.refresh_from_db()
    assert reader.daily_briefing
    response = mail_program.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    reader.refresh_from_db()
    assert not reader.daily_briefing and not reader.breaking_alerts
    broken = path[:-3] + "xx/"
    assert (
        mail_program.post(
            broken, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 400
    )


def test_preferences_by_signed_link_change_export_and_delete(client, mailbox):
    section = make_section("Sport", slug="sport")
    reader = subscriber("reader@example.com")
    reader.sections.add(section)
    send_now(subject="Morning", briefing=briefing_of(make_story("Final score")))
    path = mailbox.link(mailbox.to("reader@example.com")[0], "preferences")

    page = client.get(path)
    assert b"reader@example.com" in page.content and b"Sport" in page.content
    response = client.post(path, {"action": "save", "breaking_alerts": "on", "paused": "on"})
    assert response.status_code == 200
    reader.refresh_from_db()
    assert (reader.daily_briefing, reader.breaking_alerts, reader.paused) == (False, True, True)
    assert not reader.sections.exists()

    exported = json.loads(client.post(path, {"action": "export"}).content)
    assert exported["email"] == "reader@example.com"
    assert exported["emails"][0]["subject"] == "Morning"
    assert exported["emails"][0]["state"] == "sent"

    assert b"data is deleted" in client.post(path, {"action": "delete"}).content
    assert not Subscriber.objects.exists() and not Delivery.objects.exists()
    assert client.get(path).status_code == 400
    # A preferences link is no unsubscribe link, and the other way round.
    assert client.get(path.replace("preferences", "unsubscribe")).status_code == 400


# --- What goes into an email --------------------------------------------------------


def test_the_briefing_keeps_the_editors_order_and_only_live_stories(mailbox):
    first, second, third = (make_story(f"Headline {n}", age=timedelta(hours=n)) for n in (1, 2, 3))
    draft = make_draft("Unpublished draft")
    scheduled = make_scheduled("Embargoed until noon")
    withdrawn = make_story("Withdrawn story")
    briefing = briefing_of(third, draft, first, scheduled, withdrawn, second)
    withdrawn.status = withdrawn.Status.DRAFT
    withdrawn.save()
    subscriber("reader@example.com")
    subscriber("paused@example.com", paused=True)
    subscriber("alerts-only@example.com", daily_briefing=False, breaking_alerts=True)
    send = send_now(subject="Your briefing", briefing=briefing)
    sent = Delivery.objects.get()
    assert sent.claimed_at <= sent.sent_at <= timezone.now()  # times stored as the ORM's

    assert [rcpts for rcpts, _ in mailbox.messages] == [["reader@example.com"]]
    (message,) = mailbox.messages[0][1:]
    text, html = mailbox.text(message), mailbox.html(message)
    order = [text.index(f"Headline {n}") for n in (3, 1, 2)]
    assert order == sorted(order)
    for secret in ("Unpublished draft", "Embargoed until noon", "Withdrawn story"):
        assert secret not in text and secret not in html
    assert f'href="http://testserver{first.path}"' in html
    assert "<style" not in html and 'style="' in html  # inlined for mail programs
    assert message["Subject"] == "Your briefing"
    assert send.state == Send.State.DONE and send.recipients == 1


def test_each_copys_links_are_the_signed_links_the_reader_pages_accept(client, mailbox):
    """``links.Maker`` signs a send's many links its own quicker way: the same tokens."""
    from newsletters import links

    reader = subscriber("reader@example.com", breaking_alerts=True)
    maker = links.Maker()
    with time_machine.travel(timezone.now(), tick=False):
        for n in (1, 7, 123456789, reader.pk):
            assert maker.url("preferences", n) == links.preferences_url(n)
            assert maker.url("unsubscribe", n) == links.unsubscribe_url(n)
    path = maker.url("preferences", reader.pk).removeprefix("http://testserver")
    assert client.get(path).status_code == 200


def test_links_carry_tracking_only_when_the_publication_turns_it_on(mailbox, settings):
    story = make_story("Budget passes")
    subscriber("reader@example.com")
    send_now(briefing=briefing_of(story))
    settings.NEWSLETTER_LINK_TRACKING = "utm_source=newsletter"
    send_now(briefing=briefing_of(story, days_ago=1))
    plain, tracked = (mailbox.html(message) for _, message in mailbox.messages)
    assert f'href="http://testserver{story.path}"' in plain and "utm_" not in plain
    assert f'href="http://testserver{story.path}?utm_source=newsletter"' in tracked


def test_a_new_briefing_starts_from_the_front_then_each_sections_newest():
    news, sport = make_section("News", slug="news"), make_section("Sport", slug="sport")
    pinned = make_story("Pinned story", section=news, age=timedelta(hours=5))
    newest_news = make_story("Newest news", section=news, age=timedelta(hours=1))
    make_story("Older news", section=news, age=timedelta(hours=2))
    newest_sport = make_story("Newest sport", section=sport, age=timedelta(hours=3))
    make_story("Last week's sport", section=sport, age=timedelta(days=7))
    make_draft("Draft news", section=news)
    Pin.objects.create(article=pinned, section=None, position=0)
    assert content.suggested_story_ids(timezone.now()) == [
        pinned.pk,
        newest_news.pk,
        newest_sport.pk,
    ]


def test_a_topic_digest_lists_what_each_reader_follows(mailbox):
    climate, sport = make_section("Climate", slug="climate"), make_section("Sport", slug="sport")
    writer = make_author("Ana Writer", slug="ana")
    make_story("Glacier report", section=climate)
    make_story("By Ana", section=sport, authors=[writer])
    make_story("Old climate news", section=climate, age=timedelta(days=3))
    make_scheduled("Future climate news", section=climate)
    climate_reader = subscriber("climate@example.com", daily_briefing=False)
    climate_reader.sections.add(climate)
    ana_reader = subscriber("ana@example.com", daily_briefing=False)
    ana_reader.authors.add(writer)
    bored = subscriber("bored@example.com", daily_briefing=False)
    bored.sections.add(make_section("Crosswords", slug="crosswords"))
    call_command("send_digests", stdout=io.StringIO())
    call_command("send_digests", stdout=io.StringIO())  # cron ran twice: one digest a day

    (climate_mail,) = mailbox.to("climate@example.com")
    text = mailbox.text(climate_mail)
    assert "Glacier report" in text
    assert "Old climate news" not in text and "Future climate news" not in text
    assert "By Ana" in mailbox.text(mailbox.to("ana@example.com")[0])
    assert mailbox.to("bored@example.com") == []


# --- Never twice, never lost --------------------------------------------------------


def test_a_refusing_server_is_retried_until_it_accepts(mailbox):
    subscriber("reader@example.com")
    mailbox.refuse["reader@example.com"] = ["451 Try again later", "451 Try again later"]
    send = send_now(briefing=briefing_of(make_story("Budget passes")))
    assert len(mailbox.to("reader@example.com")) == 1
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("sent", 3)
    assert send.state == Send.State.DONE


def test_an_email_refused_after_its_data_is_retried_or_failed_as_the_server_says(mailbox):
    """The server's answer to the email itself (after DATA), not only to the address:
    "not now" is tried again and sends one copy; "never" fails it and pauses the address."""
    later, never = subscriber("later@example.com"), subscriber("never@example.com")
    mailbox.data_answers = ["451 4.3.0 Try again later"]
    send_now(briefing=briefing_of(make_story("Budget passes")), subject="First")
    assert len(mailbox.to("later@example.com")) == 1
    assert len(mailbox.to("never@example.com")) == 1
    assert sorted(Delivery.objects.values_list("state", "attempts")) == [("sent", 1), ("sent", 2)]

    Delivery.objects.all().delete()
    mailbox.data_answers = ["554 5.7.1 Message refused"]
    send_now(briefing=briefing_of(make_story("Next day"), days_ago=1), subject="Second")
    copies = dict(Delivery.objects.values_list("subscriber_id", "state"))
    assert copies == {later.pk: "failed", never.pk: "sent"}
    assert "554" in Delivery.objects.get(subscriber=later).reason
    later.refresh_from_db()
    assert later.paused and not Subscriber.objects.get(pk=never.pk).paused


def test_an_unreachable_server_is_retried_and_nothing_is_lost(mailbox, settings):
    subscriber("reader@example.com")
    briefing = briefing_of(make_story("Budget passes"))
    good_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens there
    send = Send.objects.create(kind=Send.Kind.BRIEFING, subject="x", briefing=briefing)
    settings.NEWSLETTER_RETRY_SECONDS = 60
    assert sending.deliver(send.pk, wait_inline=0) == pytest.approx(60, abs=5)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("queued", 1)
    assert "Could not reach the mail server" in delivery.reason
    settings.EMAIL_PORT = good_port
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert sending.deliver(send.pk) is None
    assert len(mailbox.to("reader@example.com")) == 1
    assert Delivery.objects.get().state == "sent"


def test_a_permanent_refusal_fails_the_copy_and_pauses_the_address(mailbox):
    gone = subscriber("gone@example.com")
    subscriber("reader@example.com")
    mailbox.refuse["gone@example.com"] = ["550 No such mailbox"]
    send_now(briefing=briefing_of(make_story("Budget passes")))
    assert len(mailbox.to("reader@example.com")) == 1
    copy = Delivery.objects.get(subscriber=gone)
    assert copy.state == "failed" and "550" in copy.reason
    assert "gone@example.com" not in copy.reason
    gone.refresh_from_db()
    assert gone.paused
    send_now(briefing=briefing_of(make_story("Next day"), days_ago=1))
    assert Delivery.objects.filter(subscriber=gone).count() == 1


def test_a_bounce_reported_by_the_provider_pauses_the_address(mailbox):
    from anymail.signals import AnymailTrackingEvent, tracking

    reader = subscriber("reader@example.com")
    send_now(briefing=briefing_of(make_story("Budget passes")))
    copy = Delivery.objects.get()
    event = AnymailTrackingEvent(
        event_type="bounced", message_id=copy.message_id, recipient="reader@example.com"
    )
    tracking.send(sender=object, event=event, esp_name="Postmark")
    copy.refresh_from_db()
    reader.refresh_from_db()
    assert copy.state == "bounced"
    assert reader.paused and "bounced" in reader.paused_reason


def test_an_api_provider_chosen_by_settings_gets_the_same_copies(mailbox, settings):
    """django-anymail's backends read the message's parts, not its bytes: its test
    backend stands in for Amazon SES, Postmark and the rest."""
    from django.core import mail as django_mail

    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {}
    django_mail.outbox = []
    subscriber("reader@example.com")
    send_now(subject="Morning", briefing=briefing_of(make_story("Budget passes")))
    (message,) = django_mail.outbox
    assert message.to == ["reader@example.com"]
    assert "Budget passes" in message.body and "Budget passes" in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    copy = Delivery.objects.get()
    assert copy.state == "sent" and copy.message_id == str(message.anymail_status.message_id)
    assert mailbox.messages == []


def test_a_send_run_twice_sends_each_copy_once(mailbox):
    for n in range(5):
        subscriber(f"r{n}@example.com")
    send = send_now(briefing=briefing_of(make_story("Budget passes")))
    Send.objects.filter(pk=send.pk).update(state=Send.State.SENDING)
    sending.queue_recipients(send)  # a retried queuing task
    sending.deliver(send.pk)
    assert len(mailbox.messages) == 5
    assert Delivery.objects.filter(state="sent").count() == 5


def test_a_copy_caught_mid_send_is_not_sent_again(mailbox, settings):
    """What a killed worker leaves: one copy claimed, the rest queued."""
    settings.NEWSLETTER_SENDING_LEASE_SECONDS = 60
    for n in range(3):
        subscriber(f"r{n}@example.com")
    send = Send.objects.create(
        kind=Send.Kind.BRIEFING, subject="x", briefing=briefing_of(make_story("Budget passes"))
    )
    sending.queue_recipients(send)
    caught = Delivery.objects.order_by("id").first()
    Delivery.objects.filter(pk=caught.pk).update(
        state="sending", claimed_at=timezone.now() - timedelta(minutes=5)
    )
    sending.deliver(send.pk)
    caught.refresh_from_db()
    assert caught.state == "failed" and "not sent again" in caught.reason
    assert sorted(r[0] for r, _ in mailbox.messages) == ["r1@example.com", "r2@example.com"]
    send.refresh_from_db()
    assert send.state == Send.State.DONE


def test_sending_keeps_to_the_rate_per_second(mailbox, settings):
    settings.NEWSLETTER_RATE_PER_SECOND = 20
    for n in range(6):
        subscriber(f"r{n}@example.com")
    started = time.monotonic()
    send_now(briefing=briefing_of(make_story("Budget passes")))
    assert len(mailbox.messages) == 6
    assert time.monotonic() - started >= 5 / 20  # a floor, never a ceiling


# --- Editors and writers --------------------------------------------------------------


def test_a_briefing_goes_out_at_its_scheduled_time(
    client, mailbox, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["mail"]}}
    at = timezone.now() + timedelta(hours=2)
    briefing = briefing_of(make_story("Budget passes"))
    Briefing.objects.filter(pk=briefing.pk).update(send_at=at)
    client.force_login(make_staff("ed", "Editor"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/newsletters/briefing/{briefing.pk}/send/")
    send = Send.objects.get()
    task = DBTaskResult.objects.get()  # a worker takes it at its time
    assert task.run_after == at == send.send_at and task.queue_name == "mail"
    subscriber("reader@example.com")  # signed up meanwhile: recipients are found at send
    assert sending.deliver(send.pk) == pytest.approx(7200, abs=60)
    assert mailbox.messages == [] and not Delivery.objects.exists()
    with time_machine.travel(at + timedelta(seconds=1)):
        assert sending.deliver(send.pk) is None
    assert len(mailbox.to("reader@example.com")) == 1


def test_writers_prepare_and_preview_a_briefing_but_only_editors_send_it(
    client, mailbox, django_capture_on_commit_callbacks
):
    lead = make_story("Lead story", section=make_section("News", slug="news"))
    draft = make_draft("Draft story")
    subscriber("reader@example.com")
    client.force_login(make_staff("wr", "Writer"))
    response = client.post(
        "/admin/newsletters/briefing/add/",
        {
            "date": timezone.localdate().isoformat(),
            "subject": "",
            "intro": "Good morning.",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-article": str(draft.pk),
            "items-0-position": "0",
        },
    )
    assert response.status_code == 200
    assert b"Only published stories can go in a briefing" in response.content
    response = client.post(
        "/admin/newsletters/briefing/add/",
        {
            "date": timezone.localdate().isoformat(),
            "subject": "",
            "intro": "Good morning.",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    briefing = Briefing.objects.get()
    assert [i.article_id for i in briefing.items.all()] == [lead.pk]  # the day's top stories
    preview = client.get(f"/admin/newsletters/briefing/{briefing.pk}/preview/html/")
    assert b"Lead story" in preview.content and b"Good morning." in preview.content
    # The email as it will look, and nothing in it may run or load from elsewhere.
    assert preview["Content-Security-Policy"].startswith("default-src 'none'")
    text = client.get(f"/admin/newsletters/briefing/{briefing.pk}/preview/text/").content
    assert b"Lead story" in text
    assert client.post(f"/admin/newsletters/briefing/{briefing.pk}/send/").status_code == 403
    assert client.post("/admin/newsletters/send/digest/").status_code == 403
    assert client.get("/admin/newsletters/subscriber/").status_code == 403  # addresses

    client.force_login(make_staff("ed", "Editor"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/newsletters/briefing/{briefing.pk}/send/")
    assert response.status_code == 302
    assert Send.objects.get().sent_by.username == "ed"
    assert "Lead story" in mailbox.text(mailbox.to("reader@example.com")[0])
