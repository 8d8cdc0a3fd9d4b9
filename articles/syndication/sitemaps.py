"""
Sitemaps for search engines: stories (a file a month), sections, tags and authors
with their last change, and a Google News sitemap of the last 48 hours.

Sitemaps are read rarely, by crawlers, so they use the ORM, always through
``Article.objects.live()``: a draft, scheduled or withdrawn story is in none.
"""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Max, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from .. import access
from ..models import Article, Byline, Section, TaggedArticle
from ..reader import addresses
from ..reader.pagecache import reader_page

NEWS_WINDOW = timedelta(hours=48)
# Django's sitemap template with each lastmod a full time and zone, not only a date.
TEMPLATE = "sitemaps/urlset.xml"


def w3c_time(moment):
    """A time as sitemaps and Google News read it: in the newsroom's zone, to the second."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


class SiteSitemap(Sitemap):
    """Absolute addresses from SITE_URL, not from whatever Host a request carried."""

    limit = 5000

    def get_latest_lastmod(self):
        return max((item.latest for item in self.items() if item.latest), default=None)

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def location(self, item):
        return item.get_absolute_url()


MAX_SITEMAP_PAGE = 100_000  # 500 million stories at 5,000 a page


class UncountedPaginator(Paginator):
    """Pages of a sitemap without counting the archive first: a page is its slice, and
    past the last one the slice is empty (Django's sitemap view answers 404)."""

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        if number > MAX_SITEMAP_PAGE:  # an OFFSET past 64 bits is a database error, not a 404
            raise EmptyPage("That page contains no results")
        bottom = (number - 1) * self.per_page
        items = list(self.object_list[bottom : bottom + self.per_page])
        if not items and number > 1:
            raise EmptyPage("That page contains no results")
        return self._get_page(items, number, self)


class StorySitemap(SiteSitemap):
    """The live stories published in one month of the newsroom's calendar.

    One file a month, not numbered pages of the whole archive: a numbered page is an
    OFFSET past every newer story, and the index would have to count the archive to
    know how many pages there are. A month is found by its index range, and the
    sitemap index lists the months that have stories with one lookup each.
    """

    # The protocol's limit for one file: 1,600 stories a day, every day of a month.
    limit = 50_000

    def __init__(self, year, month):
        super().__init__()
        self.now = timezone.now()
        self.start, self.end = month_bounds(year, month)

    @property
    def paginator(self):
        return UncountedPaginator(self.items(), self.limit)

    def items(self):
        # Live at the month's end if it is past: one upper bound on the index, so a month
        # of long ago is not reached by walking down from today (see story_months).
        moment = min(self.now, self.end)
        stories = Article.objects.live(moment).filter(published_at__gte=self.start)
        if moment == self.end:
            stories = stories.filter(published_at__lt=self.end)
        return stories.only("path", "published_at", "updated_at", "revised_at").order_by(
            "-published_at", "-id"
        )

    def lastmod(self, story):
        # A note dated in the future is not public yet (queries.VISIBLE_NOTE).
        revised = story.revised_at if story.revised_at and story.revised_at <= self.now else None
        return max(t for t in (story.published_at, story.updated_at, revised) if t)

    def get_latest_lastmod(self):
        latest = self.items().aggregate(
            published=Max("published_at"),
            updated=Max("updated_at"),
            revised=Max("revised_at", filter=Q(revised_at__lte=self.now)),
        )
        return max((t for t in latest.values() if t), default=None)


def month_bounds(year, month):
    """The first moment of ``month`` and of the month after, in the newsroom's zone."""
    start = timezone.make_aware(datetime(year, month, 1))
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return start, timezone.make_aware(datetime(*following, 1))


def story_months(now):
    """(year, month) of every month with a live story, newest first.

    Each step asks for the newest live story before the month found last: one index
    lookup per month listed, whatever the archive holds, and empty months are jumped.
    """
    months, before = [], now
    while True:
        # Live *at* ``before`` (which is never after ``now``): one upper bound on the
        # index, not two; SQLite would walk down from ``now`` to reach ``< before``.
        found = Article.objects.live(before).order_by("-published_at")
        if before != now:
            found = found.filter(published_at__lt=before)
        newest = found.values_list("published_at", flat=True).first()
        if newest is None:
            return months
        local = timezone.localtime(newest)
        months.append((local.year, local.month))
        before, _ = month_bounds(local.year, local.month)


@reader_page
def story_sitemap(request, year, month):
    """One month's stories; a month with none (or no such month) is a 404."""
    if not 1 <= month <= 12 or not 1 <= year <= 9998:
        raise Http404("No such month.")
    sitemap = StorySitemap(year, month)
    if not sitemap.items().exists():
        raise Http404("No stories that month.")
    return sitemap_views.sitemap(request, {"stories": sitemap}, "stories", TEMPLATE)


def _newest(links):
    """The newest publication time among ``links`` (a queryset of stories, bylines or
    tag links filtered by ``OuterRef``), as a subquery that reads one index entry per
    item: a sitemap costs what it lists, not the whole archive (issue 13)."""
    return Subquery(links.order_by("-published_at").values("published_at")[:1])


class SectionSitemap(SiteSitemap):
    def items(self):
        now = timezone.now()
        stories = Article.objects.live(now).filter(section=OuterRef("pk"))
        return Section.objects.annotate(latest=_newest(stories)).order_by("position")

    def lastmod(self, section):
        return section.latest


class TagSitemap(SiteSitemap):
    def items(self):
        # Public tags only (access.py); a tag link carries its story's publication time
        # only while it is published, so the newest live one is an index lookup.
        now = timezone.now()
        links = TaggedArticle.objects.filter(tag=OuterRef("pk"), published_at__lte=now)
        return access.public_tags(now=now).annotate(latest=_newest(links)).order_by("name")

    def location(self, tag):
        return addresses.tag(tag.slug)

    def lastmod(self, tag):
        return tag.latest


class AuthorSitemap(SiteSitemap):
    def items(self):
        # Public authors only; a byline carries the time as a tag link does.
        now = timezone.now()
        bylines = Byline.objects.filter(author=OuterRef("pk"), published_at__lte=now)
        return access.public_authors(now=now).annotate(latest=_newest(bylines)).order_by("name")

    def lastmod(self, author):
        return author.latest


SITEMAPS = {
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}


@reader_page
def sitemap_index(request):
    """The index of every sitemap, with absolute addresses from SITE_URL: one a month of
    stories, newest first, then the sections, tags and authors."""
    entries = [
        {"loc": settings.SITE_URL + reverse("sitemap-stories", args=[year, month]), "lastmod": ""}
        for year, month in story_months(timezone.now())
    ]
    for name, cls in SITEMAPS.items():
        lastmod = cls().get_latest_lastmod()
        entries.append(
            {
                "loc": settings.SITE_URL + reverse("sitemap-section", args=[name]),
                "lastmod": lastmod.isoformat() if lastmod else "",
            }
        )
    body = engines["reader"].get_template("feeds/sitemap-index.xml").render({"entries": entries})
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


@reader_page
def news_sitemap(request):
    """Stories published in the last 48 hours, in Google News' format."""
    now = timezone.now()
    stories = (
        Article.objects.live(now)
        .filter(published_at__gte=now - NEWS_WINDOW)
        .only("headline", "path", "published_at")
        .order_by("-published_at")[:1000]
    )
    body = (
        engines["reader"]
        .get_template("feeds/news-sitemap.xml")
        .render(
            {
                "stories": [
                    {
                        "loc": settings.SITE_URL + story.path,
                        "title": story.headline,
                        "date": w3c_time(story.published_at),
                    }
                    for story in stories
                ],
                "language": settings.SITE_LANGUAGE.split("-")[0],
            }
        )
    )
    response = HttpResponse(body, content_type="application/xml; charset=utf-8")
    if stories:
        # The oldest story leaves the sitemap 48 hours after it was published.
        response.valid_until = stories[len(stories) - 1].published_at + NEWS_WINDOW
    return response


@reader_page
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /api/",
        "",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
        f"Sitemap: {settings.SITE_URL}/news-sitemap.xml",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
