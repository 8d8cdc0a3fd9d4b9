"""The reader lane: a cookieless reader's GET of a reader page skips the sign-in stack.

A request that carries no cookie at all has no session, so no signed-in user, no
messages waiting and nothing for django-axes to watch (a login is a POST to the
admin, never a reader page). For such a request the session, authentication,
messages and axes middleware only cost calls: a session store, a lazy user, a
message storage with its cookie signer, and their response hooks that find
nothing to do: about 150,000 instructions of an uncached story page's 4.9 M
(docs/benchmarks.md, "The story page again").

So :class:`ReaderLaneMiddleware`, placed just above them in ``MIDDLEWARE``, sends
a request down a second chain when all of these hold:

* the method is GET or HEAD;
* it carries no cookie (no ``Cookie`` header, or an empty one): any cookie, a
  session's, the CSRF token's, or one this code does not know, takes the full
  stack, unchanged;
* the address is a reader page (``pagecache.reader_page``: the same answer for
  every anonymous reader; previews, share links, the admin, its login, the
  newsletter pages and the API's writes are not).

The second chain is every middleware below the lane except those in
:data:`SKIPPED`, each a new instance of the same class, around the handler's own
view-calling step (the URL resolving, every middleware's ``process_view``, the
view). CSRF stays in it: a page that asks for a token (``get_token``) gets its
cookie as through the full stack. Views and templates may still read
``request.user`` (an ``AnonymousUser``) and ``request.auser``.

The lane turns itself off (every request takes the full stack) when the CSRF token
is kept in the session, or when the chain below it is not what ``MIDDLEWARE`` lists
or runs async (ASGI): those two log a warning when the handler is built.
"""

import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.utils.module_loading import import_string

from articles.reader.pagecache import hit_settings, reader_address

logger = logging.getLogger(__name__)

LANE = "newsroom.lane.ReaderLaneMiddleware"
# What a request with no cookie on a reader page does not need.
SKIPPED = frozenset(
    {
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "axes.middleware.AxesMiddleware",
    }
)
_METHODS = frozenset({"GET", "HEAD"})


async def _anonymous():
    return AnonymousUser()


def _below(get_response):
    """The middleware instances below, in order, and the handler's wrapped view step;
    None if the chain is not the one ``load_middleware`` builds for a sync handler."""
    found = []
    step = get_response
    while True:
        # convert_exception_to_response wraps each with functools.wraps.
        wrapped = getattr(step, "__wrapped__", None)
        if wrapped is None:
            return None
        inner = getattr(wrapped, "get_response", None)
        if inner is None:
            handler = getattr(wrapped, "__self__", None)
            if isinstance(handler, BaseHandler) and wrapped.__name__ == "_get_response":
                return found, step
            return None
        found.append(wrapped)
        step = inner


class ReaderLaneMiddleware:
    """Cookieless GET/HEAD of a reader page → the stack below less :data:`SKIPPED`."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.lane = self.build_lane(get_response)

    @staticmethod
    def build_lane(get_response):
        """The second chain, or None (the lane off) if the stack is not as expected."""
        middleware = list(settings.MIDDLEWARE)
        if LANE not in middleware or getattr(settings, "CSRF_USE_SESSIONS", False):
            return None
        below = middleware[middleware.index(LANE) + 1 :]
        found = _below(get_response)
        classes = [import_string(path) for path in below]
        if found is None or [type(instance) for instance in found[0]] != classes:
            logger.warning("the reader lane is off: the middleware below it is not MIDDLEWARE's")
            return None
        chain = found[1]
        for path, cls in zip(reversed(below), reversed(classes), strict=True):
            if path not in SKIPPED:
                chain = convert_exception_to_response(cls(chain))
        return chain

    def __call__(self, request):
        meta = request.META  # not request.headers: that copies every header first
        if (
            self.lane is None
            or request.method not in _METHODS
            or meta.get("HTTP_COOKIE")
            or not reader_address(
                request.path_info,
                getattr(request, "urlconf", None) or hit_settings().ROOT_URLCONF,
            )[0]
        ):
            return self.get_response(request)
        # What AuthenticationMiddleware would give a request with no session.
        request.user = AnonymousUser()
        request.auser = _anonymous
        return self.lane(request)
