"""The photo library in the admin: safe uploads, thumbnails, and where each photo is used."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .. import access
from ..models import Article, Image


def thumbnail(image, size=96):
    url = image.thumbnail_url if image else ""
    if not url:
        return "—"
    return format_html('<img src="{}" width="{}" alt="" style="border-radius:3px">', url, size)


class ImageForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "alt_text", "caption", "credit", "focal_x", "focal_y"]
        # Judged by content in Image.clean(), with messages an editor can act on,
        # rather than by Django's generic image check.
        field_classes = {"file": forms.FileField}


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = [
        "preview",
        "alt_text",
        "caption",
        "credit",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_display_links = ["preview", "alt_text"]
    search_fields = ["caption", "credit", "alt_text"]
    readonly_fields = ["current", "size", "body_address", "used_in", "uploaded_by", "uploaded_at"]
    fieldsets = [
        (None, {"fields": ["file", "current", "alt_text", "caption", "credit"]}),
        (
            "Cropping",
            {
                "fields": ["focal_x", "focal_y"],
                "description": "Listing thumbnails are cropped to 3:2 around this point.",
            },
        ),
        ("Use", {"fields": ["body_address", "used_in", "size", "uploaded_by", "uploaded_at"]}),
    ]

    class Media:
        js = ["admin/newsroom/image-preview.js"]

    def get_queryset(self, request):
        # The library, the change page and the lead-photo autocomplete alike.
        return access.photos_visible_to(request.user, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        photo = super().get_object(request, object_id, from_field)
        if photo is not None:
            photo.viewer = request.user  # used_in() lists only the stories they may see
        return photo

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Photo")
    def preview(self, obj):
        return thumbnail(obj)

    @admin.display(description="Current picture")
    def current(self, obj):
        return thumbnail(obj, 320) if obj.pk else "—"

    @admin.display(description="Size")
    def size(self, obj):
        return f"{obj.width} × {obj.height}" if obj.width else "—"

    @admin.display(description="Address to place in a story body")
    def body_address(self, obj):
        return obj.body_url or "—"

    @admin.display(description="Used in")
    def used_in(self, obj):
        if not obj.pk:
            return "—"
        folder = obj.file.name.rsplit("/", 1)[0] + "/"
        stories = Article.objects.filter(Q(lead_image=obj) | Q(body__contains=folder))
        stories = access.stories_visible_to(obj.viewer, stories).only("headline", "lead_image_id")
        if not stories:
            return "Not used in any story you can see."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse("admin:articles_article_change", args=[story.pk]),
                        story.headline,
                        "lead photo" if story.lead_image_id == obj.pk else "in the body",
                    )
                    for story in stories
                ),
            ),
        )
