"""The admin site, with photo thumbnails in autocomplete results."""

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView


class PhotoAwareAutocomplete(AutocompleteJsonView):
    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        thumbnail = getattr(obj, "thumbnail_url", None)
        if thumbnail:
            result["thumbnail"] = thumbnail
        return result


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Newsroom"
    site_title = "Newsroom admin"
    index_title = "Stories, photos, sections and authors"

    def autocomplete_view(self, request):
        return PhotoAwareAutocomplete.as_view(admin_site=self)(request)
