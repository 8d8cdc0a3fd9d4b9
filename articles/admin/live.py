"""
Live coverage in the admin (issue 17), on the story's own page: a short quick-add
form at the top that posts one update without reloading the change form
(``static/admin/newsroom/live-updates.js``; without JavaScript it posts and comes
back), the story's latest updates as an inline to edit, publish or delete, and list
actions to open and close coverage and set the breaking-news banner. Every rule is
asked of ``articles.access`` and every change made by ``articles.editorial.live``.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.html import escape

from .. import access
from ..editorial import live as desk
from ..models import Image, LiveUpdate
from .labels import NamedFormParts

INLINE_UPDATES = 30  # the newest updates editable on the story's page; older ones stay


class LiveUpdateInline(NamedFormParts, admin.StackedInline):
    model = LiveUpdate
    fields = ["published_at", "status", "body", "authors", "photo", "key_event", "pinned"]
    autocomplete_fields = ["authors", "photo"]
    extra = 0
    verbose_name = "live update"
    verbose_name_plural = f"Live updates (the newest {INLINE_UPDATES})"

    def get_queryset(self, request):
        visible = access.live_updates_visible_to(request.user, super().get_queryset(request))
        newest = visible.order_by("-published_at", "-id").values_list("pk", flat=True)
        story = getattr(request, "live_story_id", None)
        if story is not None:
            newest = newest.filter(story_id=story)
        return visible.filter(pk__in=list(newest[:INLINE_UPDATES]))

    # The roles carry no model permissions for updates: ``articles.access`` decides.
    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return obj is not None and access.may_add_live_update(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return obj is not None and access.may_add_live_update(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and access.may_publish_live_update(request.user)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status" and not access.may_publish_live_update(request.user):
            kwargs["choices"] = [(LiveUpdate.Status.DRAFT, "Draft")]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


def save_inline(request, formset):
    """Save the inline's updates through the desk's rules (``editorial.live``): a form
    the user may not save changes nothing and says why."""
    instances = formset.save(commit=False)
    for update in instances:
        changed = next(
            (form for form in formset.forms if form.instance is update), None
        ).cleaned_data
        try:
            desk.save_update(update, request.user, authors=changed.get("authors"))
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, f"Update not saved: {_message(error)}")
    for update in formset.deleted_objects:
        try:
            desk.delete_update(update, request.user)
        except PermissionDenied as error:
            messages.error(request, f"Update not deleted: {error}")


def _message(error):
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


class QuickAddForm(forms.Form):
    """The few fields an update needs in a hurry; the inline below has the rest."""

    text = forms.CharField(
        label="New update",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text="A few sentences; a blank line starts a new paragraph. Links: edit the "
        "update below once it is saved.",
    )
    photo = forms.ModelChoiceField(
        label="Photo",
        queryset=Image.objects.none(),
        required=False,
        help_text="An optional photo from the library, shown with the update. Type a few "
        "words of its caption or alt text.",
        error_messages={"invalid_choice": "Choose a photo from the library you may use."},
    )
    key_event = forms.BooleanField(label="Key event", required=False)
    publish = forms.BooleanField(
        label="Publish now",
        required=False,
        help_text="Unticked, the update is saved as a draft for an editor.",
    )

    def __init__(self, *args, user, admin_site, **kwargs):
        """The photo box is the story form's library autocomplete, offering (and
        accepting) only the photos ``user`` may see (``access.photos_visible_to``)."""
        super().__init__(*args, **kwargs)
        photo = self.fields["photo"]
        photo.widget = AutocompleteSelect(
            LiveUpdate._meta.get_field("photo"),
            admin_site,
            attrs={"data-placeholder": "No photo"},
        )
        photo.queryset = access.photos_visible_to(user)  # also gives the widget its choices

    def body(self):
        paragraphs = [p.strip() for p in self.cleaned_data["text"].split("\n\n") if p.strip()]
        return "".join(f"<p>{escape(p)}</p>".replace("\n", "<br>") for p in paragraphs)


def quick_add_view(model_admin, request, object_id):
    """POST an update to the story: JSON for the script, else back to the story."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    story = model_admin.get_object(request, object_id)
    if story is None or not model_admin.has_view_permission(request, story):
        raise Http404("No such story.")
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = QuickAddForm(request.POST, user=request.user, admin_site=model_admin.admin_site)
    error = None
    if form.is_valid():
        update = LiveUpdate(
            story=story,
            body=form.body(),
            photo=form.cleaned_data["photo"],
            key_event=form.cleaned_data["key_event"],
        )
        try:
            desk.save_update(update, request.user, publish=form.cleaned_data["publish"])
        except (PermissionDenied, ValidationError) as refused:
            error = _message(refused)
    else:
        error = " ".join(message for errors in form.errors.values() for message in errors)
    if error is None:
        done = f"Update {'published' if update.status == 'published' else 'saved as a draft'}."
    if wants_json:
        if error is not None:
            return JsonResponse({"error": error}, status=400)
        return JsonResponse({"id": update.pk, "status": update.status, "message": done})
    if error is not None:
        messages.error(request, f"Update not saved: {error}")
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("admin:articles_article_change", args=[story.pk]))


def quick_add_context(request, story, admin_site):
    """The quick-add form for the change form's template, or None if not offered."""
    if story is None or not story.live_coverage:
        return None
    if not access.may_add_live_update(request.user, story):
        return None
    return {
        "form": QuickAddForm(user=request.user, admin_site=admin_site),
        "action": reverse("admin:articles_article_live_add", args=[story.pk]),
        "may_publish": access.may_publish_live_update(request.user),
    }


# --- List actions ------------------------------------------------------------


def _each(model_admin, request, queryset, change, done):
    count = 0
    for story in queryset:
        try:
            change(story, request.user)
        except (PermissionDenied, ValidationError) as error:
            model_admin.message_user(request, f"{story}: {_message(error)}", messages.ERROR)
        else:
            count += 1
    if count:
        model_admin.message_user(request, f"{done}: {count} stories.", messages.SUCCESS)


@admin.action(description="Open live coverage", permissions=["live"])
def open_coverage(model_admin, request, queryset):
    _each(model_admin, request, queryset, desk.open_coverage, "Live coverage opened")


@admin.action(description="Close live coverage", permissions=["live"])
def close_coverage(model_admin, request, queryset):
    _each(model_admin, request, queryset, desk.close_coverage, "Live coverage closed")


@admin.action(description="Breaking news banner for an hour", permissions=["live"])
def set_breaking(model_admin, request, queryset):
    _each(model_admin, request, queryset, desk.set_breaking, "Breaking news banner set")


@admin.action(description="Remove the breaking news banner", permissions=["live"])
def clear_breaking(model_admin, request, queryset):
    _each(model_admin, request, queryset, desk.clear_breaking, "Breaking news banner removed")


ACTIONS = [open_coverage, close_coverage, set_breaking, clear_breaking]
LIVE_FIELDS = ["live_started_at", "live_ended_at", "breaking_until"]
