"""Work every worker would otherwise do on its first requests, done once in the
gunicorn master before it forks (``preload_app``, see gunicorn.conf.py): the URL
resolver, the compiled reader templates, the static files' manifest, the
translation catalogue and the release fingerprint of the page cache. The workers
then share it (copy-on-write) and a replaced worker serves its first request warm.

Nothing here touches the database: a connection opened before the fork would be
shared by every worker. ``connections.close_all()`` at the end makes sure of it.
"""

import contextlib
import logging

logger = logging.getLogger(__name__)

WARM_ADDRESSES = ("/", "/feed/", "/section/x/", "/tag/x/", "/author/x/", "/2026/01/")


def warm():
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.db import connections
    from django.template import engines
    from django.urls import Resolver404, get_resolver, resolve
    from django.utils import translation

    from articles.reader import pagecache

    try:
        for address in WARM_ADDRESSES:  # builds the resolver's patterns
            with contextlib.suppress(Resolver404):
                resolve(address)
        get_resolver().reverse_dict  # noqa: B018  (and its reverse dictionary)
        env = engines["reader"].env
        for name in env.list_templates():
            env.get_template(name)
        staticfiles_storage.url  # noqa: B018  (loads the manifest of hashed names)
        with translation.override(settings.LANGUAGE_CODE):
            translation.gettext("Search")
        pagecache.release()
    except Exception:  # a cold worker is slower, never broken
        logger.exception("warming up before the fork failed; workers will warm themselves")
    finally:
        connections.close_all()
