"""
Settings for benchmark runs: the project's settings plus the ceiling page.

    DJANGO_SETTINGS_MODULE=bench.settings gunicorn newsroom.wsgi:application

Everything else (middleware, templates, database from ``DATABASE_URL``) is
exactly what production runs, so the ceiling and the reader pages are measured
through the same stack.
"""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
