"""Renditions as the reader templates use them: srcset strings, a default source, sizes."""

from functools import cache
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage

DEFAULT_WIDTH = 960  # the fallback <img src> for browsers without srcset


@cache
def _local_prefix():
    """Local storage's URLs are its MEDIA_URL and the name: no need to ask per file."""
    storage = default_storage._wrapped if hasattr(default_storage, "_wrapped") else None
    if storage is None:
        default_storage._setup()
        storage = default_storage._wrapped
    return settings.MEDIA_URL if type(storage) is FileSystemStorage else None


def media_url(name):
    prefix = _local_prefix()
    return prefix + quote(name) if prefix is not None else default_storage.url(name)


def picture(renditions, alt, kind="full", **extra):
    """What the ``picture`` macro needs, or None for a story without a photo."""
    sizes = (renditions or {}).get(kind) or (renditions or {}).get("full")
    if not sizes:
        return None
    default = next((r for r in reversed(sizes) if r["w"] <= DEFAULT_WIDTH), sizes[0])
    return {
        "webp_srcset": ", ".join(f"{media_url(r['webp'])} {r['w']}w" for r in sizes),
        "fallback_srcset": ", ".join(f"{media_url(r['fallback'])} {r['w']}w" for r in sizes),
        "src": media_url(default["fallback"]),
        "width": default["w"],
        "height": default["h"],
        "alt": alt,
        "largest": media_url(sizes[-1]["fallback"]),
        "largest_webp": media_url(sizes[-1]["webp"]),
        **extra,
    }
