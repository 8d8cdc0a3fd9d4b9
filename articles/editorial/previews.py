"""
Previews: a story shown exactly as readers will see it, before they can.

Editors open a preview from the admin; anyone else needs a share link, which
carries a signed id of a ``PreviewLink`` record and works until the record
expires or is revoked. A tampered, expired or revoked link is a plain 404.
Preview responses are never cached and never indexed.

A link's address is the record's id and an HMAC of it (SECRET_KEY, this
module's salt), with no timestamp in it, so the same address can be worked out
again from the record: the story page lists every active link's address for
copying, and nothing secret is stored beside the record. (Storing only a hash
of a random token would keep an address from being shown twice; here the id
alone opens nothing without the signature, and anyone holding SECRET_KEY could
sign sessions anyway.) Revoking or expiring the record closes its address.
"""

import uuid

from django.core import signing
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.text import slugify

from ..models import PreviewLink
from ..reader.presenters import present_instance
from ..reader.views import render

SALT = "articles.preview-link"


def _signer():
    return signing.Signer(salt=SALT, sep=".")


def share_url(link):
    """The link's address (the same every time it is asked for)."""
    return reverse("preview", kwargs={"token": _signer().sign(link.pk.hex)})


def active_links(story):
    """The story's share links that still open its preview, newest first."""
    return story.preview_links.filter(
        revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("created_by")


def _link_id(token):
    try:
        return uuid.UUID(_signer().unsign(token))
    except (signing.BadSignature, ValueError):
        pass
    try:  # an address given out before addresses were stable (a timestamped token)
        return uuid.UUID(signing.loads(token, salt=SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def render_preview(request, article, tags=None):
    """``article`` through the reader's story template, private, never stored by a cache
    and never indexed; ``tags`` ([{"name", "slug"}]) instead of its saved ones."""
    story = present_instance(article, tags=tags)
    response = render(
        request,
        "story.html",
        {
            "story": story,
            "meta": story["sharing"],  # noindex, no canonical address
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
    link_id = _link_id(token)
    if link_id is None:
        raise Http404("No such preview.")
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


def render_live_preview(request, article, tag_names=None):
    """The admin's side-by-side preview: ``article`` as the form holds it, never saved.

    Its text is cleaned exactly as a save would clean it (``Article.tidy_text``: the
    same sanitiser, the same photo placement), so the preview shows what saving would
    keep and nothing a save would strip. ``tag_names`` are the form's tags (None: the
    saved ones). Like every preview, the answer is private, never stored by a cache
    and never indexed."""
    article.tidy_text()
    tags = None
    if tag_names is not None:
        tags = sorted(({"name": n, "slug": slugify(n)} for n in tag_names), key=lambda t: t["name"])
    return render_preview(request, article, tags)
