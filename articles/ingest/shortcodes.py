"""
A WordPress post's HTML → the body a story stores.

WordPress keeps what it shows readers in three layers the product does not have:
block-editor comments (``<!-- wp:paragraph -->``), shortcodes (``[caption]``,
``[gallery]``, ``[embed]``, a plugin's own) and, for classic-editor posts, text
without ``<p>`` that ``wpautop`` turns into paragraphs when the page is shown. This
module undoes them and hands the result to the story's own sanitiser
(``Article.save``), so what survives is exactly what an editor could have typed.

Photos are looked up through ``photos``, an object the importer supplies
(``by_url(url)`` and ``by_id(attachment_id)``, each an ``Image`` or None): this module
reads no files and never downloads anything.
"""

import html
import re

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..images.placement import FOLDER

BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.DOTALL)
MORE = re.compile(r"<!--\s*(more|nextpage|noteaser)\b.*?-->", re.DOTALL | re.IGNORECASE)
# The block editor's embed: a figure around the bare address (oEmbed) → that address.
BLOCK_EMBED = re.compile(
    r"<figure[^>]*\bwp-block-embed\b[^>]*>\s*<div[^>]*>\s*(https?://[^\s<]+)\s*</div>.*?</figure>",
    re.DOTALL | re.IGNORECASE,
)
SHORTCODE_NAME = r"[a-zA-Z][\w-]*"
PAIRED = re.compile(rf"\[({SHORTCODE_NAME})(\s[^\]]*)?\](.*?)\[/\1\]", re.DOTALL)
# An unpaired [name …]: a shortcode only if it has attributes or closes itself, so that
# "[sic]" and "[Editor's note]" in a story's text are left alone.
SINGLE = re.compile(rf"\[({SHORTCODE_NAME})(\s+[^\]]*?=[^\]]*?|\s*/)\s*/?\]")
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
IMG_IN_LINK = re.compile(r"<a\b[^>]*>\s*(<img\b[^>]*>)\s*</a>", re.IGNORECASE)
SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
# A URL alone on its line: WordPress shows it as an oEmbed (a video, a post).
BARE_URL = re.compile(r"(^|>)([ \t]*)(https?://[^\s<>\"']+)([ \t]*)(?=<|$)", re.MULTILINE)
BLOCK_START = re.compile(
    r"^\s*<(p|h[1-6]|ul|ol|li|blockquote|figure|table|pre|hr|div|section|dl|address|"
    r"form|fieldset|iframe|script|style|object|embed|video|audio)\b",
    re.IGNORECASE,
)


def attributes(text):
    return {
        match.group(1).lower(): next(g for g in match.groups()[1:] if g is not None)
        for match in ATTRIBUTE.finditer(html.unescape(text or ""))
    }


def photo_figure(photo, caption=""):
    if photo is None:
        return ""
    if caption:
        return format_html(
            '<figure><img src="{}" alt="{}"><figcaption>{}</figcaption></figure>',
            photo.body_url,
            photo.alt_text,
            caption,
        )
    return format_html('<figure><img src="{}" alt="{}"></figure>', photo.body_url, photo.alt_text)


def link(url):
    return format_html('<a href="{}">{}</a>', url, url)


def autop(text):
    """Paragraphs for classic-editor text, as WordPress's ``wpautop`` shows it: a blank
    line ends a paragraph, a single line break is a ``<br>``; block elements stand alone."""
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        chunk = chunk.strip()
        if not chunk:
            continue
        if BLOCK_START.match(chunk):
            paragraphs.append(chunk)
        else:
            paragraphs.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n".join(paragraphs)


class BodyConverter:
    """Converts one post's body; ``notes`` collects what the report should say."""

    def __init__(self, photos):
        self.photos = photos
        self.shortcodes = []  # names of shortcodes removed, in order met
        self.missing = []  # image addresses with no file in the uploads copy

    def convert(self, content):
        content = content or ""
        classic = not BLOCK_COMMENT.search(content)
        text = MORE.sub("", BLOCK_COMMENT.sub("", content))
        text = BLOCK_EMBED.sub(r"<p>\1</p>", text)
        # Paired shortcodes, innermost last: a [caption] inside an unknown wrapper works.
        for _ in range(5):
            replaced = PAIRED.sub(self._paired, text)
            if replaced == text:
                break
            text = replaced
        text = SINGLE.sub(self._single, text)
        if classic:  # the block editor stores its paragraphs; the classic one does not
            text = autop(text)
        text = BARE_URL.sub(lambda m: m.group(1) + m.group(2) + link(m.group(3)) + m.group(4), text)
        return IMG.sub(self._image, text)

    def _paired(self, match):
        name, attrs, inner = match.group(1).lower(), attributes(match.group(2)), match.group(3)
        if name in {"caption", "wp_caption"}:
            found = IMG_IN_LINK.search(inner) or IMG.search(inner)
            image = found.group(1) if found and found.re is IMG_IN_LINK else (found and found[0])
            # The caption is the shortcode's HTML (it may hold a link or emphasis); the
            # story's sanitiser judges it with the rest of the body.
            caption = (IMG.sub("", IMG_IN_LINK.sub("", inner)) if found else inner).strip()
            caption = mark_safe(caption) if caption else attrs.get("caption", "")  # noqa: S308
            if not image:
                return caption
            photo = self._photo_for(image)
            if photo is None:
                return ""
            return photo_figure(photo, caption)
        if name == "embed":
            url = html.unescape(inner.strip())
            return f"<p>{link(url)}</p>" if url.startswith(("http://", "https://")) else ""
        if name == "gallery":
            return self._gallery(attrs)
        self.shortcodes.append(name)
        return inner

    def _single(self, match):
        name, attrs = match.group(1).lower(), attributes(match.group(2))
        if name == "gallery":
            return self._gallery(attrs)
        if name == "embed" and attrs.get("url"):
            return f"<p>{link(attrs['url'])}</p>"
        self.shortcodes.append(name)
        return ""

    def _gallery(self, attrs):
        figures = []
        for number in re.findall(r"\d+", attrs.get("ids", "") or attrs.get("include", "")):
            photo = self.photos.by_id(int(number))
            if photo is None:
                self.missing.append(f"attachment {number}")
            figures.append(photo_figure(photo, photo.caption if photo else ""))
        if not figures:
            self.shortcodes.append("gallery")  # a gallery of "the post's attachments"
        return "\n".join(figure for figure in figures if figure)

    def _photo_for(self, tag):
        src = SRC.search(tag)
        url = html.unescape(next((g for g in src.groups() if g is not None), "")) if src else ""
        photo = self.photos.by_url(url) if url else None
        if photo is None:
            self.missing.append(url or "an image without an address")
        return photo

    def _image(self, match):
        tag = match.group(0)
        if FOLDER.search(tag):
            return tag  # a library photo this conversion placed already
        photo = self._photo_for(tag)
        if photo is None:
            return ""
        alt = ALT.search(tag)
        alt = html.unescape(next((g for g in alt.groups() if g is not None), "")) if alt else ""
        return format_html('<img src="{}" alt="{}">', photo.body_url, alt or photo.alt_text)


def convert_body(content, photos):
    """(body HTML before sanitising, shortcodes removed, image addresses left out)."""
    converter = BodyConverter(photos)
    body = converter.convert(content)
    return body, converter.shortcodes, converter.missing
