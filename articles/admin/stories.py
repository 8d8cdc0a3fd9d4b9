"""
The story admin: where writers and editors do their work.

Who may do what is decided in ``articles.access``, on the server,
never by hiding a button; this module asks it at every door:

* a **writer** creates stories, edits their own while they are drafts or in
  review, and submits them for review; the status field offers them nothing
  else, and the publication time and the home-page flag are read-only to them;
* an **editor** edits any story, publishes, schedules, withdraws and corrects;
* a writer's lists, filters, autocompletes, histories and previews hold only
  their own stories and stories readers can already see.

Every change an action or a form makes is recorded as one revision per story,
and a revert touches only the story it is for (``articles.editorial.revisions``).
"""

from datetime import timedelta

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ORDER_VAR
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from js_asset import Media
from reversion.admin import VersionAdmin, _RollBackRevisionView
from reversion.errors import RevertError
from reversion.models import Version

from .. import access
from ..access import WRITER_STATUSES, can_publish, is_editor
from ..editorial import autosave, desk, previews, queue, workflow
from ..editorial.diffs import MERGE_FIELDS, compare_for_merge, compare_versions
from ..editorial.revisions import (
    opened_copy,
    publication_consequence,
    publication_of,
    revert_story,
    story_version,
)
from ..models import (
    Article,
    Byline,
    Correction,
    EditingPresence,
    Image,
    LiveUpdate,
    PreviewLink,
    seo,
)
from ..reader import search
from .desk import notes_context
from .filters import DeskFilter
from .images import thumbnail, with_library_picker
from .labels import NamedFormParts
from .lists import FastLinksChangeList
from .live import ACTIONS as LIVE_ACTIONS
from .live import LIVE_FIELDS, LiveUpdateInline, quick_add_context, quick_add_view, save_inline
from .planning import calendar_view as planning_page

Status = Article.Status
PLANNING_FIELDS = ["assignee", "planned_for", "target_words"]


class StoryForm(forms.ModelForm):
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    restore_publication = forms.BooleanField(required=False)
    # Reverting to a revision overwrites the story on purpose (see revision_view).
    reverting = False
    # On a revert whose revision was published differently, for an editor: the
    # revision's status and publication time, and what putting them back would do.
    restored_publication = None
    publication_warning = ""
    restored_status_label = ""
    # After a refused stale save: the other version's changes, for the template.
    merge_changes = None

    class Meta:
        model = Article
        fields = [
            "headline",
            "dek",
            "body",
            "lead_image",
            "section",
            "tags",
            "dateline",
            "featured",
            "status",
            "published_at",
            "slug",
            "seo_title",
            "meta_description",
            "social_title",
            "social_description",
            "social_image",
            *PLANNING_FIELDS,
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_version"].initial = self.instance.edit_version
        if self.restored_publication is None:
            del self.fields["restore_publication"]
        else:
            field = self.fields["restore_publication"]
            field.label = f"Also restore status and publication time — {self.publication_warning}"
            field.help_text = (
                "Leave this unticked to put back only what the story said. "
                "Corrections are never taken back."
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.reverting:
            self._refuse_a_stale_save(cleaned.get("opened_version"), cleaned)
        if cleaned.get("restore_publication"):
            cleaned.update(self.restored_publication)
        return cleaned

    def _refuse_a_stale_save(self, opened_version, cleaned):
        # The admin runs the whole view in one transaction; the row lock (and
        # SQLite's immediate transactions) keep a second save from slipping in
        # between this check and the write.
        current = (
            Article.objects.select_for_update(of=("self",))
            .filter(pk=self.instance.pk)
            .select_related("updated_by")
            .only(
                *MERGE_FIELDS,
                "edit_version",
                "updated_at",
                "updated_by__username",
                "updated_by__first_name",
                "updated_by__last_name",
            )
            .first()
        )
        if current is None or opened_version == current.edit_version:
            return
        editor = current.updated_by
        who = (editor.get_full_name() or editor.username) if editor else "someone"
        when = date_format(timezone.localtime(current.updated_at), "j M Y, H:i")
        # Their changes are shown beside the editor's text; from now on the form
        # carries the version they have seen, so saving the merged text succeeds.
        opened = opened_copy(current.pk, opened_version)
        self.merge_changes = compare_for_merge(
            opened,
            {name: getattr(current, name) for name in MERGE_FIELDS},
            {name: cleaned.get(name, getattr(current, name)) for name in MERGE_FIELDS},
        )
        self.data = self.data.copy()
        self.data[self.add_prefix("opened_version")] = current.edit_version
        raise forms.ValidationError(
            f"{who} saved this story at {when}, after you opened it. Your changes were not "
            "saved and are still in the form below; their changes are shown beside your "
            "text. Merge what you need into the form, then save again: that save goes "
            "through, and what is in the form replaces their version.",
            code="stale",
        )


class BylineInline(admin.TabularInline):
    model = Byline
    fields = ["author", "position"]
    autocomplete_fields = ["author"]
    extra = 1
    verbose_name = "byline author"
    verbose_name_plural = "Byline (in order)"


class TagFilter(admin.SimpleListFilter):
    """The story list's tag filter: a box that finds a tag as the editor types (the
    admin's autocomplete, offering only tags this user may see), not a list of
    every tag in the archive. ``?tag=`` takes a tag's number or its slug."""

    title = "tag"
    parameter_name = "tag"
    template = "admin/articles/article/tag_filter.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.tags = access.tags_visible_to(request.user)
        # The rest of the list's state, carried by the filter's own little form.
        self.kept = [
            (name, value)
            for name, values in request.GET.lists()
            if name not in (self.parameter_name, "p")
            for value in values
        ]
        chosen = self.chosen_tag()
        field = forms.ModelChoiceField(
            queryset=self.tags,
            required=False,
            widget=AutocompleteSelect(
                Article._meta.get_field("tags"),
                model_admin.admin_site,
                attrs={"class": "newsroom-tag-filter", "data-placeholder": "Any tag"},
            ),
        )
        field.label = "Stories with the tag"
        self.form = forms.Form(initial={"tag": chosen.pk if chosen else None})
        self.form.fields["tag"] = field

    def chosen_tag(self):
        value = self.value()
        if not value:
            return None
        lookup = {"pk": int(value)} if value.isdigit() else {"slug": value}
        if not hasattr(self, "_chosen"):
            self._chosen = self.tags.filter(**lookup).first()
        return self._chosen

    def has_output(self):
        return True

    def lookups(self, request, model_admin):
        return []  # chosen in the box; choices() offers "All" only

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Any tag",
        }

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        tag = self.chosen_tag()
        return queryset.filter(tags=tag) if tag else queryset.none()


class MineFilter(admin.SimpleListFilter):
    """Stories that are the signed-in user's own: created by them or in their byline."""

    title = "writer"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", "Mine (created by me or in my byline)")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(access.mine_q(request.user))
        return queryset


class StoryPaginator(Paginator):
    """Pages of a long story list, cheap at any depth.

    A page's stories are picked by number first, from an index alone (the sort
    keys are all in ``article_desk_order_idx``), and only those rows are then read:
    stories carry their bodies, so reading every row to sort them costs far
    more than the page. ``parts``: the list as consecutive querysets, each in an
    index's order (``queue.desk_parts``); a page may take the end of one and the
    start of the next.

    The list is counted once, as a whole (``count``: one pass over an index). How
    many stories each part holds is learnt from the page itself (a part that ends
    inside the page says where), and counted only for a page that lies wholly beyond
    a part: counting a writer's own stories tests "mine" on each of the 95,000
    stories they may see (about 70 ms at 100,000 stories), which page 1 never needs.
    """

    def __init__(
        self, object_list, per_page, orphans=0, allow_empty_first_page=True, rows=None, parts=None
    ):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        # How to read the chosen stories: by id alone, since the list's own filters
        # would lead the database to walk their index instead of fetching 50 rows.
        self.rows = rows if rows is not None else object_list.order_by()
        self.parts = parts or [object_list]

    @cached_property
    def count(self):
        return self.object_list.order_by().count()

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = []
        for index, part in enumerate(self.parts):
            start = max(bottom, 0)
            found = list(part.values_list("pk", flat=True)[start:top]) if top > start else []
            ids += found
            if index == len(self.parts) - 1 or start + len(found) >= top:
                break
            # The part ended before the page did: it holds start + len(found) stories,
            # unless the page starts beyond its end, where only counting it says.
            size = start + len(found) if found or start == 0 else part.count()
            bottom, top = bottom - size, top - size
        rows = {story.pk: story for story in self.rows.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


class CorrectionInline(NamedFormParts, admin.StackedInline):
    model = Correction
    fields = ["kind", "text", "published_at"]
    extra = 0
    verbose_name = "correction or update"
    verbose_name_plural = "Corrections and updates (shown to readers)"


@admin.register(Article)
class ArticleAdmin(NamedFormParts, VersionAdmin):
    form = StoryForm
    list_display = ["photo", "headline", "section", "state", "published_at", "byline"]
    list_display_links = ["headline"]
    list_filter = [
        MineFilter,
        DeskFilter,
        "status",
        "section",
        ("published_at", admin.DateFieldListFilter),
        "featured",
        TagFilter,
    ]
    list_select_related = ["section", "lead_image"]
    # Searched through the site's search index (get_search_results), not LIKE scans.
    search_fields = ["headline", "dek", "body", "tags__name"]  # what the index holds
    search_help_text = (
        "Words in the headline, dek, body or tags; each word also finds longer ones "
        "(harb finds harbour). Use quotes for a phrase and -word to leave one out. "
        f"Shows the {search.STAFF_MATCHES:,} most recent matches."
    )
    paginator = StoryPaginator
    list_per_page = 50
    # One count per page, not two: "N stories in all" would count the whole archive.
    show_full_result_count = False
    # Counts beside each filter choice cost one aggregate over the whole list each.
    show_facets = admin.ShowFacets.NEVER
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "lead_image", "social_image"]
    actions = ["submit_for_review", "publish", "withdraw", *LIVE_ACTIONS]
    history_latest_first = True
    revision_form_template = "admin/articles/article/revision_form.html"
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"
    object_history_template = "admin/articles/article/object_history.html"
    fieldsets = [
        (None, {"fields": ["headline", "dek", "body", "opened_version"]}),
        ("Filing", {"fields": ["lead_image", "section", "tags", "dateline", "featured"]}),
        ("Publication", {"fields": ["status", "published_at", "slug", "path"]}),
        ("Planning", {"fields": PLANNING_FIELDS}),
        (
            "Live coverage",
            {
                "fields": LIVE_FIELDS,
                "classes": ["collapse"],
                "description": "Open live coverage to post timestamped updates to this "
                "story; the quick form at the top adds one without leaving the page.",
            },
        ),
        (
            "Search and social",
            {
                "fields": [
                    "seo_title",
                    "meta_description",
                    "social_title",
                    "social_description",
                    "social_image",
                ],
                "description": "Optional. Empty fields use the headline, the dek and the lead "
                "photo.",
            },
        ),
        (
            "Record",
            {
                "fields": ["created_by", "created_at", "updated_by", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    # --- Who sees and edits what -------------------------------------------

    def get_queryset(self, request):
        queryset = access.stories_visible_to(
            request.user, super().get_queryset(request).prefetch_related("bylines__author")
        )
        match = request.resolver_match
        if match and match.url_name == "articles_article_changelist":
            queryset = queryset.defer("body")  # the list never shows bodies
        return queryset

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or access.may_change_story(request.user, obj)

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or access.may_view_story(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not is_editor(request.user):
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def has_live_permission(self, request):
        return access.may_run_live_coverage(request.user)

    def has_review_permission(self, request):
        return super().has_change_permission(request)

    def get_readonly_fields(self, request, obj=None):
        fields = ["path", "created_by", "created_at", "updated_by", "updated_at"]
        if not can_publish(request.user):
            fields += ["published_at", "featured"]
        if not access.may_assign(request.user):
            fields += PLANNING_FIELDS
        if not access.may_run_live_coverage(request.user):
            fields += LIVE_FIELDS
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.reverting = getattr(request, "reverting_to_revision", False)
        version = getattr(request, "revision_to_restore", None)
        if version is not None and obj is not None and can_publish(request.user):
            warning = publication_consequence(version, obj)
            if warning:
                form.restored_publication = publication_of(version)
                form.publication_warning = warning
                status = form.restored_publication["status"]
                form.restored_status_label = Status(status).label if status else "without a status"
        if not can_publish(request.user) and "status" in form.base_fields:
            status = form.base_fields["status"]
            status.choices = [(s.value, s.label) for s in WRITER_STATUSES]
            status.help_text = "Set to In review when the story is ready for an editor."
        return self._with_autosave_restored(request, obj, form)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "body":
            field = with_library_picker(field)  # "Photo from the library" in the editor
        return field

    def get_inlines(self, request, obj):
        live = [LiveUpdateInline] if obj is not None and obj.live_started_at else []
        if live:
            request.live_story_id = obj.pk  # the inline shows this story's newest updates
        if obj is not None and obj.published_at and can_publish(request.user):
            return [BylineInline, CorrectionInline, *live]
        return [BylineInline, *live]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        # The form offers no move the user may not make; this is the backstop.
        workflow.check_permission(request.user, obj, obj.status)
        workflow.stamp_submission(obj, form.initial.get("status") if change else None)
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        # Saved: the autosave of this form has nothing left to recover.
        autosave.discard(request.user, obj if change else None)
        desk.story_saved(
            obj,
            request.user,
            submitted="status" in form.changed_data or not change,
            assigned="assignee" in form.changed_data,
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is LiveUpdate:
            return save_inline(request, formset)
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Correction) and instance.pk is None:
                instance.created_by = request.user
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()
        formset.save_m2m()

    def view_on_site(self, obj):
        return obj.path if obj.is_live else None

    # --- The list ------------------------------------------------------------

    def get_ordering(self, request):
        """What needs attention first: the review queue, then drafts (for a writer,
        their own stories first); see ``articles.editorial.queue``. A column the user
        sorts by orders the list alone (the admin adds the id to break ties): with the
        desk order's keys after it, the database sorted every story on all of them
        (116 of 150 ms for the first page, sorted by time, at 100,000 stories)."""
        if request.GET.get(ORDER_VAR):
            return []
        return queue.desk_order(request.user, status=request.GET.get("status__exact"))

    def get_changelist(self, request, **kwargs):
        return FastLinksChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if queryset.model is not Article:  # the history page's log entries
            return super().get_paginator(
                request, queryset, per_page, orphans, allow_empty_first_page
            )
        # The ids of a page come from ``queryset`` (who may see what, filters, order);
        # the stories are then read by id alone.
        rows = (
            Article.objects.select_related(*self.list_select_related)
            .prefetch_related("bylines__author")
            .defer("body")
        )
        parts = None
        if not request.GET.get(ORDER_VAR):  # the desk order, not a column the user sorts by
            stories = queryset.order_by()
            parts = queue.desk_parts(request.user, stories, request.GET.get("status__exact"))
        return StoryPaginator(
            queryset, per_page, orphans, allow_empty_first_page, rows=rows, parts=parts
        )

    def action_checkbox(self, obj):
        """Django's own checkbox, written out: rendering a form widget for each of 50
        rows took a third of the list's time."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this object for an action - {}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            obj,
        )

    def get_search_results(self, request, queryset, search_term):
        """The list's search box and the story pickers (pins) ask the search index,
        which holds every story, drafts included, and leave who may see what to
        ``get_queryset``."""
        if not search_term.strip():
            return queryset, False
        matches = search.staff_matches(search_term)
        if matches is None:
            return queryset.none(), False
        sql, params = matches
        # The SQL is the search package's own; the editor's words are its parameters.
        return queryset.filter(pk__in=RawSQL(sql, params)), False  # noqa: S611

    @admin.display(description="State", ordering="status")
    def state(self, obj):
        if obj.status == Status.PUBLISHED and obj.published_at > timezone.now():
            when = date_format(timezone.localtime(obj.published_at), "D j M H:i")
            return format_html('<span title="Goes live by itself">Scheduled · {}</span>', when)
        return obj.get_status_display()

    class Media:
        js = ["admin/newsroom/photo-autocomplete.js"]
        css = {"all": ["admin/newsroom/body-editor.css", "admin/newsroom/photo-picker.css"]}

    @admin.display(description="Photo")
    def photo(self, obj):
        return thumbnail(obj.lead_image, 60)

    @admin.display(description="Byline")
    def byline(self, obj):
        return ", ".join(byline.author.name for byline in obj.bylines.all())

    # --- Actions ---------------------------------------------------------------

    def _apply(self, request, queryset, to, done):
        """Move each selected story to ``to`` through the workflow's rules, each saved
        as a revision of its own: one revision holding several stories could later be
        reverted as a whole."""
        count, refused = 0, []
        for story in queryset:
            try:
                moved = workflow.transition(story, to, request.user, comment=done)
            except PermissionDenied:
                refused.append(story)
                continue
            except ValidationError as error:
                reason = " ".join(error.messages)
                self.message_user(
                    request, f"“{story.headline}” was not changed: {reason}", messages.WARNING
                )
                continue
            count += moved
        noun = "story" if count == 1 else "stories"
        self.message_user(request, f"{done} {count} {noun}.")
        if refused:
            self.message_user(
                request,
                f"{len(refused)} of the selected stories are not yours to change.",
                messages.WARNING,
            )

    @admin.action(description="Submit the selected stories for review", permissions=["review"])
    def submit_for_review(self, request, queryset):
        self._apply(request, queryset, Status.REVIEW, "Submitted for review:")

    @admin.action(description="Publish the selected stories now", permissions=["publish"])
    def publish(self, request, queryset):
        self._apply(request, queryset, Status.PUBLISHED, "Published")

    @admin.action(description="Withdraw the selected stories from readers", permissions=["publish"])
    def withdraw(self, request, queryset):
        self._apply(request, queryset, Status.WITHDRAWN, "Withdrew")

    # --- Extra pages: preview, share links, compare, calendar -------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("calendar/", view(self.calendar_view), name="articles_article_calendar"),
            path(
                "<path:object_id>/preview/",
                view(self.preview_view),
                name="articles_article_preview",
            ),
            path("<path:object_id>/share/", view(self.share_view), name="articles_article_share"),
            path(
                "<path:object_id>/share/<uuid:link_id>/revoke/",
                view(self.revoke_view),
                name="articles_article_revoke",
            ),
            path(
                "<path:object_id>/history/compare/",
                view(self.compare_view),
                name="articles_article_compare",
            ),
            path(
                "<path:object_id>/live-updates/add/",
                view(lambda request, object_id: quick_add_view(self, request, object_id)),
                name="articles_article_live_add",
            ),
            *self._desk_urls(view),
            *super().get_urls(),
        ]

    def _visible_story(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404("No such story.")
        return obj

    def preview_view(self, request, object_id):
        return previews.render_preview(request, self._visible_story(request, object_id))

    def share_view(self, request, object_id):
        story = self._visible_story(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[story.pk]))
        if not (
            request.user.has_perm("articles.add_previewlink")
            and self.has_change_permission(request, story)
        ):
            raise PermissionDenied
        link = PreviewLink.objects.create(article=story, created_by=request.user)
        expires = date_format(timezone.localtime(link.expires_at), "j M Y, H:i")
        self.message_user(
            request,
            f"Share link created, valid until {expires}. Copy its address from "
            "“Share a preview” below.",
        )
        return HttpResponseRedirect(self._share_panel_url(story))

    def _share_panel_url(self, story):
        return reverse("admin:articles_article_change", args=[story.pk]) + "#share-links"

    def revoke_view(self, request, object_id, link_id):
        story = self._visible_story(request, object_id)
        if request.method != "POST":
            raise Http404("Revoke with the button on the story's page.")
        if not (
            request.user.has_perm("articles.change_previewlink")
            and self.has_change_permission(request, story)
        ):
            raise PermissionDenied
        updated = PreviewLink.objects.filter(
            pk=link_id, article=story, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if not updated:
            raise Http404("No such link.")
        self.message_user(request, "The share link was revoked; it no longer opens the preview.")
        return HttpResponseRedirect(self._share_panel_url(story))

    def compare_view(self, request, object_id):
        story = self._visible_story(request, object_id)
        versions = Version.objects.get_for_object(story).select_related("revision__user")
        try:
            older = versions.get(pk=int(request.GET.get("from", "")))
            newer = versions.get(pk=int(request.GET.get("to", "")))
        except (ValueError, Version.DoesNotExist):
            raise Http404("Choose two revisions of this story to compare.") from None
        if older.revision.date_created > newer.revision.date_created:
            older, newer = newer, older
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": story,
            "title": f"Changes to “{story.headline}”",
            "older": older,
            "newer": newer,
            "changes": compare_versions(older, newer),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def calendar_view(self, request):
        """The calendar of a week, or with ``period=day|week`` the planning budget
        (``articles.admin.planning``)."""
        return planning_page(self, request)

    # --- Views with object-level checks that reversion leaves to us -----------

    def history_view(self, request, object_id, extra_context=None):
        story = self._visible_story(request, object_id)
        versions = Version.objects.get_for_object(story).select_related("revision")
        context = {
            "compare_versions": versions,
            "note_history": desk.note_history(request.user, story),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        story = self._visible_story(request, object_id)
        if not self.has_change_permission(request, story):
            raise PermissionDenied
        version = story_version(version_id, story.pk)
        if version is None:
            raise Http404("No such revision of this story.")
        request.reverting_to_revision = True
        request.revision_to_restore = version
        return super().revision_view(request, object_id, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not is_editor(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not is_editor(request.user):
            raise PermissionDenied
        if story_version(version_id) is None:
            raise Http404("No such deleted story.")
        request.reverting_to_revision = True
        return super().recover_view(request, version_id, extra_context)

    def _reversion_revisionform_view(self, request, version, template_name, extra_context=None):
        """reversion's revision form, reverting only this story (``revert_story``)
        instead of everything its revision holds. As in reversion, a GET shows the
        form and undoes the revert; a POST that saves keeps it, as one revision."""
        try:
            with transaction.atomic():
                revert_story(version)
                with self.create_revision(request):
                    response = self.changeform_view(
                        request, version.object_id, request.path, extra_context
                    )
                    if request.method == "POST" and response.status_code == 302:
                        when = date_format(
                            timezone.localtime(version.revision.date_created), "j M Y, H:i"
                        )
                        reversion.set_comment(f"Reverted to the version saved on {when}")
                    elif response.status_code == 200:
                        response.template_name = template_name
                        response.render()
                        raise _RollBackRevisionView(response)
                    else:
                        raise RevertError("That version of the story could not be loaded.")
        except RevertError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
        except _RollBackRevisionView as rolled_back:
            return rolled_back.response
        return response

    def changelist_view(self, request, extra_context=None):
        # Not VersionAdmin's: it wraps the whole list, bulk actions included, in one
        # revision, which would bundle every selected story together (see _apply).
        context = {
            "can_recover": is_editor(request.user),
            "has_change_permission": self.has_change_permission(request),
            # The tag filter's autocomplete box brings its scripts.
            "media": self.media
            + AutocompleteSelect(Article._meta.get_field("tags"), self.admin_site).media
            + forms.Media(js=["admin/newsroom/tag-filter.js"]),
            **(extra_context or {}),
        }
        return admin.ModelAdmin.changelist_view(self, request, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        story = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if story is not None and self.has_view_permission(request, story):
            if request.method == "GET":
                self._note_who_else_is_editing(request, story)
            context["preview_url"] = reverse("admin:articles_article_preview", args=[story.pk])
            context["share_links"] = (
                [
                    {"link": link, "address": request.build_absolute_uri(previews.share_url(link))}
                    for link in previews.active_links(story)
                ]
                if request.user.has_perm("articles.add_previewlink")
                else []
            )
            context["can_share"] = request.user.has_perm(
                "articles.add_previewlink"
            ) and self.has_change_permission(request, story)
            context.update(self._desk_context(request, story))
            context.update(notes_context(request, story))
            context["live_quick_add"] = quick_add_context(request, story, self.admin_site)
        return super().change_view(request, object_id, form_url, context)

    def render_change_form(self, request, context, *args, **kwargs):
        # The body editor's import map is the admin's one inline script; the CSP
        # (settings.CONTENT_SECURITY_POLICY) lets it run by this response's nonce alone.
        context["media"] = Media.from_media(context["media"], nonce=request.csp_nonce)
        return super().render_change_form(request, context, *args, **kwargs)

    def add_view(self, request, form_url="", extra_context=None):
        context = {**self._desk_context(request, None), **(extra_context or {})}
        return super().add_view(request, form_url, context)

    def _note_who_else_is_editing(self, request, story):
        now = timezone.now()
        since = now - timedelta(minutes=settings.EDITING_PRESENCE_MINUTES)
        others = (
            EditingPresence.objects.filter(article=story, seen_at__gte=since)
            .exclude(user=request.user)
            .select_related("user")
        )
        for presence in others:
            name = presence.user.get_full_name() or presence.user.username
            minutes = int((now - presence.seen_at).total_seconds() // 60)
            ago = "just now" if minutes < 1 else f"{minutes} min ago"
            self.message_user(
                request,
                f"{name} opened this story for editing {ago}. Talk to them before you both "
                "save: the second save will be refused.",
                messages.WARNING,
            )
        if self.has_change_permission(request, story):
            EditingPresence.objects.update_or_create(
                article=story, user=request.user, defaults={"seen_at": now}
            )

    # --- Autosave, live preview, search and social (templates/.../desk/) -------

    def _desk_urls(self, view):
        return [
            path("autosave/", view(self.autosave_view), name="articles_article_autosave_new"),
            path(
                "<path:object_id>/autosave/",
                view(self.autosave_view),
                name="articles_article_autosave",
            ),
            path(
                "live-preview/",
                view(self.live_preview_view),
                name="articles_article_live_preview_new",
            ),
            path(
                "<path:object_id>/live-preview/",
                view(self.live_preview_view),
                name="articles_article_live_preview",
            ),
        ]

    def _desk_context(self, request, story):
        """What the change form's desk tools need, only where this user may save the form:
        the search and social fallbacks and limits, the body's length, the autosave and
        live preview addresses, and the offer to restore their autosave."""
        if not access.may_autosave(request.user, story):
            return {}
        # The card's picture by the story's own fallback, read in one query at most.
        photo_id = seo.social_photo(story.social_image_id, story.lead_image_id) if story else None
        photo = Image.objects.filter(pk=photo_id).only("renditions").first() if photo_id else None
        words = story.word_count if story is not None else 0
        context = {
            "desk_tools": True,
            "seo_fallbacks": seo.FALLBACKS,
            "seo_limits": seo.LIMITS,
            "site_url": settings.SITE_URL,
            "story_path": story.path if story is not None and story.path else "",
            "card_image_url": photo.thumbnail_url if photo else "",
            "word_count": words,
            "reading_minutes": seo.reading_minutes(words),
            "words_per_minute": seo.WORDS_PER_MINUTE,
        }
        args = [story.pk] if story is not None else []
        suffix = "" if story is not None else "_new"
        context.update(
            {
                "autosave_url": reverse(f"admin:articles_article_autosave{suffix}", args=args),
                "live_preview_url": reverse(
                    f"admin:articles_article_live_preview{suffix}", args=args
                ),
            }
        )
        kept = autosave.find(request.user, story)
        if kept is not None and self._restoring(request):
            context["autosave_restored"] = {
                "saved_at": kept.saved_at,
                "behind": autosave.is_behind(kept, story),
            }
        elif kept is not None:
            context["autosave_offer"] = {
                "saved_at": kept.saved_at,
                "changes": autosave.changes(kept, story),
                "behind": autosave.is_behind(kept, story),
                "restore_url": "?restore=autosave",
            }
        return context

    @staticmethod
    def _restoring(request):
        """The editor chose "Restore my changes" (a GET: only the form is filled)."""
        return request.method == "GET" and request.GET.get("restore") == "autosave"

    def _with_autosave_restored(self, request, obj, form):
        """The form, starting from this user's autosave when they chose to restore it.
        The autosave's opened version goes in too: the stale-save check still holds."""
        if not self._restoring(request):
            return form
        kept = autosave.find(request.user, obj)
        if kept is None or not access.may_autosave(request.user, obj):
            return form
        restored = autosave.form_initial(kept)

        class Restored(form):
            def __init__(self, *args, **kwargs):
                kwargs["initial"] = {**(kwargs.get("initial") or {}), **restored}
                super().__init__(*args, **kwargs)

        Restored.__name__ = form.__name__
        return Restored

    def autosave_view(self, request, object_id=None):
        """GET: my autosave of this story, as JSON (404 if none). POST: keep the form's
        unsaved fields (``discard=1``: forget them). Never touches the story."""
        story = self._visible_story(request, object_id) if object_id else None
        if request.method == "GET":
            kept = autosave.find(request.user, story)
            if kept is None:
                return JsonResponse({"error": "No autosave."}, status=404)
            return JsonResponse(
                {
                    "saved_at": kept.saved_at.isoformat(),
                    "based_on_version": kept.based_on_version,
                    "data": kept.data,
                }
            )
        if request.method != "POST":
            return HttpResponseNotAllowed(["GET", "POST"])
        if request.POST.get("discard"):
            if not access.may_autosave(request.user, story):
                raise PermissionDenied
            autosave.discard(request.user, story)
            return JsonResponse({"saved_at": None})
        try:
            kept = autosave.keep(request.user, story, request.POST)
        except autosave.TooLarge as error:
            return JsonResponse({"error": str(error)}, status=400)
        if kept is None:
            return JsonResponse({"saved_at": None})
        when = timezone.localtime(kept.saved_at)
        return JsonResponse(
            {"saved_at": kept.saved_at.isoformat(), "saved_label": date_format(when, "H:i:s")}
        )

    def live_preview_view(self, request, object_id=None):
        """The form as it stands, unsaved, through the reader's story template."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if object_id:
            story = self._visible_story(request, object_id)
            if not self.has_change_permission(request, story):
                raise PermissionDenied
        else:
            story = None
            if not self.has_add_permission(request):
                raise PermissionDenied
        form_class = self.get_form(request, story, change=story is not None)
        data = request.POST.copy()
        # Nothing is saved, so no version can be stale; the check is left out.
        data["opened_version"] = story.edit_version if story is not None else ""
        unsaved = Article(created_by=request.user) if story is None else story
        with transaction.atomic():
            form = form_class(data, instance=unsaved)
            form.is_valid()  # the valid fields are on the instance; the rest keep theirs
        tags = form.cleaned_data.get("tags")
        return previews.render_live_preview(request, form.instance, tags)
