"""The Jinja2 environment for reader templates (the admin keeps Django templates)."""

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import Environment, StrictUndefined


def environment(**options):
    # A missing variable is a bug to catch in tests, not an empty string to ship.
    options.setdefault("undefined", StrictUndefined)
    # Django's backend passes autoescape=True in ``options``.
    env = Environment(**options)  # noqa: S701
    env.globals.update(
        static=static,
        url=lambda name, *args, **kwargs: reverse(name, args=args, kwargs=kwargs),
        site_name=settings.SITE_NAME,
        site_url=settings.SITE_URL,
        site_language=settings.SITE_LANGUAGE,
    )
    return env
