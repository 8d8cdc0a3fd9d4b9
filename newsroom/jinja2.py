"""The Jinja2 environment for reader templates (the admin keeps Django templates)."""

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from jinja2 import Environment, StrictUndefined


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
        url=lambda name, *args, **kwargs: reverse(name, args=args, kwargs=kwargs),
        site_name=settings.SITE_NAME,
        site_url=settings.SITE_URL,
        site_language=settings.SITE_LANGUAGE,
    )
    return env
