"""
Previews: a story shown exactly as readers will see it, before they can.

Editors open a preview from the admin; anyone else needs a share link, which
carries a signed id of a ``PreviewLink`` record and works until the record
expires or is revoked. A tampered, expired or revoked link is a plain 404.
Preview responses are never cached and never indexed.
"""

from django.core import signing
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control

from ..models import PreviewLink
from ..reader.presenters import present_instance
from ..reader.views import render

SALT = "articles.preview-link"


def share_url(link):
    return reverse("preview", kwargs={"token": signing.dumps(str(link.pk), salt=SALT)})


def render_preview(request, article):
    response = render(
        request,
        "story.html",
        {
            "story": present_instance(article),
            "latest": "",
            "related": [],
            "preview": True,
        },
    )
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def shared_preview(request, token):
    """The public side of a share link."""
    try:
        link_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise Http404("No such preview.") from None
    link = (
        PreviewLink.objects.filter(
            pk=link_id, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("article__section")
        .first()
    )
    if link is None:
        raise Http404("No such preview.")
    return render_preview(request, link.article)
