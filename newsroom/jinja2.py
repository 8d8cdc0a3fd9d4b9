"""The Jinja2 environment for reader templates (the admin keeps Django templates)."""

import functools

from django.conf import settings
from django.templatetags.static import static as static_address
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext, ngettext
from jinja2 import Environment, StrictUndefined


@functools.lru_cache(maxsize=512)
def _fixed(kind, name, *context):
    return reverse(name) if kind == "url" else static_address(name)


def url(name, *args, **kwargs):
    """``reverse()``. The site's fixed addresses (no arguments: the archive, the feed,
    the search page) are worked out once per process, not on every page."""
    if args or kwargs:
        return reverse(name, args=args, kwargs=kwargs)
    return _fixed("url", name, get_script_prefix(), settings.ROOT_URLCONF)


def static(path):
    """The address of a static file (with its content hash in production), once."""
    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    return _fixed("static", path, settings.STATIC_URL, storage)


def environment(**options):
    # A missing variable is a bug to catch in tests, not an empty string to ship.
    options.setdefault("undefined", StrictUndefined)
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    # Django's backend passes autoescape=True in ``options``.
    env = Environment(**options)  # noqa: S701
    # Interface text is marked with _() and translated by Django's catalogues.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals.update(
        static=static,
        url=url,
        site_name=settings.SITE_NAME,
        site_url=settings.SITE_URL,
        site_language=settings.SITE_LANGUAGE,
    )
    return env
