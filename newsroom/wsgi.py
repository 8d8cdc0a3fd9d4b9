"""WSGI entry point: ``gunicorn newsroom.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()

# Under gunicorn's preload_app this runs once, in the master, before the fork.
from newsroom.warmup import warm  # noqa: E402

warm()
