"""The admin site: its home is the signed-in person's desk (``articles.admin.desk``),
and photo thumbnails show in autocomplete results."""

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.urls import path


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
    index_title = "Your desk"
    index_template = "admin/desk.html"

    def autocomplete_view(self, request):
        return PhotoAwareAutocomplete.as_view(admin_site=self)(request)

    def index(self, request, extra_context=None):
        from articles.admin import desk

        return super().index(request, {**desk.dashboard_context(request), **(extra_context or {})})

    def get_urls(self):
        # Imported here: the site is built before the apps' models are ready.
        from articles.admin import desk

        view = self.admin_view
        return [
            path("desk/inbox/read/", view(desk.mark_read), name="desk_mark_read"),
            path("desk/stories/<int:story_id>/notes/", view(desk.add_note), name="desk_add_note"),
            path(
                "desk/notes/<int:note_id>/resolve/",
                view(desk.resolve_note),
                name="desk_resolve_note",
            ),
            path(
                "desk/notes/<int:note_id>/reopen/", view(desk.reopen_note), name="desk_reopen_note"
            ),
            path(
                "desk/stories/<int:story_id>/request-changes/",
                view(desk.request_changes),
                {"admin_site": self},
                name="desk_request_changes",
            ),
            *super().get_urls(),
        ]
