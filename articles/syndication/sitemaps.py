"""
Sitemaps for search engines: stories, sections, tags and authors with their last
change, and a Google News sitemap of the last 48 hours.

Sitemaps are read rarely, by crawlers, so they use the ORM, always through
``Article.objects.live()``: a draft, scheduled or withdrawn story is in none.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Max, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.template import engines
from django.utils import timezone

from .. import access
from ..models import Article, Byline, Section, TaggedArticle
from ..reader import addresses
from ..reader.pagecache import reader_page

NEWS_WINDOW = timedelta(hours=48)


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
    def __init__(self):
        super().__init__()
        self.now = timezone.now()

    @property
    def paginator(self):
        # The index still counts the pages (Paginator.num_pages); a page does not.
        return UncountedPaginator(self._items(), self.limit)

    def items(self):
        return (
            Article.objects.live(self.now)
            .only("path", "published_at", "updated_at", "revised_at")
            .order_by("-published_at", "-id")
        )

    def lastmod(self, story):
        # A note dated in the future is not public yet (queries.VISIBLE_NOTE).
        revised = story.revised_at if story.revised_at and story.revised_at <= self.now else None
        return max(t for t in (story.published_at, story.updated_at, revised) if t)

    def get_latest_lastmod(self):
        # One aggregate, not a walk over every story (Django's default).
        latest = Article.objects.live(self.now).aggregate(
            published=Max("published_at"),
            updated=Max("updated_at"),
            revised=Max("revised_at", filter=Q(revised_at__lte=self.now)),
        )
        return max((t for t in latest.values() if t), default=None)


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
    "stories": StorySitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}


@reader_page
def sitemap_index(request):
    """The index of every sitemap page, with absolute addresses from SITE_URL."""
    entries = []
    for name, cls in SITEMAPS.items():
        sitemap = cls()
        lastmod = sitemap.get_latest_lastmod()
        for page in range(1, sitemap.paginator.num_pages + 1):
            location = f"{settings.SITE_URL}/sitemap-{name}.xml"
            entries.append(
                {
                    "loc": location if page == 1 else f"{location}?p={page}",
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
                        "date": story.published_at.isoformat(),
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
