"""Sections, authors and tags. Renaming or merging a tag keeps its old address working."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import Count
from django.template.response import TemplateResponse
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from .. import access
from ..editorial.taxonomy import merge_tags, rename_tag
from ..models import Author, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["user"]


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        label="Keep this tag",
        help_text="Stories with any of the selected tags get this one; the others are removed "
        "and their pages redirect here.",
    )


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(TaggitTagAdmin):
    """Taggit's admin, with merging rebuilt for Newsroom's own tag links."""

    inlines = []
    list_display = ["name", "slug", "story_count"]
    actions = ["merge"]

    def get_urls(self):
        # Taggit's own merge page works on its generic tag links, not ours.
        return admin.ModelAdmin.get_urls(self)

    def get_queryset(self, request):
        tags = access.tags_visible_to(request.user, super().get_queryset(request))
        return tags.annotate(story_count=Count("articles_taggedarticle_items"))

    @admin.display(description="Stories", ordering="story_count")
    def story_count(self, obj):
        return obj.story_count

    def save_model(self, request, obj, form, change):
        old_slug = Tag.objects.filter(pk=obj.pk).values_list("slug", flat=True).first()
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change:
                rename_tag(obj, old_slug)

    @admin.action(description="Merge the selected tags", permissions=["change", "delete"])
    def merge(self, request, queryset):
        form = MergeForm(request.POST if "apply" in request.POST else None)
        form.fields["target"].queryset = queryset
        if len(queryset) < 2:
            self.message_user(request, "Select at least two tags to merge.", messages.WARNING)
            return None
        if form.is_valid():
            target = form.cleaned_data["target"]
            merge_tags(list(queryset.exclude(pk=target.pk)), target)
            self.message_user(request, f"Merged {len(queryset) - 1} tags into “{target}”.")
            return None
        return TemplateResponse(
            request,
            "admin/taggit/tag/merge.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Merge tags",
                "form": form,
                "tags": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
