"""The site's addresses: the reader site, its feed and the editors' admin."""

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path, register_converter

from articles.editorial import previews
from articles.images import media
from articles.reader import addresses, archive, updates
from articles.reader import views as reader
from articles.reader.pagecache import reader_page
from articles.syndication import api, feeds, livefeeds, sitemaps
from newsroom.health import healthz
from newsroom.metrics import metrics_view


class FourDigitYear:
    regex = "[0-9]{4}"
    to_python = int

    def to_url(self, value):
        return f"{value:04d}"


class TwoDigits:
    regex = "[0-9]{2}"
    to_python = int

    def to_url(self, value):
        return f"{value:02d}"


class StoryId:
    """A story's number: at most 18 digits, so it always fits the database's integer."""

    regex = "[0-9]{1,18}"
    to_python = int

    def to_url(self, value):
        return str(value)


class TagSlug:
    """A tag's slug: django-taggit keeps the letters of any script ("élection",
    "東京"), which Django's ``slug`` converter (ASCII only) would answer with a 404."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FourDigitYear, "yyyy")
register_converter(TagSlug, "tagslug")
register_converter(StoryId, "id")
register_converter(TwoDigits, "mm")
register_converter(TwoDigits, "dd")

urlpatterns = [
    path("", reader.front, name="front"),
    # Readers' pages first: a request's address is matched against each pattern in
    # turn, and a story page's used to be tried against twenty-five others first.
    # No two patterns here match the same address (the date converters take digits
    # only), so the order changes no answer.
    path("<yyyy:year>/<mm:month>/<dd:day>/<slug:slug>/", reader.story, name="story"),
    path("section/<slug:slug>/", reader.section, name="section"),
    path("tag/<tagslug:slug>/", reader.tag, name="tag"),
    path("author/<slug:slug>/", reader.author, name="author"),
    path("feed/", feeds.serve, name="feed"),
    path("feed/atom/", feeds.serve, {"fmt": "atom"}, name="feed-atom"),
    path("feed/json/", feeds.serve, {"fmt": "json"}, name="feed-json"),
    path("<yyyy:year>/", reader.archive, name="archive-year"),
    path("<yyyy:year>/<mm:month>/", reader.archive, name="archive-month"),
    path("<yyyy:year>/<mm:month>/<dd:day>/", reader.archive, name="archive-day"),
    # A live story's updates (issue 17): the endpoint its page polls, and its feeds.
    path(
        "<yyyy:year>/<mm:month>/<dd:day>/<slug:slug>/updates/",
        updates.updates_endpoint,
        name="story-updates",
    ),
    path(
        "<yyyy:year>/<mm:month>/<dd:day>/<slug:slug>/updates/atom/",
        livefeeds.serve,
        {"fmt": "atom"},
        name="story-updates-atom",
    ),
    path(
        "<yyyy:year>/<mm:month>/<dd:day>/<slug:slug>/updates/feed.json",
        livefeeds.serve,
        {"fmt": "json"},
        name="story-updates-json",
    ),
    *[
        path(
            f"{kind}/<{'tagslug' if kind == 'tag' else 'slug'}:slug>/{suffix}",
            feeds.serve,
            {"kind": kind, "fmt": fmt},
            name=f"{kind}-feed-{fmt}",
        )
        for kind in ("section", "tag", "author")
        for fmt, suffix in addresses.FEED_PATHS.items()
    ],
    path("corrections/", reader.corrections, name="corrections"),
    path("search/", reader.search_page, name="search"),
    path("archive/", archive.archive_search, name="archive"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path(
        "sitemap-stories-<yyyy:year>-<mm:month>.xml",
        sitemaps.story_sitemap,
        name="sitemap-stories",
    ),
    path(
        "sitemap-<section>.xml",
        reader_page(sitemap_views.sitemap),
        {"sitemaps": sitemaps.SITEMAPS, "template_name": sitemaps.TEMPLATE},
        name="sitemap-section",
    ),
    path("news-sitemap.xml", sitemaps.news_sitemap, name="news-sitemap"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("favicon.ico", reader.favicon, name="favicon"),
    path("manifest.webmanifest", reader.web_manifest, name="web-manifest"),
    path("api/articles/", api.article_list, name="api-articles"),
    path("api/articles/<id:pk>/", api.article_detail, name="api-article"),
    path("preview/<str:token>/", previews.shared_preview, name="preview"),
    path("newsletters/", include("newsletters.urls")),
    # The Latest-stories block an edge that processes ESI fills story pages with.
    path("fragments/latest/<id:exclude_id>/", reader.latest_fragment, name="latest-fragment"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
]
if "anymail" in settings.INSTALLED_APPS:
    # The mail provider's webhooks: bounces and complaints pause the address
    # (newsletters/signals.py). Protected by ANYMAIL_WEBHOOK_SECRET (docs/deploy.md).
    urlpatterns.append(path("anymail/", include("anymail.urls")))
if settings.SERVE_MEDIA:
    urlpatterns.append(re_path(r"^media/(?P<path>images/.+)$", media.media, name="media"))

handler404 = "articles.reader.views.not_found"
handler500 = "newsroom.errors.server_error"  # the admin's own page under /admin/
