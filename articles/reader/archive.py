"""The archive: every live story, filtered by section, tag, author and dates (django-filter).

Filters come from the query string, so a filtered page can be bookmarked; a bad
value shows the form's error on the page instead of failing.
"""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.conf import settings
from django.utils import timezone

from .. import access
from ..models import Article, Section
from ..models.live import LIVE_SCOPE
from . import metadata, queries
from .pagecache import reader_page
from .paging import Page, page_number
from .presenters import present_listing
from .views import render

ORDERINGS = {"newest": ("-published_at", "-id"), "oldest": ("published_at", "id")}


class ArchiveDateField(forms.DateField):
    """A date a newsroom's archive can hold: outside these years it is a form error,
    not an arithmetic overflow."""

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not 1800 <= day.year <= 2999:
            raise forms.ValidationError("Enter a date between the years 1800 and 2999.")
        return day


class DayInput(forms.DateInput):
    """A date picker. What is not a date (``?start=nope``) is shown empty, as a browser
    would show it anyway: a date input's value must be a date (HTML), and the error
    under the field says what was wrong."""

    input_type = "date"

    def format_value(self, value):
        if isinstance(value, str):
            try:
                date.fromisoformat(value)
            except ValueError:
                return None
        return super().format_value(value)


class ArchiveDateFilter(django_filters.DateFilter):
    field_class = ArchiveDateField


def local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


class ArchiveFilter(django_filters.FilterSet):
    section = django_filters.ModelChoiceFilter(
        queryset=Section.objects.all(), to_field_name="slug", empty_label="Any section"
    )
    tag = django_filters.ModelChoiceFilter(
        # Only tags and authors readers may know of: one known only through a draft
        # answers as if it did not exist (see articles.access).
        queryset=lambda request: access.public_tags(),
        to_field_name="slug",
        field_name="tags",
        widget=forms.TextInput(attrs={"placeholder": "a tag, e.g. ferries"}),
        help_text="The tag's name as in its address.",
    )
    author = django_filters.ModelChoiceFilter(
        queryset=lambda request: access.public_authors(),
        to_field_name="slug",
        field_name="authors",
        empty_label="Any author",
    )
    start = ArchiveDateFilter(label="From", method="from_day", widget=DayInput())
    end = ArchiveDateFilter(label="To", method="to_day", widget=DayInput())
    order = django_filters.ChoiceFilter(
        label="Order",
        method="ordered",
        empty_label=None,
        choices=[("newest", "Newest first"), ("oldest", "Oldest first")],
    )

    class Meta:
        model = Article
        fields = []

    def from_day(self, queryset, name, value):
        return queryset.filter(published_at__gte=local_midnight(value))

    def to_day(self, queryset, name, value):
        return queryset.filter(published_at__lt=local_midnight(value + timedelta(days=1)))

    def ordered(self, queryset, name, value):
        return queryset  # applied by the view, after filtering

    def clean_dates(self):
        start, end = self.form.cleaned_data.get("start"), self.form.cleaned_data.get("end")
        if start and end and start > end:
            self.form.add_error("end", "The end date is before the start date.")


@reader_page(scope=lambda: LIVE_SCOPE)  # it shows live stories' last-update times
def archive_search(request):
    number = page_number(request.GET.get("page"))
    now = timezone.now()
    filters = ArchiveFilter(request.GET, queryset=Article.objects.live(now))
    page = Page(number, [], has_next=False)
    valid = filters.is_valid()
    if valid:
        filters.clean_dates()
        valid = not filters.form.errors
    if valid:
        order = ORDERINGS[filters.form.cleaned_data.get("order") or "newest"]
        ids = filters.qs.distinct().order_by(*order).values_list("id", flat=True)
        page = Page.fetch(number, lambda limit, offset: ids[offset : offset + limit])
        page.stories = present_listing(queries.stories_by_id(page.stories, now))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "archive.html",
        {
            "form": filters.form,
            "valid": valid,
            "page": page,
            "query": query.urlencode() + "&" if query else "",
            "now": now,
            "meta": metadata.listing(
                request,
                "Archive",
                f"Every story from {settings.SITE_NAME}, by section, tag, author and date.",
                page.stories,
                keep=(*ArchiveFilter.base_filters, "page"),
            ),
        },
        status=200 if valid else 400,
    )
