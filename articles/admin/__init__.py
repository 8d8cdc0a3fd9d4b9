"""The editors' interface: stories, sections and authors in the Django admin."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from ..models import Article, Author, Byline, Section


class BylineInline(admin.TabularInline):
    model = Byline
    fields = ["author", "position"]
    autocomplete_fields = ["author"]
    extra = 1
    verbose_name = "byline author"
    verbose_name_plural = "Byline (in order)"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "section", "state", "published_at", "byline"]
    list_filter = ["status", "section", "featured", "tags"]
    list_select_related = ["section"]
    search_fields = ["headline", "dek", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section"]
    inlines = [BylineInline]
    actions = ["publish", "unpublish"]
    readonly_fields = ["path", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["headline", "dek", "body"]}),
        ("Filing", {"fields": ["section", "tags", "dateline", "featured"]}),
        ("Publication", {"fields": ["status", "published_at", "slug", "path"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("bylines__author")
        match = request.resolver_match
        if match and match.url_name == "articles_article_changelist":
            queryset = queryset.defer("body")  # the list never shows bodies
        return queryset

    def view_on_site(self, obj):
        return obj.path if obj.is_live else None

    @admin.display(description="State", ordering="status")
    def state(self, obj):
        if obj.status == Article.Status.PUBLISHED and obj.published_at > timezone.now():
            when = date_format(timezone.localtime(obj.published_at), "D j M H:i")
            return format_html('<span title="Goes live by itself">Scheduled · {}</span>', when)
        return obj.get_status_display()

    @admin.display(description="Byline")
    def byline(self, obj):
        return ", ".join(byline.author.name for byline in obj.bylines.all())

    @admin.action(description="Publish the selected stories", permissions=["change"])
    def publish(self, request, queryset):
        count = 0
        with transaction.atomic():
            for story in queryset.exclude(status=Article.Status.PUBLISHED):
                if not story.body.strip():
                    self.message_user(
                        request,
                        f"“{story.headline}” has no body and was not published.",
                        messages.WARNING,
                    )
                    continue
                story.status = Article.Status.PUBLISHED
                story.save()
                count += 1
        self.message_user(request, f"Published {count} {'story' if count == 1 else 'stories'}.")

    @admin.action(description="Unpublish the selected stories", permissions=["change"])
    def unpublish(self, request, queryset):
        count = 0
        with transaction.atomic():
            for story in queryset.filter(status=Article.Status.PUBLISHED):
                story.status = Article.Status.DRAFT
                story.save()
                count += 1
        self.message_user(request, f"Unpublished {count} {'story' if count == 1 else 'stories'}.")


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
