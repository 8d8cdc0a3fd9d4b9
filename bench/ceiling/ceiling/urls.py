"""One address: ``/bench/ceiling/``, a fixed 30 KB page."""

from django.http import HttpResponse
from django.urls import path

CEILING_BYTES = 30 * 1024


def _ceiling_page(size=CEILING_BYTES):
    """A fixed HTML page of exactly ``size`` bytes."""
    head = '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
    head += "<title>Ceiling</title></head>\n<body>\n"
    tail = "</body>\n</html>\n"
    line = "<p>" + "The quick brown fox jumps over the lazy dog. " * 2 + "</p>\n"
    lines = (size - len(head) - len(tail)) // len(line)
    page = head + line * lines + tail
    return (page + " " * (size - len(page))).encode()


CEILING_PAGE = _ceiling_page()


def ceiling(request):
    """The same 30 KB of HTML on every request."""
    return HttpResponse(CEILING_PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/ceiling/", ceiling)]
