"""
Compressed reader pages: gzip for the clients that accept it.

A front page is ~30 KB of HTML and ~7 KB gzipped. Pages are compressed once, when
they are stored (a page with holes, once per filled copy a process keeps), never on
each serve: a cached page stays a dictionary lookup and a write.

Only reader pages sent to anonymous readers are compressed. BREACH recovers a
secret from the size of compressed responses that also reflect what an attacker
sends; reader pages carry no secret (no CSRF token, no session: the page cache never
sees a signed-in request), whereas admin pages carry CSRF tokens and are left alone.
Django's GZipMiddleware pads every response with random bytes against BREACH, which
would make each copy of a stored page differ; here the bytes are the same each time,
so the gzipped page has an ETag of its own that stays valid as long as the page.
"""

import gzip
import re

# Below this size gzip's header and checksum outweigh what it saves.
MINIMUM_SIZE = 512
# Level 6 (zlib's default): within a few per cent of 9's size at a third of its time.
LEVEL = 6
_GZIP = re.compile(r"\bgzip\b(?!\s*;\s*q=0(?:\.0*)?\s*(?:,|$))", re.IGNORECASE)
_TEXT_TYPES = ("text/", "application/xml", "application/json", "application/feed+json")
_ATOM_RSS = ("application/atom+xml", "application/rss+xml")


# Read from META, not request.headers: this runs on every cached page served, and
# request.headers builds a dictionary of every header the first time it is asked.
_ACCEPT_ENCODING = "HTTP_ACCEPT_ENCODING"


def accepts_gzip(request):
    """The client said it takes gzip (and did not refuse it with q=0)."""
    return bool(_GZIP.search(request.META.get(_ACCEPT_ENCODING, "")))


def compressible(content_type, content):
    kind = (content_type or "").split(";")[0].strip().lower()
    return len(content) >= MINIMUM_SIZE and kind.startswith(_TEXT_TYPES + _ATOM_RSS)


def compress(content):
    """Always the same bytes for the same page (no file name, no time in the header)."""
    return gzip.compress(content, compresslevel=LEVEL, mtime=0)


def decompress(compressed):
    """The page from its gzipped bytes (a stored page is kept compressed only)."""
    return gzip.decompress(compressed)


def gzip_etag(etag):
    """The compressed copy's ETag: another representation, so another strong tag."""
    return etag[:-1] + '-gz"' if etag.endswith('"') else etag


def vary_on_encoding(response):
    """Vary: Accept-Encoding, added to what the view already varies on (cheaply: this
    runs on every cached page served)."""
    vary = response.get("Vary")
    if not vary:
        response["Vary"] = "Accept-Encoding"
    elif "accept-encoding" not in vary.lower():
        response["Vary"] = f"{vary}, Accept-Encoding"


def encode(request, response, compressed=None):
    """Send ``response`` gzipped if the client takes it and it is worth it; either way
    tell caches the answer depends on Accept-Encoding. ``compressed``: the bytes
    already made for this content (a stored page's), else they are made here."""
    if response.streaming or response.has_header("Content-Encoding"):
        return response
    vary_on_encoding(response)
    if not accepts_gzip(request):
        return response
    if compressed is None:
        content = response.content
        if not compressible(response.get("Content-Type"), content):
            return response
        compressed = compress(content)
    response.content = compressed
    response["Content-Length"] = str(len(compressed))
    response["Content-Encoding"] = "gzip"
    if response.has_header("ETag"):
        response["ETag"] = gzip_etag(response["ETag"])
    return response
