"""The Jinja2 environment for reader templates (the admin keeps Django templates)."""

import functools

from django.conf import settings
from django.templatetags.static import static as static_address
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext, ngettext
from jinja2 import Environment, StrictUndefined


@functools.lru_cache(maxsize=256)
def _fixed_url(name, prefix, urlconf):
    return reverse(name)


def url(name, *args, **kwargs):
    """``reverse()``. The site's fixed addresses (no arguments: the archive, the feed,
    the search page) are worked out once per process, not on every page."""
    if args or kwargs:
        return reverse(name, args=args, kwargs=kwargs)
    return _fixed_url(name, get_script_prefix(), settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=256)
def _static(path, static_url, storage):
    return static_address(path)


def static(path):
    """The address of a static file (with its content hash in production), once."""
    return _static(path, settings.STATIC_URL, settings.STORAGES["staticfiles"]["BACKEND"])


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
