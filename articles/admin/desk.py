"""
The desk's screens: the admin's home as a dashboard, notes on a story, the inbox,
and "request changes". Short views: every rule is asked of ``articles.access`` and
``articles.editorial`` (``desk``, ``workflow``). The site (``newsroom.admin``)
routes to them.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from .. import access
from ..editorial import desk, workflow
from ..models import Article, EditorialNote
from .planning import planning_urls

# --- Pieces the story's pages include ------------------------------------------


def notes_context(request, story):
    """What the change page's notes panel and request-changes button need."""
    user = request.user
    if story is None or not access.may_read_notes(user, story):
        return {}
    return {
        "note_threads": desk.notes_for(user, story),
        "can_write_notes": access.may_write_notes(user, story),
        "can_request_changes": story.status == Article.Status.REVIEW
        and access.may_request_changes(user, story),
    }


def dashboard_context(request):
    user = request.user
    blocks = desk.desk_for(user)
    changelist = reverse("admin:articles_article_changelist")
    for block in blocks:
        block.more_url = f"{changelist}?{urlencode({'desk': block.key})}"
    planning = planning_urls()
    return {
        "desk_blocks": blocks,
        "inbox": desk.inbox_for(user),
        "unread": desk.unread_count(user),
        "planning_day_url": planning["today_day"],
        "planning_week_url": planning["today_week"],
    }


# --- Views ----------------------------------------------------------------------

# The largest id a row can have (a signed 64-bit integer, on SQLite and PostgreSQL).
MAX_ROW_ID = 2**63 - 1


def row_id(value):
    """A posted id as a number, or None when it cannot be one: ASCII digits only ("²"
    passes str.isdigit() but not int()), no larger than an id can be (a larger one makes
    SQLite raise rather than find nothing). Found by the fuzzer (tests/fuzz)."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_ROW_ID else None


def _story_for_notes(request, story_id):
    story = Article.objects.filter(pk=story_id).select_related("assignee").first()
    if story is None or not access.may_read_notes(request.user, story):
        raise Http404("No such story.")
    return story


def _back_to(story, anchor="notes"):
    return HttpResponseRedirect(
        reverse("admin:articles_article_change", args=[story.pk]) + f"#{anchor}"
    )


def _post_only(request):
    if request.method != "POST":
        raise Http404("Use the buttons on the story's page.")


def add_note(request, story_id):
    _post_only(request)
    story = _story_for_notes(request, story_id)
    parent, parent_id = None, request.POST.get("parent", "").strip()
    if parent_id:
        number = row_id(parent_id)
        parent = story.notes.filter(pk=number).first() if number is not None else None
        if parent is None:
            raise Http404("No such note on this story.")
    try:
        desk.add_note(story, request.user, request.POST.get("body", ""), parent=parent)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back_to(story)
    messages.success(request, "Note added. Only the desk sees it.")
    return _back_to(story)


def _note(request, note_id):
    note = get_object_or_404(EditorialNote.objects.select_related("article"), pk=note_id)
    if not access.may_read_notes(request.user, note.article):
        raise Http404("No such note.")
    return note


def resolve_note(request, note_id):
    _post_only(request)
    note = _note(request, note_id)
    desk.resolve_note(note, request.user)
    messages.success(request, "Note resolved.")
    return _back_to(note.article)


def reopen_note(request, note_id):
    _post_only(request)
    note = _note(request, note_id)
    desk.reopen_note(note, request.user)
    messages.success(request, "Note reopened.")
    return _back_to(note.article)


class RequestChangesForm(forms.Form):
    reason = forms.CharField(
        label="What needs to change",
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        max_length=4000,
        help_text="Sent to the writer and kept as a note on the story. The story goes back "
        "to Draft.",
        error_messages={"required": "Say what needs to change: the writer will read it."},
    )


def request_changes(request, story_id, admin_site):
    story = Article.objects.filter(pk=story_id).first()
    if story is None or not access.may_view_story(request.user, story):
        raise Http404("No such story.")
    if not access.may_request_changes(request.user, story):
        raise PermissionDenied
    form = RequestChangesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.request_changes(story, request.user, form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"“{story.headline}” went back to Draft with your note.")
            return _back_to(story)
    context = {
        **admin_site.each_context(request),
        "opts": Article._meta,
        "original": story,
        "title": f"Request changes to “{story.headline}”",
        "form": form,
    }
    return TemplateResponse(request, "admin/articles/article/request_changes.html", context)


def mark_read(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item = request.POST.get("item", "")
    if item == "all":
        desk.mark_read(request.user)
    elif row_id(item) is not None:
        desk.mark_read(request.user, [row_id(item)])
    else:
        raise Http404("No such item.")
    target = request.POST.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    return HttpResponseRedirect(target)
