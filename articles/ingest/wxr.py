"""
Reading a WordPress export (WXR 1.0–1.2: RSS 2.0 with the ``wp:``, ``content:``,
``excerpt:`` and ``dc:`` namespaces) as a stream.

The file is never held whole: ``iterparse`` hands over one ``<item>`` at a time, which
is dropped once read, so memory stays flat whatever the size of the archive. Parsing
goes through defusedxml, which refuses entity expansion (billion laughs) and
external entities; any such file, a truncated one or one that is not WXR fails with
a :class:`WXRError` naming the file and, where known, the line.
"""

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

WP_NAMESPACE = "http://wordpress.org/export/"
NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}
SUPPORTED_VERSIONS = {"1.0", "1.1", "1.2"}
# A single post's text above this is refused alone (a body pasted from a whole book,
# or a file built to exhaust memory): 16 MB of text is no news story.
MAX_ITEM_CHARS = 16 * 1024 * 1024


# Bytes read with no element ending: past this the file is refused, since the parser
# would keep that one element's text in memory (a multi-gigabyte "post").
MAX_ELEMENT_BYTES = 64 * 1024 * 1024


class WXRError(ValueError):
    """The file cannot be read as a WordPress export; the message names it."""


class _TooBig(Exception):
    pass


class _Guarded:
    """A file whose reads fail once too much has been read since the last ``reset()``:
    the memory one element can take is bounded however the file is built."""

    def __init__(self, handle):
        self.handle, self.since = handle, 0

    def read(self, size=-1):
        data = self.handle.read(size if size and size > 0 else 65536)
        self.since += len(data)
        if self.since > MAX_ELEMENT_BYTES:
            raise _TooBig
        return data

    def reset(self):
        self.since = 0


def short_name(tag):
    """``{namespace}name`` → ``wp:name``, ``excerpt:encoded``, ``content:encoded``…"""
    if not tag.startswith("{"):
        return tag
    namespace, name = tag[1:].split("}", 1)
    if namespace.startswith(WP_NAMESPACE):
        return f"excerpt:{name}" if namespace.rstrip("/").endswith("excerpt") else f"wp:{name}"
    prefix = NAMESPACES.get(namespace)
    return f"{prefix}:{name}" if prefix else name


def _text(element, name, default=""):
    for child in element:
        if short_name(child.tag) == name:
            return (child.text or "").strip() if name != "content:encoded" else child.text or ""
    return default


@dataclass
class Term:
    kind: str  # "category" or "post_tag"
    slug: str
    name: str
    term_id: int | None = None
    parent: str = ""


@dataclass
class Item:
    """One ``<item>``: a post, a page, an attachment, a menu entry…"""

    post_id: int
    post_type: str
    status: str
    title: str
    link: str
    creator: str
    content: str
    excerpt: str
    date: str
    date_gmt: str
    slug: str
    password: str
    sticky: bool
    parent: int
    attachment_url: str
    categories: list = field(default_factory=list)  # [(slug, name)]
    tags: list = field(default_factory=list)  # [(slug, name)]
    meta: dict = field(default_factory=dict)
    comments: int = 0

    @property
    def path(self):
        """The post's old address on the site, as a reader's browser asked for it."""
        parts = urlsplit(self.link)
        return parts.path + (f"?{parts.query}" if parts.query else "")


def _int(text, default=0):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def read_item(element):
    fields, categories, tags, meta, comments = {}, [], [], {}, 0
    for child in element:
        name = short_name(child.tag)
        if name == "category":
            pair = (child.get("nicename", ""), (child.text or "").strip())
            if child.get("domain") == "category":
                categories.append(pair)
            elif child.get("domain") == "post_tag":
                tags.append(pair)
        elif name == "wp:postmeta":
            meta[_text(child, "wp:meta_key")] = _text(child, "wp:meta_value")
        elif name == "wp:comment":
            comments += 1
        elif name not in fields:
            fields[name] = child.text or ""
    size = sum(len(value) for value in fields.values())
    if size > MAX_ITEM_CHARS:
        raise ValueError(f"the post is {size:,} characters long; the limit is {MAX_ITEM_CHARS:,}")
    return Item(
        post_id=_int(fields.get("wp:post_id")),
        post_type=fields.get("wp:post_type", "post").strip(),
        status=fields.get("wp:status", "").strip(),
        title=fields.get("title", "").strip(),
        link=fields.get("link", "").strip(),
        creator=fields.get("dc:creator", "").strip(),
        content=fields.get("content:encoded", ""),
        excerpt=fields.get("excerpt:encoded", "").strip(),
        date=fields.get("wp:post_date", "").strip(),
        date_gmt=fields.get("wp:post_date_gmt", "").strip(),
        slug=fields.get("wp:post_name", "").strip(),
        password=fields.get("wp:post_password", "").strip(),
        sticky=fields.get("wp:is_sticky", "0").strip() == "1",
        parent=_int(fields.get("wp:post_parent")),
        attachment_url=fields.get("wp:attachment_url", "").strip(),
        categories=categories,
        tags=tags,
        meta=meta,
        comments=comments,
    )


@dataclass
class Channel:
    """What the export says about the site, read before any post is imported."""

    title: str = ""
    link: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    version: str = ""
    utc_offset: timedelta | None = None  # local minus GMT, as most posts show it
    authors: dict = field(default_factory=dict)  # login → display name
    terms: list = field(default_factory=list)
    attachments: dict = field(default_factory=dict)  # id → Item (no content)
    counts: dict = field(default_factory=dict)  # post_type → items

    @property
    def site(self):
        """The key every imported post is recorded under."""
        return (self.base_blog_url or self.link or self.base_site_url).rstrip("/")


class Export:
    """A WXR file on disk, read as a stream; each pass opens it afresh."""

    def __init__(self, path):
        self.path = os.fspath(path)

    def _error(self, message, line=None):
        where = f"{self.path}:{line}" if line else self.path
        return WXRError(f"{where}: {message}")

    def _events(self):
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 (closed below, even on error)
        except OSError as error:
            raise self._error(f"cannot read the file: {error.strerror or error}") from None
        with handle:
            guarded = _Guarded(handle)
            try:
                parser = iterparse(
                    guarded,
                    events=("start", "end"),
                    forbid_dtd=False,
                    forbid_entities=True,
                    forbid_external=True,
                )
                root = channel = None
                for event, element in parser:
                    if root is None:
                        root = element
                        if element.tag != "rss":
                            raise self._error(
                                f"not a WordPress export (WXR): the document is <{element.tag}>, "
                                "not <rss>"
                            )
                    if event == "start":
                        if channel is None and element.tag == "channel":
                            channel = element
                        continue
                    guarded.reset()
                    top = channel is not None and element in channel
                    yield element, top
                    if top:
                        channel.remove(element)  # read: let it go
            except _TooBig:
                raise self._error(
                    f"refused: one element is larger than {MAX_ELEMENT_BYTES // 1048576} MB; "
                    "no post is that long (is this really a WordPress export?)"
                ) from None
            except DefusedXmlException as error:
                raise self._error(
                    f"refused: the file declares entities or external references ({error}); "
                    "a WordPress export never does"
                ) from None
            except ParseError as error:
                line = error.position[0] if error.position else None
                reason = str(error).split(":")[0]
                if "no element found" in reason or "unclosed token" in reason:
                    reason = "the file ends too early (truncated?)"
                raise self._error(f"not well-formed XML: {reason}", line) from None

    def survey(self):
        """Read the whole file once: check it is a WXR export and complete, and gather
        the site, its people, categories and attachments. Nothing is written, so a bad
        file fails here with nothing half-imported."""
        channel = Channel()
        seen_channel = False
        offsets = Counter()
        for element, top in self._events():
            name = short_name(element.tag)
            if not top and name != "channel":
                continue
            if name == "item":
                post_type = _text(element, "wp:post_type") or "post"
                channel.counts[post_type] = channel.counts.get(post_type, 0) + 1
                offset = _offset(_text(element, "wp:post_date"), _text(element, "wp:post_date_gmt"))
                if offset is not None:
                    offsets[offset] += 1
                if post_type == "attachment":
                    try:
                        item = read_item(element)
                    except ValueError:
                        continue  # reported when the item itself is reached
                    item.content = ""
                    channel.attachments[item.post_id] = item
            elif name == "wp:author":
                login = _text(element, "wp:author_login")
                channel.authors[login] = _text(element, "wp:author_display_name") or login
            elif name in {"wp:category", "wp:tag", "wp:term"}:
                channel.terms.append(_term(name, element))
            elif name == "wp:wxr_version":
                channel.version = (element.text or "").strip()
            elif name == "wp:base_site_url":
                channel.base_site_url = (element.text or "").strip()
            elif name == "wp:base_blog_url":
                channel.base_blog_url = (element.text or "").strip()
            elif name == "channel":
                seen_channel = True
            elif name in {"title", "link"}:
                setattr(channel, name, (element.text or "").strip())
        if offsets:
            channel.utc_offset = offsets.most_common(1)[0][0]
        if not seen_channel or not channel.version:
            raise self._error("not a WordPress export (WXR): no <wp:wxr_version> in its channel")
        if channel.version not in SUPPORTED_VERSIONS:
            raise self._error(
                f"WXR version {channel.version} is not supported (1.0, 1.1 and 1.2 are)"
            )
        if not channel.site:
            raise self._error("the export does not say which site it came from (<link>)")
        return channel

    def items(self):
        """Each ``<item>`` in file order: (number, Item or the error reading it)."""
        number = 0
        for element, _top in self._events():
            if short_name(element.tag) != "item":
                continue
            number += 1
            try:
                yield number, read_item(element)
            except ValueError as error:
                yield number, error
            element.clear()


def parse_wp_date(text):
    """A WXR date (``2024-03-07 09:30:00``), or None for WordPress's ``0000-00-00 …``."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S")
    except (ValueError, AttributeError):
        return None


def _offset(local, gmt):
    local, gmt = parse_wp_date(local), parse_wp_date(gmt)
    return local - gmt if local and gmt else None


def _term(kind, element):
    if kind == "wp:category":
        return Term(
            "category",
            _text(element, "wp:category_nicename"),
            _text(element, "wp:cat_name"),
            _int(_text(element, "wp:term_id"), None),
            _text(element, "wp:category_parent"),
        )
    if kind == "wp:tag":
        return Term(
            "post_tag",
            _text(element, "wp:tag_slug"),
            _text(element, "wp:tag_name"),
            _int(_text(element, "wp:term_id"), None),
        )
    return Term(
        _text(element, "wp:term_taxonomy"),
        _text(element, "wp:term_slug"),
        _text(element, "wp:term_name"),
        _int(_text(element, "wp:term_id"), None),
        _text(element, "wp:term_parent"),
    )
