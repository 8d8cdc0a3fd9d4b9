"""
Importing a WordPress export (``manage.py import_wordpress``, the admin's import page).

Two passes over the file, each a stream (``wxr.Export``): the first checks the whole
file and gathers the site, its people, categories and attachments, so a truncated,
hostile or foreign file is refused before anything is written; the second imports
the posts in batches, a transaction a batch and a savepoint a post, so a bad post
fails alone and leaves nothing behind; each batch's revisions, search index and page
stamps are written in bulk before it commits.

What is public stays exactly as public: only a published WordPress post can become a
published story, a scheduled one stays scheduled (or becomes a draft if its time has
passed unpublished), and anything password-protected, private or unfinished becomes
a draft or waits in review.

A post is recorded (``ImportedPost``) under the export's site and its post id, with a
fingerprint of what the export said, so a re-run skips what is unchanged, updates
what changed, and keeps stories the desk has edited since (unless ``overwrite``).
"""

import hashlib
import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from taggit.models import Tag

from ..editorial import revisions
from ..models import (
    ArchiveRedirect,
    Article,
    Author,
    Byline,
    EditorialNote,
    Image,
    ImportedPhoto,
    ImportedPost,
    Section,
    StoryRedirect,
    TaggedArticle,
)
from ..signals import stamping_held
from ..text import short_slug, with_suffix
from .shortcodes import convert_body
from .wxr import Export, WXRError, parse_wp_date

__all__ = ["Report", "WXRError", "WordPressImport", "WordPressOptions", "parse_status_map"]

HEADLINE_MAX_LENGTH = Article._meta.get_field("headline").max_length
UPLOADS = "/wp-content/uploads/"
SIZED = re.compile(r"-\d+x\d+(\.\w+)$")
CREDIT = re.compile(r's:6:"credit";s:\d+:"([^"]*)"')

# WordPress status → what the story becomes. Each status may only map to targets at
# most as public as it was: nothing private, unfinished or unpublished can go live.
DEFAULT_STATUS_MAP = {
    "publish": "published",
    "future": "scheduled",
    "draft": "draft",
    "pending": "review",
    "private": "draft",
}
ALLOWED_TARGETS = {
    "publish": {"published", "review", "draft"},
    "future": {"scheduled", "review", "draft"},
    "draft": {"review", "draft"},
    "pending": {"review", "draft"},
    "private": {"review", "draft"},
}
SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}


def parse_status_map(text):
    """``"pending=draft,publish=review"`` → the full map; ValueError if it would make
    public what was not."""
    mapping = dict(DEFAULT_STATUS_MAP)
    for pair in filter(None, (part.strip() for part in (text or "").split(","))):
        source, _, target = (piece.strip().lower() for piece in pair.partition("="))
        if source not in ALLOWED_TARGETS:
            raise ValueError(
                f"unknown WordPress status {source!r} (known: {', '.join(ALLOWED_TARGETS)})"
            )
        if target not in ALLOWED_TARGETS[source]:
            raise ValueError(
                f"{source} cannot become {target!r}: a {source} post may become "
                f"{' or '.join(sorted(ALLOWED_TARGETS[source]))}"
            )
        mapping[source] = target
    return mapping


@dataclass
class WordPressOptions:
    media_dir: Path | None = None
    dry_run: bool = False
    section_from: str = "categories"  # or "none"
    default_section: str = ""
    status_map: dict = field(default_factory=lambda: dict(DEFAULT_STATUS_MAP))
    limit: int | None = None
    overwrite: bool = False

    def key(self):
        """What of the options shapes a story: part of each post's fingerprint."""
        # Whether photos could be found counts too: a run with --media-dir after one
        # without brings the pictures in (editors' changes are still kept).
        return [
            self.section_from,
            self.default_section,
            sorted(self.status_map.items()),
            self.media_dir is not None,
        ]


@dataclass
class Report:
    file: str = ""
    site: str = ""
    dry_run: bool = False
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_edited: int = 0
    photos: int = 0
    skipped: Counter = field(default_factory=Counter)
    failed: list = field(default_factory=list)
    shortcodes: Counter = field(default_factory=Counter)
    media_missing: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def as_dict(self):
        return {
            "file": self.file,
            "site": self.site,
            "dry_run": self.dry_run,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "kept_edited_since": self.kept_edited,
            "photos": self.photos,
            "skipped": dict(sorted(self.skipped.items())),
            "failed": self.failed,
            "shortcodes": dict(self.shortcodes.most_common()),
            "media_missing": self.media_missing,
            "notes": self.notes,
        }

    def to_json(self):
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)

    def summary_lines(self):
        lines = [
            ("Dry run (nothing saved): " if self.dry_run else "")
            + f"imported {self.imported}, updated {self.updated}, unchanged {self.unchanged}, "
            f"kept as edited since {self.kept_edited}, failed {len(self.failed)}; "
            f"{self.photos} photos."
        ]
        if self.skipped:
            lines.append(
                "Skipped: " + ", ".join(f"{kind} {n}" for kind, n in sorted(self.skipped.items()))
            )
        for failure in self.failed:
            lines.append(
                f"Failed: post {failure['post_id']} {failure['title']!r}: {failure['reason']}"
            )
        if self.shortcodes:
            lines.append(
                "Shortcodes removed (inner text kept): "
                + ", ".join(f"[{name}] ×{n}" for name, n in self.shortcodes.most_common())
            )
        for missing in self.media_missing:
            lines.append(f"Media missing: post {missing['post_id']}: {missing['file']}")
        lines.extend(f"Note: {note}" for note in self.notes)
        return lines


class _DryRun(Exception):
    """Raised to roll back a dry run's writes."""


class PostFailed(Exception):
    pass


# Posts written in one transaction (each in its own savepoint): enough that the
# batch's revisions, index and page-stamp bump cost a few statements per hundred
# posts, few enough that the desk waits well under a second for the write lock.
BATCH = 100
POST_ERRORS = (PostFailed, ValidationError, DatabaseError, ValueError)


@dataclass
class _Plan:
    item: object
    fingerprint: str
    record: tuple | None
    body: str
    shortcodes: Counter
    missing: list
    lead: object


def fingerprint(item, options):
    data = [
        item.title,
        item.content,
        item.excerpt,
        item.date,
        item.date_gmt,
        item.slug,
        item.status,
        item.password,
        item.sticky,
        item.creator,
        item.link,
        item.categories,
        item.tags,
        item.meta.get("_thumbnail_id", ""),
        item.meta.get("_yoast_wpseo_primary_category", ""),
        options.key(),
    ]
    return hashlib.sha256(json.dumps(data, default=str).encode()).hexdigest()


def upload_path(url):
    """``https://site/wp-content/uploads/2024/03/x.jpg`` → ``2024/03/x.jpg``, or ''."""
    path = unquote(urlsplit(url).path)
    return path.split(UPLOADS, 1)[1].lstrip("/") if UPLOADS in path else ""


class Photos:
    """Library photos for the export's attachments and the uploads its bodies show,
    each brought in once (``ImportedPhoto``), only from the local copy of the
    uploads folder, through the editor's upload path (judged by content, size and
    pixel limits, metadata stripped)."""

    def __init__(self, site, attachments, media_dir, dry_run, report):
        self.site, self.attachments, self.media_dir = site, attachments, media_dir
        self.dry_run, self.report = dry_run, report
        self.known = {}  # upload path → Image or None
        self.by_path = {self._relative(item): item for item in attachments.values()}
        self.post_id = None

    def by_id(self, attachment_id):
        item = self.attachments.get(attachment_id)
        if item is None:
            return None
        return self._photo(self._relative(item), item)

    @staticmethod
    def _relative(item):
        return item.meta.get("_wp_attached_file") or upload_path(item.attachment_url)

    def by_url(self, url):
        relative = upload_path(url)
        if not relative:
            return None
        original = SIZED.sub(r"\1", relative)
        if original != relative and self._file(original):
            relative = original  # "-300x200" is a WordPress thumbnail: take the original
        return self._photo(relative, self.by_path.get(relative))

    def _file(self, relative):
        if not self.media_dir or not relative:
            return None
        base = Path(self.media_dir).resolve()
        candidate = (base / relative).resolve()
        if not candidate.is_relative_to(base) or not candidate.is_file():
            return None  # "../" in an export never leaves the uploads folder
        return candidate

    def _photo(self, relative, item):
        if relative in self.known:
            return self.known[relative]
        found = ImportedPhoto.objects.filter(site=self.site, upload_path=relative).first()
        photo = found.image if found else self._bring_in(relative, item)
        self.known[relative] = photo
        return photo

    def _bring_in(self, relative, item):
        path = self._file(relative)
        if path is None:
            return None
        title = item.title if item else ""
        meta = item.meta if item else {}
        alt = meta.get("_wp_attachment_image_alt") or title or Path(relative).stem
        credit = CREDIT.search(meta.get("_wp_attachment_metadata", ""))
        try:
            with path.open("rb") as handle:
                image = Image(
                    file=File(handle, name=path.name),
                    alt_text=alt[:300],
                    caption=plain(item.excerpt) if item else "",
                    credit=(credit.group(1) if credit else "")[:200],
                )
                image.clean()  # the upload judge: type by content, size, pixels
                if self.dry_run:
                    return None
                with transaction.atomic():
                    image.save()
                    ImportedPhoto.objects.create(site=self.site, upload_path=relative, image=image)
        except ValidationError as error:
            self.report.notes.append(f"{relative}: not imported: {' '.join(error.messages)}")
            return None
        self.report.photos += 1
        return image


class WordPressImport:
    def __init__(self, path, options=None, progress=None):
        self.export = Export(path)
        self.options = options or WordPressOptions()
        self.progress = progress or (lambda number, total: None)
        self.report = Report(file=str(path), dry_run=self.options.dry_run)
        self.sections, self.authors, self.tags = {}, {}, {}

    def run(self):
        """Import the file; returns the Report. Raises WXRError, before writing anything,
        for a file that is not a complete, harmless WordPress export."""
        channel = self.export.survey()
        self.channel = channel
        self.report.site = channel.site
        self.prefix = urlsplit(channel.site).path.rstrip("/")
        self.total = sum(channel.counts.values())
        self.records = {
            post_id: (pk, article_id, print_, version)
            for pk, post_id, article_id, print_, version in ImportedPost.objects.filter(
                site=channel.site
            ).values_list("pk", "post_id", "article_id", "fingerprint", "story_version")
        }
        self.photos = Photos(
            channel.site,
            channel.attachments,
            self.options.media_dir,
            self.options.dry_run,
            self.report,
        )
        self.report.skipped.update(
            {
                "comment": 0,
            }
        )
        if self.options.dry_run:
            try:
                with transaction.atomic():  # everything as for real, then rolled back
                    self._posts()
                    self._archive_redirects()
                    raise _DryRun
            except _DryRun:
                pass
        else:
            # Each batch commits on its own: a run stopped half-way keeps what it did
            # (the next run goes on from there), and the desk waits at most for one
            # batch's write.
            self._posts()
            with transaction.atomic():
                self._archive_redirects()
        if not self.report.skipped["comment"]:
            del self.report.skipped["comment"]
        return self.report

    # --- the posts -------------------------------------------------------------------

    def _posts(self):
        done, batch = 0, []
        for number, item in self.export.items():
            self.progress(number, self.total)
            if isinstance(item, Exception):
                self.report.failed.append({"post_id": None, "title": "", "reason": str(item)})
                continue
            self.report.skipped["comment"] += item.comments
            custom = sum(1 for key in item.meta if not key.startswith("_"))
            if custom:
                self.report.skipped["custom field"] += custom
            if item.post_type == "attachment":
                continue  # brought in when a post shows it, or below
            kind = self._skip_kind(item)
            if kind:
                self.report.skipped[kind] += 1
                continue
            if self.options.limit is not None and done >= self.options.limit:
                self.report.skipped["over --limit"] += 1
                continue
            done += 1
            try:
                plan = self._plan(item)
            except POST_ERRORS as error:
                self._failed(item, error)
                continue
            if plan is not None:
                batch.append(plan)
            if len(batch) >= BATCH:
                self._batch(batch)
                batch = []
        if batch:
            self._batch(batch)

    def _failed(self, item, error, failures=None):
        reason = " ".join(error.messages) if isinstance(error, ValidationError) else error
        (self.report.failed if failures is None else failures).append(
            {"post_id": item.post_id, "title": item.title, "reason": str(reason)}
        )

    def _batch(self, plans):
        """Write a batch of posts in one transaction, each post in its own savepoint: a
        post that fails is rolled back whole (no story, link, redirect or record of it
        is left) and named in the report, and the others go on. The batch then gets its
        first revisions, its search index and one page-stamp bump in bulk, before
        it commits. Should that fail, the batch is undone and written again one post a
        transaction, so the post at fault is named and the rest still come in."""
        sections, tags, authors = dict(self.sections), dict(self.tags), dict(self.authors)
        outcomes, failures, stories = Counter(), [], []
        rows = {Byline: [], TaggedArticle: [], ImportedPost: []}
        try:
            with transaction.atomic(), stamping_held():
                for plan in plans:
                    mine = {model: [] for model in rows}
                    try:
                        with transaction.atomic():
                            outcome, article = self._post(plan, mine)
                    except POST_ERRORS as error:
                        self._failed(plan.item, error, failures)
                        continue
                    outcomes[outcome] += 1
                    if article is not None:
                        stories.append((plan, article))
                    for model, made in mine.items():
                        rows[model].extend(made)
                # The batch's bylines, tag links and import records, one insert each:
                # an insert costs about as much for one row as for a hundred.
                for model, made in rows.items():
                    model.objects.bulk_create(made)
                revisions.record_revisions(
                    (article, f"Imported from WordPress post {plan.item.post_id}")
                    for plan, article in stories
                )
        except POST_ERRORS as error:
            # Sections, tags and people made in the undone transaction are gone again.
            self.sections, self.tags, self.authors = sections, tags, authors
            if len(plans) == 1:
                self._failed(plans[0].item, error)
                return
            for plan in plans:
                self._batch([plan])
            return
        self.report.imported += outcomes["imported"]
        self.report.updated += outcomes["updated"]
        self.report.kept_edited += outcomes["kept"]
        self.report.failed.extend(failures)
        for plan, _article in stories:
            self.report.shortcodes.update(plan.shortcodes)
            self.report.media_missing.extend(
                {"post_id": plan.item.post_id, "file": file} for file in plan.missing
            )

    def _skip_kind(self, item):
        if item.post_type != "post":
            return {
                "page": "page",
                "nav_menu_item": "menu item",
                "revision": "revision",
            }.get(item.post_type, f"custom post type {item.post_type}")
        if item.status in SKIPPED_STATUSES:
            return {"inherit": "revision"}.get(item.status, item.status)
        if item.status not in DEFAULT_STATUS_MAP:
            return f"status {item.status or '(none)'}"
        return None

    def _plan(self, item):
        """What a post needs before its transaction (None when there is nothing to write):
        its body converted and its photos brought in, each photo committed on its own,
        so a post that then fails leaves no story behind."""
        print_ = fingerprint(item, self.options)
        record = self.records.get(item.post_id)
        if record and record[2] == print_ and not self.options.overwrite:
            self.report.unchanged += 1
            return None
        if record and record[1] is None and not self.options.overwrite:
            self.report.skipped["deleted by the desk since"] += 1
            return None
        self.photos.post_id = item.post_id
        body, shortcodes, missing = convert_body(item.content, self.photos)
        lead = self.photos.by_id(_int(item.meta.get("_thumbnail_id")))
        return _Plan(item, print_, record, body, shortcodes, missing, lead)

    def _post(self, plan, rows):
        """Write one post (inside its savepoint): ("imported"|"updated"|"kept", story).
        Its new bylines, tag links and import record are added to ``rows`` for the batch
        to insert."""
        item, record = plan.item, plan.record
        article = None
        if record and record[1]:
            article = Article.objects.select_for_update().filter(pk=record[1]).first()
            if article and article.edit_version != record[3] and not self.options.overwrite:
                return "kept", None
        created = article is None
        article = self._write(item, article or Article(), plan.body, plan.lead, rows)
        self._redirects(item, article)
        if record:
            ImportedPost.objects.filter(pk=record[0]).update(
                article=article, fingerprint=plan.fingerprint, story_version=article.edit_version
            )
        else:
            rows[ImportedPost].append(
                ImportedPost(
                    site=self.channel.site,
                    post_id=item.post_id,
                    article=article,
                    fingerprint=plan.fingerprint,
                    story_version=article.edit_version,
                )
            )
        return ("imported" if created else "updated"), article

    def _write(self, item, article, body, lead, rows):
        status, published_at, notes = self._status(item, body)
        text = strip_tags(body).split()
        headline = item.title or Truncator(" ".join(text)).words(12) or "Untitled"
        if len(headline) > HEADLINE_MAX_LENGTH:
            raise PostFailed(
                f"the title is {len(headline)} characters long; the limit is {HEADLINE_MAX_LENGTH}"
            )
        if not item.title:
            notes.append("The post had no title on WordPress; this headline is its first words.")
        article.headline = headline
        article.body = body
        article.dek = plain(item.excerpt)[:500]
        article.status = status
        article.published_at = published_at
        article.featured = item.sticky
        article.lead_image = lead
        article.section = self._section(item)
        article.slug = short_slug(unquote(item.slug) or headline)
        article.source_id = f"wordpress:{self.channel.site}:{item.post_id}"[:200]
        created = article.pk is None
        article.save()
        if not created:
            Byline.objects.filter(article=article).delete()
            TaggedArticle.objects.filter(content_object=article).delete()
        author = self._author(item.creator)
        # The byline and tag links as Byline.save() and taggit's add() would write them,
        # with the copy of the publication time Article.save keeps on them, inserted with
        # the batch's (``_batch``): per post, taggit's add() alone costs a lookup, an
        # insert and a search reindex per tag.
        if author:
            rows[Byline].append(
                Byline(article=article, author=author, published_at=article.listed_at)
            )
        rows[TaggedArticle].extend(
            TaggedArticle(content_object=article, tag=tag, published_at=article.listed_at)
            for tag in self._tag_objects(self._tags(item, article.section))
        )
        for note in notes:
            EditorialNote.objects.create(article=article, body=note)
        # The search index and the story's first revision (so its first edit can be
        # compared and undone) are written for the whole batch at once (``_batch``).
        return article

    def _status(self, item, body):
        """(status, publication time, notes for the desk): never more public than on WP."""
        target = self.options.status_map[item.status]
        when = self._published_at(item)
        notes = []
        if target == "scheduled" and (when is None or when <= timezone.now()):
            target = "draft"
            notes.append(
                "Scheduled on WordPress, but its time had passed unpublished: imported as a draft."
            )
        if item.password and target in {"published", "scheduled"}:
            target = "draft"
            notes.append(
                "Password-protected on WordPress: imported as a draft. Publish it only if it "
                "may be read by everyone."
            )
        if not strip_tags(body).strip() and "<img" not in body and target != "draft":
            target = "draft"
            notes.append("The post was empty on WordPress: imported as a draft.")
        if item.status == "private":
            notes.append("Private on WordPress: imported as a draft.")
        status = {
            "published": Article.Status.PUBLISHED,
            "scheduled": Article.Status.PUBLISHED,
            "review": Article.Status.REVIEW,
            "draft": Article.Status.DRAFT,
        }[target]
        return status, (when if status == Article.Status.PUBLISHED else None), notes

    def _published_at(self, item):
        gmt = parse_wp_date(item.date_gmt)
        if gmt:
            return gmt.replace(tzinfo=UTC)
        local = parse_wp_date(item.date)
        if local is None:
            return None
        if self.channel.utc_offset is not None:
            return (local - self.channel.utc_offset).replace(tzinfo=UTC)
        return timezone.make_aware(local)

    def _section(self, item):
        if self.options.section_from == "categories" and item.categories:
            primary = _int(item.meta.get("_yoast_wpseo_primary_category"), None)
            chosen = item.categories[0]
            for term in self.channel.terms:
                if term.term_id == primary and term.kind == "category":
                    chosen = next((c for c in item.categories if c[0] == term.slug), chosen)
            return self._find_section(*chosen)
        if self.options.default_section:
            return self._find_section("", self.options.default_section)
        return None

    def _find_section(self, wp_slug, name):
        key = (wp_slug, name)
        if key not in self.sections:
            slug = short_slug(unquote(wp_slug) or name)
            if slug == "story":  # nothing ASCII to slug: "日本" and the like
                slug = f"section-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
            section = (
                Section.objects.filter(name__iexact=name[:80]).first()
                or Section.objects.filter(slug=slug).first()
            )
            if section is None:
                section = Section.objects.create(name=name[:80], slug=_free(Section, slug))
            self.sections[key] = section
        return self.sections[key]

    def _tags(self, item, section):
        names = [name for _slug, name in item.tags]
        names += [name for slug, name in item.categories if not section or name != section.name]
        return list(dict.fromkeys(name[:100] for name in names if name))

    def _tag_objects(self, names):
        found = []
        for name in names:
            key = name.casefold()
            if key not in self.tags:
                self.tags[key] = Tag.objects.filter(name__iexact=name).first() or (
                    Tag.objects.create(name=name)
                )
            found.append(self.tags[key])
        return list({tag.pk: tag for tag in found}.values())

    def _author(self, login):
        if not login:
            return None
        if login not in self.authors:
            name = self.channel.authors.get(login) or login
            author = Author.objects.filter(name__iexact=name[:120]).first()
            if author is None:
                author = Author.objects.create(
                    name=name[:120], slug=_free(Author, short_slug(login))
                )
            self.authors[login] = author
        return self.authors[login]

    # --- old addresses ---------------------------------------------------------------

    def _redirects(self, item, article):
        olds = {f"{self.prefix}/?p={item.post_id}"}
        if item.link:
            olds.add(unquote(item.path))
        # One statement whether the address is new or was another story's: the story's
        # own save has already marked the site changed for readers.
        StoryRedirect.objects.bulk_create(
            [
                StoryRedirect(old_path=old, article=article)
                for old in sorted(olds)
                if old and old != "/" and old != article.path and len(old) <= 500
            ],
            update_conflicts=True,
            unique_fields=["old_path"],
            update_fields=["article"],
        )

    def _archive_redirects(self):
        parents = {t.slug: t for t in self.channel.terms if t.kind == "category"}
        for term in self.channel.terms:
            if term.kind == "category":
                trail, seen, parent = [term.slug], set(), term.parent
                while parent in parents and parent not in seen:
                    seen.add(parent)
                    trail.insert(0, parent)
                    parent = parents[parent].parent
                old = f"{self.prefix}/category/{unquote('/'.join(trail))}/"
                section = self.sections.get((term.slug, term.name))
                if section is None and self.options.section_from == "categories":
                    # A re-run that changed nothing has met no section: find it by name.
                    section = Section.objects.filter(name__iexact=term.name[:80]).first()
                target = {"section": section} if section else self._tag_target(term.name)
            elif term.kind == "post_tag":
                old = f"{self.prefix}/tag/{unquote(term.slug)}/"
                target = self._tag_target(term.name)
            else:
                continue
            if not target or len(old) > 500:
                continue
            new = (
                target["section"].get_absolute_url()
                if "section" in target
                else reverse("tag", kwargs={"slug": target["tag"].slug})
            )
            wanted = {"section": target.get("section"), "tag": target.get("tag")}
            if new != old:
                # Written only when missing or different: a save retires every cached page.
                redirect = ArchiveRedirect.objects.filter(old_path=old).first()
                if redirect is None:
                    ArchiveRedirect.objects.create(old_path=old, **wanted)
                elif (redirect.section_id, redirect.tag_id) != tuple(
                    getattr(wanted[field], "pk", None) for field in ("section", "tag")
                ):
                    redirect.section, redirect.tag = wanted["section"], wanted["tag"]
                    redirect.save()

    def _tag_target(self, name):
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            return None
        return {"tag": tag}


def plain(html_text):
    """Text without markup or character references, for a dek or a caption."""
    return html.unescape(strip_tags(html_text or "")).strip()


def _int(text, default=0):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def _free(model, base):
    slug, number = base, 2
    while model.objects.filter(slug=slug).exists():
        slug = with_suffix(base, number)
        number += 1
    return slug
