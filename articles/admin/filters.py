"""The story list's "on my desk" filter: the same stories as the dashboard's blocks
(``articles.editorial.desk.desk_stories``), so a block's "more" link shows all of them."""

from django.contrib import admin

from .. import access
from ..editorial import desk


class DeskFilter(admin.SimpleListFilter):
    title = "on my desk"
    parameter_name = "desk"
    CHOICES = [
        ("assigned", "Assigned to me"),
        ("drafts", "My drafts"),
        ("notes", "With open notes"),
        ("review", "Waiting for review"),
        ("next24h", "Going out in the next 24 hours"),
        ("today", "Published today"),
    ]

    def lookups(self, request, model_admin):
        choices = self.CHOICES
        if not access.is_editor(request.user):
            choices = [choice for choice in choices if choice[0] != "review"]
        return choices

    def queryset(self, request, queryset):
        if self.value() not in dict(self.CHOICES):
            return queryset
        wanted = desk.desk_stories(request.user, self.value()).values("pk")
        return queryset.filter(pk__in=wanted)
