"""The desk (issue 14): editorial notes with @mentions, the inbox, assignment, "request
changes", the admin's home as a dashboard, and the planning view."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.editorial import desk, workflow
from articles.editorial.previews import share_url
from articles.models import Article, EditorialNote, InboxItem, PreviewLink

from .factories import make_author, make_draft, make_scheduled, make_section, make_staff, make_story
from .test_workflow import form_data

pytestmark = pytest.mark.django_db

Status = Article.Status
Kind = InboxItem.Kind
NOTE = "Check the council figures before this runs"


@pytest.fixture
def editor():
    return make_staff("ed", "Editor", first_name="Ed", last_name="Itor")


@pytest.fixture
def anna():
    return make_staff("anna", "Writer", first_name="Anna", last_name="Berg")


@pytest.fixture
def bob():
    return make_staff("bob", "Writer")


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def inbox(user, kind=None):
    items = InboxItem.objects.filter(recipient=user)
    return list(items.filter(kind=kind) if kind else items)


# --- Notes ------------------------------------------------------------------------


def test_a_mention_reaches_the_inbox_of_whoever_may_read_the_notes(editor, anna, bob):
    story = make_draft("Harbour dredging", created_by=anna)
    note = desk.add_note(story, editor, f"@anna {NOTE}. Ask @bob too; mail ed@example.com.")
    assert list(note.mentions.all()) == [anna]  # bob may not read notes on anna's story
    [item] = inbox(anna, Kind.MENTION)
    assert NOTE in item.text and item.read_at is None
    assert inbox(bob) == [] and inbox(editor) == []  # no self-mention from the e-mail address


def test_a_reply_joins_its_thread_and_resolving_closes_the_thread(editor, anna):
    story = make_draft("Harbour dredging", created_by=anna)
    first = desk.add_note(story, editor, "Is the second quote on the record?")
    reply = desk.add_note(story, anna, "Yes, she agreed.", parent=first)
    nested = desk.add_note(story, editor, "Thanks.", parent=reply)
    assert reply.parent == first and nested.parent == first
    assert list(EditorialNote.objects.open()) == [first]
    desk.resolve_note(reply, editor)
    first.refresh_from_db()
    assert first.resolved_by == editor and first.resolved_at is not None
    assert not EditorialNote.objects.open().exists()
    desk.reopen_note(first, anna)
    assert list(EditorialNote.objects.open()) == [first]


def test_an_empty_note_is_refused_and_a_writer_cannot_note_another_writers_story(anna, bob):
    story = make_draft("Harbour dredging", created_by=anna)
    with pytest.raises(ValidationError):
        desk.add_note(story, anna, "   ")
    with pytest.raises(PermissionDenied):
        desk.add_note(story, bob, "Sneaky")
    live = make_story("Bob's live story", created_by=bob)
    with pytest.raises(PermissionDenied):  # a live story's notes stay its writer's business
        desk.add_note(live, anna, "Looks good")
    assert not EditorialNote.objects.exists()


def test_a_writer_cannot_read_or_touch_notes_on_others_stories(client, editor, anna, bob):
    story = make_draft("Anna's scoop", created_by=anna)
    note = desk.add_note(story, editor, NOTE)
    live = make_story("Anna's live story", created_by=anna)
    desk.add_note(live, editor, "Live story note, private")
    spy = logged_in(bob)
    change = reverse("admin:articles_article_change", args=[story.pk])
    assert spy.get(change).status_code in (302, 403, 404)
    html = spy.get(reverse("admin:articles_article_change", args=[live.pk])).content.decode()
    assert "Live story note, private" not in html and 'id="notes"' not in html
    assert (
        spy.post(reverse("admin:desk_add_note", args=[story.pk]), {"body": "x"}).status_code == 404
    )
    assert spy.post(reverse("admin:desk_resolve_note", args=[note.pk])).status_code == 404
    assert NOTE not in spy.get(reverse("admin:index")).content.decode()
    note.refresh_from_db()
    assert note.resolved_at is None and EditorialNote.objects.count() == 2
    # Anna, whose story it is, reads it.
    assert NOTE in logged_in(anna).get(change).content.decode()


def test_notes_are_written_resolved_and_reopened_from_the_story_page(editor, anna):
    story = make_draft("Harbour dredging", created_by=anna)
    client = logged_in(editor)
    change = reverse("admin:articles_article_change", args=[story.pk])
    response = client.post(
        reverse("admin:desk_add_note", args=[story.pk]), {"body": f"@anna {NOTE}"}
    )
    assert response.status_code == 302 and response["Location"].endswith(change + "#notes")
    html = client.get(change).content.decode()
    assert NOTE in html and "Resolve" in html
    note = EditorialNote.objects.get()
    client.post(reverse("admin:desk_resolve_note", args=[note.pk]))
    html = client.get(change).content.decode()
    assert "Resolved by Ed Itor" in html and "Reopen" in html
    client.post(reverse("admin:desk_reopen_note", args=[note.pk]))
    assert EditorialNote.objects.open().count() == 1
    # An empty note is a message, not an error page.
    response = client.post(
        reverse("admin:desk_add_note", args=[story.pk]), {"body": ""}, follow=True
    )
    assert (
        response.status_code == 200
        and "Write the note before adding it." in response.content.decode()
    )
    assert client.get(reverse("admin:desk_add_note", args=[story.pk])).status_code == 404


def test_notes_added_and_resolved_are_in_the_storys_history(editor, anna):
    story = make_draft("Harbour dredging", created_by=anna)
    note = desk.add_note(story, editor, NOTE)
    desk.resolve_note(note, anna)
    html = logged_in(editor).get(reverse("admin:articles_article_history", args=[story.pk]))
    html = html.content.decode()
    assert f"Added a note: {NOTE}" in html and f"Resolved the note: {NOTE}" in html
    assert html.index("Resolved the note") < html.index("Added a note")  # newest first


# --- Notes never reach readers -------------------------------------------------------


def test_notes_never_reach_the_reader_page_preview_share_link_feeds_or_api(editor, anna):
    story = make_story("Harbour dredging approved", created_by=anna, body="<p>The body.</p>")
    desk.add_note(story, editor, NOTE)
    reader = Client()
    link = PreviewLink.objects.create(article=story, created_by=editor)
    pages = {
        "story": reader.get(story.path),
        "share link": reader.get(share_url(link)),
        "preview": logged_in(editor).get(
            reverse("admin:articles_article_preview", args=[story.pk])
        ),
        "feed": reader.get(reverse("feed")),
        "json feed": reader.get(reverse("feed-json")),
        "api": reader.get(reverse("api-article", args=[story.pk])),
        "api list": reader.get(reverse("api-articles")),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = response.content.decode()
        assert "Harbour dredging approved" in text, name  # the story is there…
        assert NOTE not in text, name  # …and its note is not


# --- Request changes -----------------------------------------------------------------


def test_request_changes_sends_the_story_back_with_the_reason(editor, anna):
    byline_writer = make_staff("cleo", "Writer")
    story = make_story("Harbour dredging", created_by=anna, status=Status.REVIEW)
    author = make_author("Cleo Dunn", user=byline_writer)
    story.bylines.create(author=author)
    note = workflow.request_changes(story, editor, "  The second source is anonymous.  ")
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert note.body == "Changes requested: The second source is anonymous."
    for writer in (anna, byline_writer):
        [item] = inbox(writer, Kind.CHANGES)
        assert "The second source is anonymous." in item.text
    assert inbox(editor) == []


def test_request_changes_needs_a_reason_an_editor_and_a_story_in_review(editor, anna):
    story = make_story("Harbour dredging", created_by=anna, status=Status.REVIEW)
    with pytest.raises(ValidationError):
        workflow.request_changes(story, editor, "  ")
    with pytest.raises(PermissionDenied):
        workflow.request_changes(story, anna, "I want it back")
    draft = make_draft("Still a draft", created_by=anna)
    with pytest.raises(ValidationError):
        workflow.request_changes(draft, editor, "Why?")
    story.refresh_from_db()
    assert story.status == Status.REVIEW and not EditorialNote.objects.exists()


def test_request_changes_in_the_admin_a_missing_reason_is_a_form_error(editor, anna):
    story = make_story("Harbour dredging", created_by=anna, status=Status.REVIEW)
    client = logged_in(editor)
    change = reverse("admin:articles_article_change", args=[story.pk])
    url = reverse("admin:desk_request_changes", args=[story.pk])
    assert url in client.get(change).content.decode()  # the button on the change page
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Say what needs to change" in response.content.decode()
    story.refresh_from_db()
    assert story.status == Status.REVIEW
    response = client.post(url, {"reason": "Cut the third paragraph."})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert "Cut the third paragraph." in client.get(change).content.decode()
    # Not in review any more: the form says so rather than failing.
    response = client.post(url, {"reason": "Again"})
    assert response.status_code == 200 and "Only a story in review" in response.content.decode()
    # A writer may not send stories back.
    story.status = Status.REVIEW
    story.save()
    assert logged_in(anna).get(url).status_code == 403


# --- Notifications from the story form and the actions ----------------------------------


def test_submitting_for_review_tells_the_editors(editor, anna):
    second_editor = make_staff("ed2", "Editor")
    story = make_draft("Harbour dredging", created_by=anna)
    client = logged_in(anna)
    response = client.post(
        reverse("admin:articles_article_change", args=[story.pk]),
        form_data(story, status="review"),
    )
    assert response.status_code == 302
    for person in (editor, second_editor):
        [item] = inbox(person, Kind.REVIEW)
        assert item.text == "Anna Berg submitted “Harbour dredging” for review."
    assert inbox(anna) == []
    # Saving it again in review tells nobody twice.
    story.refresh_from_db()
    client.post(
        reverse("admin:articles_article_change", args=[story.pk]), form_data(story, headline="X")
    )
    assert len(inbox(editor)) == 1


def test_the_submit_action_tells_the_editors_too(editor, anna):
    story = make_draft("Harbour dredging", created_by=anna)
    logged_in(anna).post(
        reverse("admin:articles_article_changelist"),
        {"action": "submit_for_review", "_selected_action": [story.pk]},
    )
    assert len(inbox(editor, Kind.REVIEW)) == 1


def test_assigning_tells_the_assignee_once_and_they_can_work_on_the_story(editor, anna):
    story = make_draft("Harbour dredging", created_by=editor)
    client = logged_in(editor)
    change = reverse("admin:articles_article_change", args=[story.pk])
    response = client.post(change, form_data(story, assignee=anna.pk, target_words="600"))
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.assignee == anna and story.target_words == 600
    [item] = inbox(anna, Kind.ASSIGNED)
    assert item.text == "Ed Itor assigned “Harbour dredging” to you."
    client.post(change, form_data(story, assignee=anna.pk, headline="Dredging"))
    assert len(inbox(anna)) == 1
    # The assignee sees, opens and saves the story; the planning fields are not theirs.
    writer = logged_in(anna)
    html = writer.get(change).content.decode()
    assert 'name="headline"' in html and 'name="assignee"' not in html
    story.refresh_from_db()
    assert writer.post(change, form_data(story, headline="Dredging, filed")).status_code == 302


def test_a_writer_cannot_assign(anna, bob):
    story = make_draft("Mine", created_by=anna)
    logged_in(anna).post(
        reverse("admin:articles_article_change", args=[story.pk]), form_data(story, assignee=bob.pk)
    )
    story.refresh_from_db()
    assert story.assignee is None and inbox(bob) == []


# --- The dashboard ---------------------------------------------------------------------


def block(html, key):
    start = html.index(f'id="desk-{key}"')
    return html[start : html.index("</section>", start)]


def desk_archive(editor, anna, extra=0):
    now = timezone.now()
    section = make_section()
    make_draft("Own draft of Anna", created_by=anna, section=section)
    make_draft("Assigned to Anna", created_by=editor, assignee=anna, planned_for=now)
    make_story("Waiting long", created_by=anna, status=Status.REVIEW)
    Article.objects.filter(headline="Waiting long").update(submitted_at=now - timedelta(days=2))
    make_story("Waiting briefly", created_by=editor, status=Status.REVIEW)
    make_scheduled("Going out tonight", delay=timedelta(hours=3), section=section)
    make_scheduled("Going out in three days", delay=timedelta(days=3))
    # Five minutes ago, but never before the site's midnight (a run just after it).
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    make_story("Out this morning", published_at=max(now - timedelta(minutes=5), midnight))
    make_story("Out last week", age=timedelta(days=7))
    noted = make_draft("Noted story", created_by=anna)
    desk.add_note(noted, editor, NOTE)
    for number in range(extra):  # an archive that grows: the desk's cost must not
        story = make_story(f"Old story {number}", age=timedelta(days=2 + number))
        desk.add_note(story, editor, "old note")
        make_draft(f"Other draft {number}", created_by=editor, assignee=anna)


def test_the_dashboard_shows_each_block_for_an_editor(editor, anna):
    desk_archive(editor, anna)
    html = logged_in(editor).get(reverse("admin:index")).content.decode()
    review = block(html, "review")
    assert review.index("Waiting long") < review.index("Waiting briefly")  # oldest first
    assert "Going out tonight" in block(html, "next24h")
    assert "Going out in three days" not in block(html, "next24h")
    assert "Out this morning" in block(html, "today") and "Out last week" not in html
    assert "Noted story" in block(html, "notes")
    assert "Assigned to Anna" in block(html, "drafts")  # the editor created it
    assert "Own draft of Anna" not in block(html, "drafts")


def test_the_dashboard_of_a_writer(editor, anna):
    desk_archive(editor, anna)
    html = logged_in(anna).get(reverse("admin:index")).content.decode()
    assert 'id="desk-review"' not in html  # editors only
    assert "Own draft of Anna" in block(html, "drafts") and "Noted story" in block(html, "drafts")
    assert "Assigned to Anna" in block(html, "assigned")
    assert "Noted story" in block(html, "notes")
    assert "Waiting briefly" not in html  # an editor's story in review is not hers to see


def test_each_block_is_bounded_with_a_more_link_to_the_filtered_list(editor, anna):
    for number in range(12):
        make_draft(f"Draft {number:02}", created_by=anna)
    client = logged_in(anna)
    drafts = block(client.get(reverse("admin:index")).content.decode(), "drafts")
    assert drafts.count("<tr>") == 1 + desk.BLOCK_ROWS  # header row and ten stories
    more = reverse("admin:articles_article_changelist") + "?desk=drafts"
    assert f'href="{more}"' in drafts
    assert client.get(more).content.decode().count("Draft ") >= 12


def test_the_dashboard_costs_the_same_whatever_the_size_of_the_archive(editor, anna):
    client = logged_in(anna)
    desk_archive(editor, anna)
    client.get(reverse("admin:index"))  # warm the session and permission caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("admin:index")).status_code == 200
    desk_archive(editor, anna, extra=25)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("admin:index")).status_code == 200
    assert len(large) == len(small)


def test_the_dashboard_query_count_is_pinned(editor, anna, django_assert_num_queries):
    desk_archive(editor, anna, extra=15)
    client = logged_in(editor)
    client.get(reverse("admin:index"))
    # Session, user, two for permissions, six blocks, the inbox and its unread count,
    # and the admin's own "recent actions".
    with django_assert_num_queries(13):
        client.get(reverse("admin:index"))


def test_the_inbox_lists_unread_first_and_marks_read(editor, anna, bob):
    story = make_draft("Harbour dredging", created_by=anna)
    old = desk.add_note(story, editor, "@anna first, seen already")
    desk.add_note(story, editor, "@anna second, still new")
    InboxItem.objects.filter(text__contains="first").update(
        read_at=timezone.now(), created_at=timezone.now() + timedelta(minutes=1)
    )
    client = logged_in(anna)
    html = block_inbox = client.get(reverse("admin:index")).content.decode()
    block_inbox = html[html.index('id="inbox"') :]
    assert "1 unread" in html
    assert block_inbox.index("second, still new") < block_inbox.index("first, seen already")
    item = InboxItem.objects.get(text__contains="second")
    # Someone else cannot mark it read.
    logged_in(bob).post(reverse("admin:desk_mark_read"), {"item": item.pk})
    item.refresh_from_db()
    assert item.read_at is None
    response = client.post(reverse("admin:desk_mark_read"), {"item": item.pk})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.read_at is not None
    assert (
        "unread"
        not in client.get(reverse("admin:index"))
        .content.decode()
        .split('id="inbox"')[1]
        .split("</section>")[0]
    )
    assert old.pk


# --- The story list's "on my desk" filter ---------------------------------------------


def test_assigned_to_me_filter(editor, anna):
    make_draft("Assigned to Anna", created_by=editor, assignee=anna)
    make_draft("Assigned to nobody", created_by=editor)
    client = logged_in(editor)
    html = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Assigned to me" in html
    html = logged_in(anna).get(reverse("admin:articles_article_changelist") + "?desk=assigned")
    html = html.content.decode()
    assert "Assigned to Anna" in html and "Assigned to nobody" not in html
    html = client.get(reverse("admin:articles_article_changelist") + "?desk=assigned")
    assert "Assigned to Anna" not in html.content.decode()


# --- Planning ---------------------------------------------------------------------


def planning(client, period, day):
    response = client.get(
        reverse("admin:articles_article_calendar"), {"period": period, "date": day.isoformat()}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_planning_a_day_lists_every_story_of_the_day_by_section(editor, anna, site_noon):
    # At the site's noon: the stories a minute or two either side of now stay on its day.
    now = timezone.now()
    today = timezone.localdate(now)
    city, sport = make_section("City", position=1), make_section("Sport", position=2)
    make_draft(
        "Planned budget story",
        section=city,
        assignee=anna,
        planned_for=now + timedelta(minutes=1),
        target_words=600,
        body="<p>" + "word " * 412 + "</p>",
    )
    make_draft("Drafted today", section=sport)
    make_story("In review today", section=city, status=Status.REVIEW)
    make_scheduled("Scheduled later today", delay=timedelta(minutes=2), section=sport)
    make_story("Published today", published_at=now - timedelta(minutes=1), section=city)
    make_story("Published last month", age=timedelta(days=30), section=city)
    make_draft("Planned next week", planned_for=now + timedelta(days=8))
    Article.objects.filter(headline="Planned next week").update(updated_at=now - timedelta(days=9))
    html = planning(logged_in(editor), "day", today)
    for headline in (
        "Planned budget story",
        "Drafted today",
        "In review today",
        "Scheduled later today",
        "Published today",
    ):
        assert headline in html, headline
    assert "Published last month" not in html and "Planned next week" not in html
    assert (
        html.index("<h2>City</h2>")
        < html.index("Planned budget story")
        < html.index("<h2>Sport</h2>")
    )
    assert "412 of 600 words" in html and "Anna Berg" in html
    assert "In review" in html and "Scheduled" in html
    week = planning(logged_in(editor), "week", today + timedelta(days=8))
    assert "Planned next week" in week and "Drafted today" not in week


def test_planning_shows_a_writer_only_what_they_may_see(editor, anna, bob):
    make_draft("Secret draft of Bob", created_by=bob)
    make_draft("Draft of Anna", created_by=anna)
    html = planning(logged_in(anna), "week", timezone.localdate())
    assert "Draft of Anna" in html and "Secret draft of Bob" not in html


def test_planning_with_a_bad_date_says_so(editor):
    client = logged_in(editor)
    for bad in ("not-a-date", "9999-12-31", "2026-02-30"):
        response = client.get(
            reverse("admin:articles_article_calendar"), {"period": "week", "date": bad}
        )
        assert response.status_code == 200 and "That is not a date" in response.content.decode()


def test_the_planning_view_costs_the_same_however_many_stories_it_lists(editor, anna):
    client = logged_in(editor)
    today = timezone.localdate()

    def fill(count):
        for number in range(count):
            story = make_draft(f"Budget line {number}", section=make_section(), assignee=anna)
            desk.add_note(story, editor, "open")

    fill(2)
    planning(client, "week", today)
    with CaptureQueriesContext(connection) as few:
        planning(client, "week", today)
    fill(20)
    with CaptureQueriesContext(connection) as many:
        html = planning(client, "week", today)
    assert html.count('class="budget-line"') == 22
    assert len(many) == len(few)


def test_hostile_requests_to_the_desk_get_4xx_and_change_nothing(editor, anna):
    story = make_draft("Harbour dredging", created_by=anna)
    other = make_draft("Another story", created_by=anna)
    note = desk.add_note(other, editor, NOTE)
    client = logged_in(editor)
    add = reverse("admin:desk_add_note", args=[story.pk])
    assert client.post(add, {"body": "x", "parent": "1 OR 1=1"}).status_code == 404
    assert client.post(add, {"body": "x", "parent": note.pk}).status_code == 404  # other story's
    assert (
        client.post(reverse("admin:desk_add_note", args=[999999]), {"body": "x"}).status_code == 404
    )
    assert client.get(reverse("admin:desk_resolve_note", args=[note.pk])).status_code == 404
    assert client.post(reverse("admin:desk_mark_read"), {"item": "nope"}).status_code == 404
    assert client.get(reverse("admin:desk_mark_read")).status_code == 405
    response = client.post(reverse("admin:desk_add_note", args=[story.pk]), {"body": "x" * 5001})
    assert response.status_code == 302
    assert EditorialNote.objects.count() == 1
    # Logged out: the login page, not the desk.
    assert Client().post(add, {"body": "x"}).status_code == 302
    assert EditorialNote.objects.count() == 1
