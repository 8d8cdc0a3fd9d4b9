"""
Embedded videos, posts and maps in a story body: from a pasted address to a safe element.

An editor pastes a YouTube, Vimeo, X or OpenStreetMap address on its own line; the
editor turns it into ``<figure class="embed" data-embed="youtube" data-src="...">`` with
a plain link inside. Nothing the browser sends is trusted: on every save the sanitiser
keeps only the attributes whose values match the patterns below, and ``rebuild_embeds``
writes each embed again from its link's address through ``embed_for``, so the frame
address a reader may load is always one this module built. An address it does not
recognise stays a plain link.

Readers see a placeholder and load the frame only if they choose to (static/embeds.js),
from the privacy-friendly hosts (youtube-nocookie.com, Vimeo with ``dnt=1``); the CSP's
``frame-src`` lists exactly ``FRAME_ORIGINS``. Feeds carry the plain link
(``embeds_as_links``). A pure module: no database, no network.
"""

import html
import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.utils.html import format_html

# What readers are told they are about to load, by provider.
PROVIDERS = {
    "youtube": "YouTube video",
    "vimeo": "Vimeo video",
    "x": "post on X",
    "map": "OpenStreetMap map",
}

# The only origins a reader's page may frame (settings.CONTENT_SECURITY_POLICY).
FRAME_ORIGINS = (
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://platform.twitter.com",
    "https://www.openstreetmap.org",
)

# Exactly the frame addresses ``embed_for`` writes; the sanitiser drops any other.
SRC_PATTERNS = {
    "youtube": re.compile(r"https://www\.youtube-nocookie\.com/embed/[A-Za-z0-9_-]{11}"),
    "vimeo": re.compile(
        r"https://player\.vimeo\.com/video/[0-9]{1,12}\?dnt=1(?:&h=[0-9a-f]{6,20})?"
    ),
    "x": re.compile(r"https://platform\.twitter\.com/embed/Tweet\.html\?id=[0-9]{1,20}&dnt=true"),
    "map": re.compile(
        r"https://www\.openstreetmap\.org/export/embed\.html\?bbox="
        r"-?[0-9.]{1,12},-?[0-9.]{1,12},-?[0-9.]{1,12},-?[0-9.]{1,12}&layer=mapnik"
        r"(?:&marker=-?[0-9.]{1,12},-?[0-9.]{1,12})?"
    ),
}

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
X_HOSTS = {"x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"}
OSM_HOSTS = {"openstreetmap.org", "www.openstreetmap.org"}

YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
YOUTUBE_PATH = re.compile(r"/(?:shorts|embed|live)/([A-Za-z0-9_-]{11})/?")
VIMEO_PATH = re.compile(r"/(?:video/)?([0-9]{1,12})(?:/([0-9a-f]{6,20}))?/?")
X_PATH = re.compile(r"/([A-Za-z0-9_]{1,15})/status/([0-9]{1,20})/?")
NUMBER = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,7})?")
OSM_MAP = re.compile(rf"map=([0-9]{{1,2}})/({NUMBER.pattern})/({NUMBER.pattern})")

# Generous: an address is one line, and no real one of these is longer.
MAX_URL_LENGTH = 500


@dataclass(frozen=True)
class Embed:
    provider: str  # a key of PROVIDERS
    src: str  # the frame's address, matching SRC_PATTERNS[provider]
    url: str  # the canonical address readers follow without loading the frame

    @property
    def label(self):
        return PROVIDERS[self.provider]

    def html(self):
        return format_html(
            '<figure class="embed" data-embed="{}" data-src="{}"><a href="{}">{}</a></figure>',
            self.provider,
            self.src,
            self.url,
            self.url,
        )


def embed_for(url):
    """The embed for a pasted address, or None when it is not one this site embeds.

    Only https (or http, upgraded) addresses on the providers' own hosts count, with
    no user name, password or port; every part used is matched against a strict
    pattern, so nothing of the pasted text reaches the output unchecked."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        return None
    url = url.strip()
    if any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"https", "http"} or parts.username or parts.password or port:
        return None
    host = (parts.hostname or "").lower()
    if parts.netloc.lower() != host:  # a trailing dot, a port, credentials, odd casing
        return None
    if host in YOUTUBE_HOSTS or host == "youtu.be":
        return _youtube(host, parts)
    if host in VIMEO_HOSTS:
        return _vimeo(parts)
    if host in X_HOSTS:
        return _x(parts)
    if host in OSM_HOSTS:
        return _map(parts)
    return None


def _youtube(host, parts):
    video = None
    if host == "youtu.be":
        candidate = parts.path.strip("/")
        video = candidate if YOUTUBE_ID.fullmatch(candidate) else None
    elif parts.path in {"/watch", "/watch/"}:
        ids = parse_qs(parts.query).get("v", [])
        video = ids[0] if len(ids) == 1 and YOUTUBE_ID.fullmatch(ids[0]) else None
    elif match := YOUTUBE_PATH.fullmatch(parts.path):
        video = match.group(1)
    if not video:
        return None
    return Embed(
        "youtube",
        f"https://www.youtube-nocookie.com/embed/{video}",
        f"https://www.youtube.com/watch?v={video}",
    )


def _vimeo(parts):
    match = VIMEO_PATH.fullmatch(parts.path)
    if not match:
        return None
    video, unlisted = match.groups()
    if not unlisted:
        hashes = parse_qs(parts.query).get("h", [])
        if len(hashes) == 1 and re.fullmatch(r"[0-9a-f]{6,20}", hashes[0]):
            unlisted = hashes[0]
    src = f"https://player.vimeo.com/video/{video}?dnt=1"
    url = f"https://vimeo.com/{video}"
    if unlisted:
        src += f"&h={unlisted}"
        url += f"/{unlisted}"
    return Embed("vimeo", src, url)


def _x(parts):
    match = X_PATH.fullmatch(parts.path)
    if not match:
        return None
    account, post = match.groups()
    return Embed(
        "x",
        f"https://platform.twitter.com/embed/Tweet.html?id={post}&dnt=true",
        f"https://x.com/{account}/status/{post}",
    )


def _map(parts):
    """An OpenStreetMap address shows the map it shows (``#map=zoom/lat/lon``), with
    the marker it sets (``?mlat=&mlon=``) if any."""
    match = OSM_MAP.fullmatch(parts.fragment)
    if not match or parts.path not in {"", "/"}:
        return None
    zoom, lat, lon = int(match.group(1)), float(match.group(2)), float(match.group(3))
    if not (0 <= zoom <= 19 and -85 <= lat <= 85 and -180 <= lon <= 180):
        return None
    query = parse_qs(parts.query)
    marker = None
    if "mlat" in query or "mlon" in query:
        mlat, mlon = query.get("mlat", []), query.get("mlon", [])
        if not (len(mlat) == len(mlon) == 1 and NUMBER.fullmatch(mlat[0])):
            return None
        if not NUMBER.fullmatch(mlon[0]):
            return None
        marker = (float(mlat[0]), float(mlon[0]))
        if not (-85 <= marker[0] <= 85 and -180 <= marker[1] <= 180):
            return None
    # About the area the address shows on a wide screen: 2.5 tiles of 256 px across.
    half_width = min(180.0, 360 / 2**zoom * 1.25)
    half_height = min(85.0, half_width * math.cos(math.radians(lat)) * 0.6)
    bbox = ",".join(
        _coordinate(v)
        for v in (
            max(-180.0, lon - half_width),
            max(-85.0, lat - half_height),
            min(180.0, lon + half_width),
            min(85.0, lat + half_height),
        )
    )
    src = f"https://www.openstreetmap.org/export/embed.html?bbox={bbox}&layer=mapnik"
    url = f"https://www.openstreetmap.org/#map={zoom}/{_coordinate(lat)}/{_coordinate(lon)}"
    if marker:
        src += f"&marker={_coordinate(marker[0])},{_coordinate(marker[1])}"
        url = (
            f"https://www.openstreetmap.org/?mlat={_coordinate(marker[0])}"
            f"&mlon={_coordinate(marker[1])}#map={zoom}/{_coordinate(lat)}/{_coordinate(lon)}"
        )
    return Embed("map", src, url)


def _coordinate(value):
    return f"{value:.5f}".rstrip("0").rstrip(".")


# --- In a stored body --------------------------------------------------------------

# An embed's opening tag (after nh3, attributes are double-quoted; any figure with one of
# the embed attributes counts as one), its content up to
# the first closing tag, and the first link address inside.
EMBED_FIGURE = re.compile(
    r'<figure\b(?=[^>]*\b(?:class="embed"|data-embed=|data-src=))[^>]*>(.*?)</figure>', re.S
)
FIRST_HREF = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')


def allowed_attribute(tag, attribute, value):
    """nh3's attribute filter for embeds: a figure may be marked as an embed, name a
    provider and give a frame address matching that kind's pattern, nothing else."""
    if tag != "figure":
        return value
    if attribute == "class":
        return value if value == "embed" else None
    if attribute == "data-embed":
        return value if value in PROVIDERS else None
    if attribute == "data-src":
        return value if any(p.fullmatch(value) for p in SRC_PATTERNS.values()) else None
    return None


def rebuild_embeds(body):
    """``body`` (already sanitised) with each embed written again from its link: a
    recognised address gives the canonical element, any other a plain paragraph link,
    so a frame address is never taken from the browser."""
    if "<figure" not in body:
        return body

    def rebuild(match):
        found = FIRST_HREF.search(match.group(1))
        address = html.unescape(found.group(1)) if found else ""
        embed = embed_for(address)
        if embed:
            return embed.html()
        if address:
            return format_html('<p><a href="{}">{}</a></p>', address, address)
        return match.group(1)

    return EMBED_FIGURE.sub(rebuild, body)


def embeds_as_links(body):
    """``body`` with each embed as a plain paragraph link: feeds and other places
    where no frame, and no script to load one, belongs."""
    if "<figure" not in body:
        return body

    def as_link(match):
        found = FIRST_HREF.search(match.group(1))
        if not found:
            return ""
        address = html.unescape(found.group(1))
        return format_html('<p><a href="{}">{}</a></p>', address, address)

    return EMBED_FIGURE.sub(as_link, body)
