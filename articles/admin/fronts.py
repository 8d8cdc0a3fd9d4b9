"""Pinning stories to the home page and to section fronts."""

from django.contrib import admin

from ..models import Front, Pin


class FrontFilter(admin.SimpleListFilter):
    title = "front"
    parameter_name = "front"

    def lookups(self, request, model_admin):
        from ..models import Section

        return [("home", "Home page")] + [(str(s.pk), s.name) for s in Section.objects.all()]

    def queryset(self, request, queryset):
        if self.value() == "home":
            return queryset.filter(section__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(section_id=int(self.value()))
        return queryset


@admin.register(Pin)
class PinAdmin(admin.ModelAdmin):
    list_display = ["story", "front", "position", "live"]
    list_editable = ["position"]
    list_filter = [FrontFilter]
    list_select_related = ["article", "section"]
    autocomplete_fields = ["article", "section"]
    fields = ["section", "article", "position"]

    @admin.display(description="Front", ordering="section__position")
    def front(self, pin):
        return pin.section.name if pin.section_id else "Home page"

    @admin.display(description="Story", ordering="article__headline")
    def story(self, pin):
        return pin.article.headline

    @admin.display(description="Readers see it", boolean=True)
    def live(self, pin):
        return pin.article.is_live


@admin.register(Front)
class FrontAdmin(admin.ModelAdmin):
    """Per front, how many stories its top block holds (the lead and those beside it)."""

    list_display = ["front", "top_stories"]
    list_editable = ["top_stories"]
    list_select_related = ["section"]
    autocomplete_fields = ["section"]
    fields = ["section", "top_stories"]

    @admin.display(description="Front", ordering="section__position")
    def front(self, layout):
        return str(layout)
