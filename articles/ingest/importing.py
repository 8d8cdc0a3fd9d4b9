"""
Importing stories from plain-text files in the sample story's format::

    Thursday, March 7, 2024          <- date line (weekday optional, or 2024-03-07)

    The headline                     <- headline

    Date:                            <- optional label, dropped

    First paragraph ...              <- body: paragraphs separated by blank lines

    Latest stories                   <- optional page boilerplate, dropped with
                                        anything after it

Each file is parsed completely before anything is written, and written in its own
savepoint, so a file that fails leaves nothing behind. Files are written a hundred to a
transaction with page stamping held (``articles.signals.stamping_held``): working out
which cached pages each new story reaches costs more than the story's own rows, and for
a batch "every page" is the answer anyway.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify

from ..editorial import revisions
from ..models import Article, Author, Byline, Section
from ..signals import stamping_held
from ..text import sanitize_html, short_slug, with_suffix

HEADLINE_MAX_LENGTH = Article._meta.get_field("headline").max_length
DATE_FORMATS = (
    "%A %B %d %Y",
    "%B %d %Y",
    "%A %b %d %Y",
    "%b %d %Y",
    "%A %d %B %Y",
    "%d %B %Y",
    "%Y-%m-%d",
)
DATE_LABEL = re.compile(r"^date\s*:", re.IGNORECASE)
LATEST_STORIES = re.compile(r"^latest stories\s*:?$", re.IGNORECASE)


class StoryFormatError(ValueError):
    """A file that is not a story in the expected format; ``line`` is 1-based or None."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


@dataclass
class ParsedStory:
    published_on: date
    headline: str
    paragraphs: list[str] = field(default_factory=list)

    @property
    def source_id(self):
        """The story's identity: its date, headline and body, normalised.

        Stable across re-imports of the same story, whatever the file is called, and
        different for a second story with the same headline on the same day (wire
        services and live coverage repeat headlines with a new bulletin below).
        """
        text = "\n".join([self.headline, *self.paragraphs])
        normalised = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
        digest = hashlib.sha256(normalised.encode()).hexdigest()[:40]
        return f"import:{self.published_on.isoformat()}:{digest}"

    @property
    def legacy_source_id(self):
        """The key stories imported before the body counted were stored under."""
        return f"import:{self.published_on.isoformat()}:{short_slug(self.headline, 150)}"

    @property
    def body_html(self):
        return "\n".join(f"<p>{escape(paragraph)}</p>" for paragraph in self.paragraphs)


def parse_date(text, line):
    cleaned = " ".join(text.replace(",", " ").split())
    for date_format in DATE_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, date_format).date()
        except ValueError:
            continue
        weekday = cleaned.split()[0]
        if "%A" in date_format and parsed.strftime("%A").lower() != weekday.lower():
            raise StoryFormatError(
                f"the date line says {weekday}, but {parsed:%B} {parsed.day}, {parsed.year} "
                f"was a {parsed:%A}",
                line,
            )
        if "%a" in date_format and parsed.strftime("%a").lower() != weekday.lower()[:3]:
            raise StoryFormatError(f"the date line's weekday {weekday!r} does not match", line)
        return parsed
    raise StoryFormatError(
        f"cannot read a date from {text[:60]!r} (expected e.g. 'Thursday, March 7, 2024', "
        "'March 7, 2024' or '2024-03-07')",
        line,
    )


def parse_story(text):
    """Parse one story file's text; raises StoryFormatError naming the line."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    numbered = [(number, line.strip()) for number, line in enumerate(text.split("\n"), 1)]
    filled = [(number, line) for number, line in numbered if line]
    if not filled:
        raise StoryFormatError("the file is empty", 1)

    date_line_number, date_line = filled[0]
    published_on = parse_date(date_line, date_line_number)

    if len(filled) < 2 or DATE_LABEL.match(filled[1][1]) or LATEST_STORIES.match(filled[1][1]):
        raise StoryFormatError("no headline after the date line", date_line_number)
    headline_number, headline = filled[1]
    if len(headline) > HEADLINE_MAX_LENGTH:
        raise StoryFormatError(
            f"the headline is {len(headline)} characters long; the limit is {HEADLINE_MAX_LENGTH}",
            headline_number,
        )

    rest = [(number, line) for number, line in numbered if number > headline_number]
    first_filled = next(((number, line) for number, line in rest if line), None)
    if first_filled and DATE_LABEL.match(first_filled[1]):
        rest = [(number, line) for number, line in rest if number > first_filled[0]]

    paragraphs, current = [], []
    for _number, line in [*rest, (None, "")]:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    for index, paragraph in enumerate(paragraphs):
        if LATEST_STORIES.match(paragraph):
            paragraphs = paragraphs[:index]
            break
    if not paragraphs:
        raise StoryFormatError("the story has no body paragraphs", headline_number)
    return ParsedStory(published_on, headline, paragraphs)


def read_story_file(path):
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise StoryFormatError(f"cannot read the file: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise StoryFormatError("the file is not UTF-8 text", line) from None
    return parse_story(text)


def _unique_slug(model, name):
    base = short_slug(name)
    slug, number = base, 2
    while model.objects.filter(slug=slug).exists():
        slug = with_suffix(base, number)
        number += 1
    return slug


def find_or_create_section(name):
    section = Section.objects.filter(name__iexact=name).first()
    section = section or Section.objects.filter(slug=slugify(name)).first()
    return section or Section.objects.create(name=name, slug=_unique_slug(Section, name))


def find_or_create_author(name):
    author = Author.objects.filter(name__iexact=name).first()
    return author or Author.objects.create(name=name, slug=_unique_slug(Author, name))


@dataclass
class ImportOptions:
    draft: bool = False
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    author: str | None = None


def import_story(parsed, options, record=True):
    """Save one parsed story; returns (article, created). Atomic: all or nothing.

    ``record=False`` leaves the first revision to the caller (``import_files`` records a
    batch's in one go)."""
    with transaction.atomic():
        existing = Article.objects.filter(source_id=parsed.source_id).first()
        if existing:
            return existing, False
        legacy = Article.objects.filter(source_id=parsed.legacy_source_id).first()
        if legacy and legacy.body == sanitize_html(parsed.body_html):
            # Imported by an earlier version under the headline-only key: the same story,
            # now known by its content so a same-headline story can come in beside it.
            Article.objects.filter(pk=legacy.pk).update(source_id=parsed.source_id)
            return legacy, False
        published_at = timezone.make_aware(datetime.combine(parsed.published_on, time.min))
        article = Article.objects.create(
            headline=parsed.headline,
            body=parsed.body_html,
            source_id=parsed.source_id,
            section=find_or_create_section(options.section) if options.section else None,
            status=Article.Status.DRAFT if options.draft else Article.Status.PUBLISHED,
            published_at=published_at,
        )
        if options.author:
            Byline.objects.create(article=article, author=find_or_create_author(options.author))
        if options.tags:
            article.tags.add(*options.tags)
        # The story as imported is its first revision: the first edit can be undone.
        if record:
            revisions.record_revision(article, IMPORTED)
        return article, True


def story_files(paths):
    """Expand files and folders (their ``*.txt`` files, recursively) into a sorted list."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.txt") if p.is_file())
        else:
            yield path


IMPORTED = "Imported from a story file"  # the first revision's comment
BATCH = 100  # files written in one transaction, with one search-index pass and one bump


@dataclass
class Outcome:
    """What became of one file: ``kind`` is "imported", "present" or "failed";
    ``detail`` the story's address (or "draft"), or the reason it failed, and ``line``
    the 1-based line at fault, where one is."""

    path: Path
    kind: str
    detail: str
    line: int | None = None

    @property
    def where(self):
        return f"{self.path}:{self.line}" if self.line else str(self.path)


def import_files(paths, options, batch=BATCH):
    """Import story files (``story_files`` expands folders); yields an ``Outcome`` per
    file once its batch has committed. A file that cannot be read or saved fails alone.
    Should the batch's end fail (its search index or page stamp), the batch is undone
    and written again a file per transaction, so every outcome reported is true."""
    files = list(story_files(paths))
    for start in range(0, len(files), batch):
        chunk = files[start : start + batch]
        try:
            with transaction.atomic(), stamping_held():
                made = [_import_file(path, options, record=False) for path in chunk]
                revisions.record_revisions((article, IMPORTED) for _, article in made if article)
        except DatabaseError:
            made = [_import_file(path, options) for path in chunk]
        yield from (outcome for outcome, _ in made)


def _import_file(path, options, record=True):
    """(its ``Outcome``, the story if this import created it)."""
    if not path.exists():
        return Outcome(path, "failed", "no such file or folder"), None
    try:
        article, created = import_story(read_story_file(path), options, record)
    except StoryFormatError as error:
        return Outcome(path, "failed", str(error), error.line), None
    except DatabaseError as error:
        return Outcome(path, "failed", f"not saved, the database refused it: {error}"), None
    state = "draft" if options.draft else article.path
    outcome = Outcome(path, "imported" if created else "present", state or "draft")
    return outcome, article if created else None
