"""Embedded videos, posts and maps: from a pasted address to the stored element, the
reader's placeholder and the feeds' plain link. Pasted text is never trusted."""

import json

import feedparser
import pytest
from django.conf import settings

from articles.embeds import FRAME_ORIGINS, SRC_PATTERNS, embed_for, embeds_as_links
from articles.text import sanitize_html

from .factories import make_story

YOUTUBE_SRC = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
YOUTUBE_FIGURE = (
    f'<figure class="embed" data-embed="youtube" data-src="{YOUTUBE_SRC}">'
    '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" rel="noopener noreferrer">'
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></figure>"
)


@pytest.mark.parametrize(
    ("pasted", "provider", "src", "url"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
            "youtube",
            YOUTUBE_SRC,
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube", YOUTUBE_SRC, None),
        ("https://m.youtube.com/shorts/dQw4w9WgXcQ", "youtube", YOUTUBE_SRC, None),
        ("http://YouTube.com/embed/dQw4w9WgXcQ", "youtube", YOUTUBE_SRC, None),
        (
            "https://vimeo.com/76979871",
            "vimeo",
            "https://player.vimeo.com/video/76979871?dnt=1",
            "https://vimeo.com/76979871",
        ),
        (
            "https://vimeo.com/76979871/8272103f6e",
            "vimeo",
            "https://player.vimeo.com/video/76979871?dnt=1&h=8272103f6e",
            "https://vimeo.com/76979871/8272103f6e",
        ),
        (
            "https://twitter.com/PortAlderNews/status/1460323737035677698?s=20",
            "x",
            "https://platform.twitter.com/embed/Tweet.html?id=1460323737035677698&dnt=true",
            "https://x.com/PortAlderNews/status/1460323737035677698",
        ),
        (
            "https://x.com/PortAlderNews/status/1460323737035677698",
            "x",
            "https://platform.twitter.com/embed/Tweet.html?id=1460323737035677698&dnt=true",
            None,
        ),
        (
            "https://www.openstreetmap.org/?mlat=49.2827&mlon=-123.1207#map=15/49.2827/-123.1207",
            "map",
            None,
            "https://www.openstreetmap.org/?mlat=49.2827&mlon=-123.1207#map=15/49.2827/-123.1207",
        ),
        (
            "https://www.openstreetmap.org/#map=12/51.5072/-0.1276",
            "map",
            None,
            "https://www.openstreetmap.org/#map=12/51.5072/-0.1276",
        ),
    ],
)
def test_a_pasted_address_becomes_the_providers_privacy_friendly_frame(pasted, provider, src, url):
    embed = embed_for(pasted)
    assert embed.provider == provider
    assert SRC_PATTERNS[provider].fullmatch(embed.src)
    if src:
        assert embed.src == src
    if url:
        assert embed.url == url
    assert embed.src.startswith(tuple(origin + "/" for origin in FRAME_ORIGINS))


def test_only_the_checked_parts_of_an_address_are_used():
    embed = embed_for("https://vimeo.com/76979871?h=x'onmouseover=alert(1)")
    assert embed.src == "https://player.vimeo.com/video/76979871?dnt=1"
    assert embed.url == "https://vimeo.com/76979871"


def test_a_map_frame_shows_the_place_and_its_marker():
    embed = embed_for(
        "https://www.openstreetmap.org/?mlat=49.2827&mlon=-123.1207#map=15/49.2827/-123.1207"
    )
    west, south, east, north = (
        float(v) for v in embed.src.split("bbox=")[1].split("&")[0].split(",")
    )
    assert west < -123.1207 < east
    assert south < 49.2827 < north
    assert embed.src.endswith("&layer=mapnik&marker=49.2827,-123.1207")


@pytest.mark.parametrize(
    "pasted",
    [
        "javascript:alert(1)//https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "data:text/html,<script>alert(1)</script>",
        "ftp://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "//www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://evilyoutube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
        "https://user:pass@www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com./watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&v=AAAAAAAAAAA",
        'https://www.youtube.com/watch?v=dQw4w9WgX"Q',
        'https://youtu.be/dQw4w9WgXcQ" onload="alert(1)',
        "https://youtu.be/dQw4w9WgXcQ/../../evil",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ\nhttps://evil.example/",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ " + "a" * 600,
        "https://vimeo.com/channels/staffpicks",
        "https://x.com/PortAlderNews/status/146032373703567769<script>",
        "https://x.com/i/web/status/1460323737035677698/../../evil",
        "https://twitter.com.evil.example/PortAlderNews/status/1460323737035677698",
        'https://www.openstreetmap.org/#map=15/49.28"><script>/-123.12',
        "https://www.openstreetmap.org/#map=99/49.2827/-123.1207",
        "https://www.openstreetmap.org/#map=15/149.2827/-123.1207",
        "https://www.openstreetmap.org/?mlat=javascript:1&mlon=2#map=15/49.2827/-123.1207",
        "https://www.openstreetmap.org/node/123#map=15/49.2827/-123.1207",
        "https://www.google.com/maps/@49.2827,-123.1207,15z",
        "",
        None,
    ],
)
def test_anything_else_is_not_an_embed(pasted):
    assert embed_for(pasted) is None


def test_an_embed_survives_saving_as_the_element_the_server_built():
    pasted = (
        '<figure class="embed" data-embed="youtube">'
        '<a href="https://youtu.be/dQw4w9WgXcQ">https://youtu.be/dQw4w9WgXcQ</a></figure>'
    )
    assert sanitize_html(pasted) == YOUTUBE_FIGURE
    assert sanitize_html(YOUTUBE_FIGURE) == YOUTUBE_FIGURE  # saving again changes nothing


def test_a_forged_frame_address_is_replaced_by_the_one_built_from_the_link():
    forged = (
        '<figure class="embed evil" data-embed="youtube" onclick="alert(1)" style="x" '
        'data-src="https://www.youtube-nocookie.com/embed/AAAAAAAAAAA" data-x="1">'
        '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">video</a></figure>'
    )
    assert sanitize_html(forged) == YOUTUBE_FIGURE


def test_a_frame_address_off_the_list_never_reaches_the_page():
    for src in (
        "https://evil.example/embed/dQw4w9WgXcQ",
        "javascript:alert(1)",
        "https://www.youtube-nocookie.com.evil.example/embed/dQw4w9WgXcQ",
        'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"><script>alert(1)</script>',
    ):
        body = sanitize_html(
            f'<p>Text</p><figure data-src="{src}"><img src="/a.png" alt=""></figure>'
        )
        assert "data-src" not in body
        assert "evil" not in body
        assert "<script" not in body


def test_an_embed_of_an_unknown_address_becomes_a_plain_link():
    body = sanitize_html(
        '<figure class="embed" data-embed="youtube" data-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ">'
        '<a href="https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ">x</a></figure>'
    )
    assert body == (
        '<p><a href="https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ" '
        'rel="noopener noreferrer">https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ</a></p>'
    )
    assert (
        sanitize_html(
            '<figure class="embed" data-embed="x"><a href="javascript:alert(1)">x</a></figure>'
        )
        == '<a rel="noopener noreferrer">x</a>'
    )


def test_an_embed_inside_a_photo_figure_is_rebuilt_too():
    body = sanitize_html(
        '<figure><figure class="embed" data-embed="vimeo" '
        'data-src="https://player.vimeo.com/video/1?dnt=1">'
        '<a href="https://vimeo.com/76979871">v</a></figure></figure>'
    )
    assert 'data-src="https://player.vimeo.com/video/76979871?dnt=1"' in body


def test_a_photo_figure_keeps_no_embed_attributes():
    body = sanitize_html(
        '<figure class="figure"><img src="/a.png" alt="Pier">'
        "<figcaption>The pier</figcaption></figure>"
    )
    assert body == '<figure><img src="/a.png" alt="Pier"><figcaption>The pier</figcaption></figure>'


def test_feeds_carry_an_embed_as_a_plain_link():
    assert embeds_as_links(f"<p>Watch:</p>{YOUTUBE_FIGURE}") == (
        '<p>Watch:</p><p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">'
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></p>"
    )


def test_the_reader_policy_frames_exactly_the_embed_origins():
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"] == list(FRAME_ORIGINS)


@pytest.mark.django_db
def test_a_story_page_shows_the_placeholder_and_loads_nothing_from_elsewhere(client):
    story = make_story("Harbour video", body=f"<p>Watch:</p>{YOUTUBE_FIGURE}")
    response = client.get(story.path)
    html = response.content.decode()
    assert YOUTUBE_FIGURE in html  # the link works without JavaScript
    assert "<iframe" not in html
    assert '/static/embeds.js" defer></script>' in html
    policy = response["Content-Security-Policy"]
    assert "frame-src " + " ".join(FRAME_ORIGINS) in policy
    plain = make_story("No video")
    assert "embeds.js" not in client.get(plain.path).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/feed/", "/feed/atom/", "/feed/json/"])
def test_feeds_show_an_embed_as_a_link_only(client, path):
    make_story("Harbour video", body=f"<p>Watch:</p>{YOUTUBE_FIGURE}")
    response = client.get(path)
    if path.endswith("json/"):
        content = json.loads(response.content)["items"][0]["content_html"]
    else:
        content = feedparser.parse(response.content).entries[0].content[0].value
    assert '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">' in content
    assert "data-src" not in content
    assert "youtube-nocookie" not in content
    assert "<figure" not in content
