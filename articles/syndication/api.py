"""
The read API for apps and partners: live stories as JSON, in the JSON Feed item shape.

``/api/articles/`` filters with django-filter (section, tag, author, published
after/before, a text query) and pages with ``?page=``; ``/api/articles/<id>/`` is
one story. Every answer rests on ``Article.objects.live()``. A bad filter value is
a 400 with the field errors as JSON, never a 500.
"""

from datetime import UTC

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.utils import timezone

from ..models import Article
from ..reader import queries
from ..reader.pagecache import reader_page
from ..reader.paging import PAGE_SIZE, Page
from .feeds import entry, json_item

MAX_PAGE_SIZE = 100


class MomentField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 moment, kept in UTC: any offset a reader can type is accepted or
    refused with a message, never passed to the database as is."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Enter a date between the years 1800 and 2999.") from None
        if not 1800 <= moment.year <= 2999:
            raise forms.ValidationError("Enter a date between the years 1800 and 2999.")
        return moment


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class ArticleFilter(django_filters.FilterSet):
    section = django_filters.CharFilter(field_name="section__slug", help_text="A section slug.")
    tag = django_filters.CharFilter(field_name="tags__slug", distinct=True)
    author = django_filters.CharFilter(field_name="authors__slug", distinct=True)
    published_after = MomentFilter(field_name="published_at", lookup_expr="gte")
    published_before = MomentFilter(field_name="published_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", max_length=200)

    class Meta:
        model = Article
        fields = []

    def search(self, queryset, name, value):
        words = value.split()[:10]
        for word in words:
            queryset = queryset.filter(
                Q(headline__icontains=word) | Q(dek__icontains=word) | Q(body__icontains=word)
            )
        return queryset


class Paging(forms.Form):
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)
    page_size = forms.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)


def bad_request(errors):
    return JsonResponse({"errors": errors}, status=400)


def present(rows):
    authors, tags = queries.labels([row["id"] for row in rows])
    items = []
    for row in rows:
        item = json_item(entry(row, authors[row["id"]], tags[row["id"]]))
        item["api_id"] = row["id"]
        item["section"] = (
            {"name": row["section_name"], "slug": row["section_slug"]}
            if row["section_slug"]
            else None
        )
        items.append(item)
    return items


@reader_page
def article_list(request):
    now = timezone.now()
    paging = Paging(request.GET)
    filters = ArticleFilter(request.GET, queryset=Article.objects.live(now))
    if not paging.is_valid():
        return bad_request(paging.errors.get_json_data())
    if not filters.is_valid():
        return bad_request(filters.errors.get_json_data())
    number = paging.cleaned_data["page"] or 1
    size = paging.cleaned_data["page_size"] or PAGE_SIZE
    ids = filters.qs.order_by("-published_at", "-id").values_list("id", flat=True)
    try:
        page = Page.fetch(number, lambda limit, offset: ids[offset : offset + limit], size)
    except Http404:  # past the end: the API answers an empty page, with a link back
        page = Page(number, [], has_next=False)
    rows = queries.stories_by_id(page.stories, now)
    query = request.GET.copy()

    def link(number):
        query["page"] = number
        return f"{settings.SITE_URL}{request.path}?{query.urlencode()}"

    return JsonResponse(
        {
            "items": present(rows),
            "page": page.number,
            "next": link(number + 1) if page.has_next else None,
            "previous": link(number - 1) if page.has_previous else None,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@reader_page
def article_detail(request, pk):
    rows = queries.stories_by_id([pk], timezone.now())
    if not rows:
        return JsonResponse({"errors": {"id": ["No live story has this id."]}}, status=404)
    return JsonResponse(present(rows)[0], json_dumps_params={"ensure_ascii": False})
