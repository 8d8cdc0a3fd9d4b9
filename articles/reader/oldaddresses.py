"""
Old addresses of an imported site that keep working (issue 16): a WordPress post's
permalink, whatever its shape, and its ``/?p=123`` link answer with a permanent
redirect to the story, once the story is live; ``/category/x/`` and ``/tag/x/``
archive pages answer with the section's or the tag's page.

A middleware, placed before the page cache: ``/?p=`` reaches the front page's view
otherwise (which reads only ``page`` from the query and would be served from the
cache), and any other old address is only looked up when the site has no page there
(a 404), so the rest of the site pays nothing.
"""

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils import timezone

from ..models import ArchiveRedirect
from . import queries


def moved_to(path, query):
    """Where an old address now lives for readers, or None."""
    now = timezone.now()
    post_id = query.get("p", "")
    if post_id:
        if not post_id.isdigit() or len(post_id) > 18:
            return None
        return queries.moved_story(f"{path}?p={int(post_id)}", now)
    found = queries.moved_story(path, now)
    if found:
        return found
    archive = ArchiveRedirect.objects.filter(old_path=path).select_related("section", "tag").first()
    if archive is None:
        return None
    if archive.section:
        return archive.section.get_absolute_url()
    if queries.tag_by_slug(archive.tag.slug, now):  # a tag is public once a story is live
        return reverse("tag", kwargs={"slug": archive.tag.slug})
    return None


def never_old_prefixes():
    """Addresses no imported site had: the admin (whose lists page with ``?p=``), static
    files and photos (WordPress kept its own under /wp-content/)."""
    prefixes = ["/admin/", settings.STATIC_URL, settings.MEDIA_URL]
    return tuple(prefix for prefix in prefixes if prefix.startswith("/"))


class OldAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.never_old = never_old_prefixes()  # read once: this runs before every page

    def __call__(self, request):
        path = request.path
        # A NUL cannot be an old address (and PostgreSQL cannot even compare it).
        if (
            request.method not in {"GET", "HEAD"}
            or "\x00" in path
            or path.startswith(self.never_old)
        ):
            return self.get_response(request)
        # Only an address with a query can be ``/?p=``, and only one whose query holds a
        # "p" (or a %-escape, "%70"): the rest (a live page's ``?after=`` poll) never
        # parse one here.
        query = request.META.get("QUERY_STRING")
        if query and ("p" in query or "%" in query) and "p" in request.GET and path.endswith("/"):
            target = moved_to(request.path, request.GET)
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404:
            target = moved_to(request.path, {})
            if target:
                return HttpResponsePermanentRedirect(target)
        return response
