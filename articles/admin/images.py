"""
The photo library in the admin: safe uploads, thumbnails, where each photo is used, the
focal point set by clicking the picture, and the library as JSON for the body editor's
photo picker. Who may change a photo, and its picture, is asked of ``articles.access``.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django_prose_editor.widgets import AdminProseEditorWidget

from .. import access
from ..images.presentation import media_url
from ..models import Image, PhotoPlacement
from .lists import FastLinksChangeList

LIBRARY_PAGE_SIZE = 24  # photos a page of the body editor's picker shows


def thumbnail(image, size=96, alt=""):
    url = image.thumbnail_url if image else ""
    if not url:
        return "—"
    return format_html('<img src="{}" width="{}" alt="{}" class="photo-thumb">', url, size, alt)


def library_entry(photo):
    """One photo as the body editor's picker shows and places it: ``src`` is the address
    the reader path recognises in a body (``articles.images.placement``)."""
    return {
        "id": photo.pk,
        "src": photo.body_url,
        "thumbnail": photo.thumbnail_url,
        "alt": photo.alt_text,
        "caption": photo.caption,
        "credit": photo.credit,
    }


class ImageForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "alt_text", "caption", "credit", "focal_x", "focal_y"]
        # Judged by content in Image.clean(), with messages an editor can act on,
        # rather than by Django's generic image check.
        field_classes = {"file": forms.FileField}


class BodyEditorWithLibrary(AdminProseEditorWidget):
    """The story body's editor with "Photo from the library" in its menu: a
    django-prose-editor extension (``static/admin/newsroom/photo-picker.js``) given the
    address of this library's JSON (``ImageAdmin.library_view``)."""

    def get_config(self):
        config = super().get_config()
        extensions = {
            **config.get("extensions", {}),
            "LibraryPhoto": {"address": reverse("admin:articles_image_library")},
        }
        modules = [*config.get("js_modules", []), static("admin/newsroom/photo-picker.js")]
        return {**config, "extensions": extensions, "js_modules": modules}


def with_library_picker(field):
    """``field`` (a story body's form field) with the library photo picker in its editor."""
    old = field.widget
    field.widget = BodyEditorWithLibrary(attrs=old.attrs, config=old.config, preset=old.preset)
    return field


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
    list_select_related = ["uploaded_by"]  # one query for the page, not one per photo
    # A screenful or two of thumbnails, as the story list pages by 50: rendering the
    # admin's rows is most of the library's cost (100 rows: 230 ms of CPU for a writer).
    list_per_page = 50
    # One count per page: "N photos in all" would count the whole library a second time.
    show_full_result_count = False
    search_fields = ["caption", "credit", "alt_text"]
    readonly_fields = [
        "current",
        "focal_point",
        "size",
        "body_address",
        "used_in",
        "uploaded_by",
        "uploaded_at",
    ]
    # The picture itself: only those who may replace it change these (access.py).
    picture_fields = ["file", "focal_x", "focal_y"]
    fieldsets = [
        (None, {"fields": ["file", "current", "alt_text", "caption", "credit"]}),
        (
            "Cropping",
            {
                "fields": ["focal_point", "focal_x", "focal_y"],
                "description": "Listing thumbnails are cropped to 3:2 around the focal point. "
                "Click the subject in the picture to set it; the two numbers set it exactly.",
            },
        ),
        ("Use", {"fields": ["body_address", "used_in", "size", "uploaded_by", "uploaded_at"]}),
    ]

    class Media:
        js = ["admin/newsroom/image-preview.js", "admin/newsroom/focal-point.js"]
        css = {"all": ["admin/newsroom/photos.css"]}

    def get_changelist(self, request, **kwargs):
        return FastLinksChangeList  # two links a row: reversed once a page, not 200 times

    def get_queryset(self, request):
        # The library, the change page, the lead-photo autocomplete and the picker alike.
        return access.photos_visible_to(request.user, super().get_queryset(request))

    def has_change_permission(self, request, obj=None):
        return access.may_change_photo(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not access.may_replace_picture(request.user, obj):
            fields += self.picture_fields
        return fields

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("library/", view(self.library_view), name="articles_image_library"),
            *super().get_urls(),
        ]

    def library_view(self, request):
        """The photos this user may see, newest first, as JSON for the body editor's
        picker (``static/admin/newsroom/photo-picker.js``); ``q`` searches as the library
        does, ``page`` pages through."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        photos = self.get_queryset(request).exclude(renditions={})
        photos, _ = self.get_search_results(request, photos, request.GET.get("q", "").strip())
        try:
            number = min(max(1, int(request.GET.get("page", 1))), 10_000)
        except ValueError:
            number = 1
        start = (number - 1) * LIBRARY_PAGE_SIZE
        rows = list(photos[start : start + LIBRARY_PAGE_SIZE + 1])  # one more: is there a next?
        return JsonResponse(
            {
                "photos": [library_entry(photo) for photo in rows[:LIBRARY_PAGE_SIZE]],
                "page": number,
                "more": len(rows) > LIBRARY_PAGE_SIZE,
            }
        )

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
        # A link to the photo's page: its picture alone would leave the link nameless.
        return thumbnail(obj, alt=f"Edit photo: {obj.alt_text or obj.caption or obj.pk}")

    @admin.display(description="Current picture")
    def current(self, obj):
        return thumbnail(obj, 320) if obj.pk else "—"

    @admin.display(description="Focal point")
    def focal_point(self, obj):
        """The whole picture, uncropped, with the focal point marked; focal-point.js makes
        a click on it set the point (and the arrow keys move it)."""
        sizes = obj.renditions.get("full") if obj.pk else None
        if not sizes:
            return "Set once the picture is uploaded."
        shown = sizes[1] if len(sizes) > 1 else sizes[0]
        return format_html(
            '<span class="focal-picker" data-focal-x="{}" data-focal-y="{}">'
            '<img src="{}" width="{}" height="{}" alt="{}">'
            '<span class="focal-marker" hidden></span></span>',
            obj.focal_x,
            obj.focal_y,
            media_url(shown["fallback"]),
            shown["w"],
            shown["h"],
            obj.alt_text,
        )

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
        uses = {}
        for story_id, headline, role in (
            PhotoPlacement.objects.filter(photo=obj)
            .filter(access.story_q(obj.viewer, prefix="story__"))
            .order_by("-story__updated_at", "story", "role")
            .values_list("story", "story__headline", "role")
        ):
            uses.setdefault((story_id, headline), []).append(PhotoPlacement.Role(role).label)
        if not uses:
            return "Not used in any story you can see."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse("admin:articles_article_change", args=[story_id]),
                        headline,
                        ", ".join(roles),
                    )
                    for (story_id, headline), roles in uses.items()
                ),
            ),
        )
