"""Stories, their ordered bylines and their tags."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from ..images.placement import enrich_body_images, placed_folders
from ..text import SLUG_MAX_LENGTH, sanitize_html, short_slug, strip_control_characters, with_suffix
from .fields import recorded_by
from .placement import PhotoPlacement
from .seo import reading_minutes, search_and_social, word_count
from .taxonomy import Author, Section

# What the rich-text editor offers; the server's own allowlist (articles.text)
# decides what is kept, whatever the browser sends. NewsroomLink, NewsroomEditing and
# Embed are ours (static/admin/newsroom/body-editor.js, settings.DJANGO_PROSE_EDITOR_EXTENSIONS):
# django-prose-editor 0.28, the newest release, leaves the linked word selected after
# adding a link, lets Enter do nothing in a photo's caption, and turns spellcheck off.
BODY_EDITOR_EXTENSIONS = {
    "NoSpellCheck": False,
    "NewsroomEditing": True,
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "NewsroomLink": {"enableTarget": False},
    "HardBreak": True,
    "HorizontalRule": True,
    "Figure": True,
    "Caption": True,
    "Image": True,
    "Embed": True,
}


def story_path(published_at, slug):
    """The story's address: its publication date in the newsroom's zone and its slug."""
    day = timezone.localdate(published_at)
    return f"/{day:%Y/%m/%d}/{slug}/"


class ArticleQuerySet(models.QuerySet):
    def live(self, now=None):
        """
        Stories a reader may see: published, and published_at not in the future.

        This is the one rule for readers. A story scheduled for later needs no
        job to go live: it matches as soon as its time has come. The reader
        queries in ``articles.reader.queries`` share the same rule as SQL (``LIVE``),
        and a test holds the two to the same answer.
        """
        return self.filter(Article.live_q(now))


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # Long enough for the longest wire and archive headlines (issue 16 met one of 330
    # characters); the slug, and so the address, stays short whatever its length.
    headline = models.CharField(max_length=400)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        blank=True,
        help_text="The last part of the story's address. Filled from the headline; if another "
        "story that day has it, a number is added on publication.",
    )
    dek = models.TextField(
        "dek",
        max_length=500,
        blank=True,
        help_text="The standfirst: one or two sentences under the headline, also used in "
        "listings and feeds.",
    )
    body = ProseEditorField(
        blank=True,
        extensions=BODY_EDITOR_EXTENSIONS,
        sanitize=sanitize_html,
        help_text="The story. Paragraphs, subheadings, links, lists and quotes are kept; "
        "scripts, styles and anything unsafe are removed when you save.",
    )
    section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    authors = models.ManyToManyField(
        Author,
        through="Byline",
        related_name="articles",
        blank=True,
    )
    tags = TaggableManager(
        through="TaggedArticle",
        blank=True,
        help_text="Topics, people and places in the story, separated by commas.",
    )
    lead_image = models.ForeignKey(
        "articles.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_of",
        help_text="Shown at the top of the story, in listings and in feeds.",
    )
    dateline = models.CharField(
        max_length=100,
        blank=True,
        help_text="Where the story was reported from, e.g. PORT ALDER. Leave empty if none.",
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Writers move a story from Draft to In review; editors publish, schedule "
        "(publish with a future time) or withdraw it.",
    )
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        help_text="When readers first see the story. A time in the future schedules it; "
        "left empty, it is set when the story is published.",
    )
    featured = models.BooleanField(
        default=False,
        help_text="Lead the home page with this story while it is the newest featured one.",
    )
    # Live coverage (issue 17, ``articles.models.live``): editors open and close it.
    live_started_at = models.DateTimeField(
        "live coverage since",
        null=True,
        blank=True,
        help_text="Set to run this story as live coverage with timestamped updates; readers "
        "see a Live marker. Editors only.",
    )
    live_ended_at = models.DateTimeField(
        "live coverage closed at",
        null=True,
        blank=True,
        help_text="When live coverage ended; readers see the closing time instead of the "
        "Live marker. Editors only.",
    )
    breaking_until = models.DateTimeField(
        "breaking news until",
        null=True,
        blank=True,
        help_text="While this time is ahead, every reader page shows a breaking-news banner "
        "linking to this story. Ticking Breaking news sets it an hour ahead; clear it to "
        "remove the banner at once. Editors only.",
    )
    seo_title = models.CharField(
        "SEO title",
        max_length=120,
        blank=True,
        help_text="The title in search results and the browser tab, if it should differ "
        "from the headline. Search engines show about 60 characters. Empty: the headline.",
    )
    meta_description = models.TextField(
        max_length=320,
        blank=True,
        help_text="The text under the title in search results. Search engines show about "
        "155 characters. Empty: the dek.",
    )
    social_title = models.CharField(
        max_length=150,
        blank=True,
        help_text="The title on the card when the story is shared on social networks; about "
        "70 characters show. Empty: the SEO title, or the headline.",
    )
    social_description = models.TextField(
        max_length=400,
        blank=True,
        help_text="The text on the shared card; about 200 characters show. Empty: the meta "
        "description, or the dek.",
    )
    social_image = models.ForeignKey(
        "articles.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="social_image_of",
        help_text="The picture on the shared card, if not the lead photo. Wide pictures "
        "(1200 × 630) suit every network.",
    )
    # The stored address, /YYYY/MM/DD/slug/, or NULL while the story has no date. NULL
    # rather than "": a plain unique index (NULLs never collide) is one SQLite's planner
    # always uses, where a partial one is used only if a query repeats its condition.
    path = models.CharField(max_length=120, null=True, blank=True, unique=True, editable=False)
    source_id = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="Identifies a story brought in by an importer, so importing it again "
        "creates no duplicate.",
    )
    revised_at = models.DateTimeField(
        "updated for readers",
        null=True,
        blank=True,
        editable=False,
        help_text="When a correction or update was last appended; shown as 'Updated'.",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_stories",
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text="The one person responsible for getting this story done. They see it on "
        "their desk and are told when it is assigned to them.",
    )
    planned_for = models.DateTimeField(
        "planned slot",
        null=True,
        blank=True,
        help_text="When the desk plans to publish it, for the planning view. It does not "
        "schedule anything: the publication time does.",
    )
    target_words = models.PositiveIntegerField(
        "target length",
        null=True,
        blank=True,
        help_text="Length commissioned, in words. The planning view shows the draft's length "
        "against it.",
    )
    # Kept by every save (tidy_text), so the planning budget reads a number instead of
    # every body of the period.
    word_count = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Words in the body, counted when the story is saved.",
    )
    # Set by articles.editorial.workflow when the story goes into review, so the review
    # queue is ordered by how long a story has waited, not by its last edit.
    submitted_at = models.DateTimeField(
        "submitted for review at",
        null=True,
        blank=True,
        editable=False,
        help_text="When the story was last sent to the editors for review. Editing it while "
        "in review keeps its place in the queue; sending it back to draft clears it.",
    )
    created_by = recorded_by()
    updated_by = recorded_by()
    # Incremented by every save: an edit form carries the number it was opened
    # with, and a save from a stale form is refused instead of overwriting.
    edit_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "story"
        verbose_name_plural = "stories"
        permissions = [
            ("publish_article", "Can publish, schedule and withdraw stories"),
            ("edit_any_article", "Can edit any writer's story, published ones included"),
        ]
        indexes = [
            models.Index(fields=["status", "published_at", "id"], name="article_live_idx"),
            models.Index(
                fields=["section", "status", "published_at", "id"], name="article_section_idx"
            ),
            # The front's lead (the newest live featured story) without walking every
            # live story when few or none are featured (issue 13).
            models.Index(
                fields=["featured", "status", "published_at", "id"], name="article_lead_idx"
            ),
            # The breaking-news banner: the few stories with a time ahead (issue 17).
            models.Index(fields=["breaking_until"], name="article_breaking_idx"),
            # The planning view reads a day or a week of planned slots.
            models.Index(fields=["planned_for"], name="article_planned_idx"),
            # The admin's story list (articles.editorial.queue): every sort key and the
            # writer's "own" test in one index, so a page of 100 is picked from it
            # without reading the stories (each row carries its body).
            models.Index(
                fields=["status", "published_at", "updated_at", "created_by"],
                name="article_desk_idx",
            ),
        ]
        constraints = []

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.tidy_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "word_count"}
        if not self.slug:
            self.slug = short_slug(self.headline)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        self.edit_version += 1
        # Two saves can race for the same path; the unique constraint decides
        # and the loser takes the next free number instead of failing.
        requested_slug = self.slug
        # A story being added has no tag links or bylines yet to copy its time onto
        # (two statements a story an import of thousands need not pay).
        adding = self._state.adding
        for attempt in range(5):
            try:
                with transaction.atomic():
                    old_path = self._stored_path()
                    self._assign_path()
                    super().save(*args, **kwargs)
                    if not adding:
                        self._copy_publication_time()
                    PhotoPlacement.keep_in_step(self, self._body_photo_ids)
                    self._keep_old_address(old_path)
                return
            except IntegrityError:
                if attempt == 4 or not self.path:
                    raise
                self.slug = requested_slug  # number it afresh, not "-2-2"
                kwargs.pop("force_insert", None)

    def get_absolute_url(self):
        return self.path or None

    def clean(self):
        if self.status == self.Status.PUBLISHED and not (self.body or "").strip():
            raise ValidationError({"body": "A published story needs a body."})

    def tidy_text(self):
        """Make the text what readers may be shown: what every save does, and what the
        admin's live preview does to a story it never saves."""
        # Text pasted from PDFs and wire copy can carry control characters that
        # XML feeds and PostgreSQL refuse; they are never meant to be there.
        self.headline = strip_control_characters(self.headline).strip()
        self.dek = strip_control_characters(self.dek).strip()
        self.dateline = strip_control_characters(self.dateline).strip()
        for name in ("seo_title", "meta_description", "social_title", "social_description"):
            setattr(self, name, strip_control_characters(getattr(self, name)).strip())
        body = sanitize_html(strip_control_characters(self.body))
        photos = self._placed_photos(body)
        self.body = enrich_body_images(body, photos)
        # What save() keeps: the photos the body places (PhotoPlacement) and its length.
        self._body_photo_ids = {photo.pk for photo in photos.values()}
        self.word_count = word_count(self.body)

    @classmethod
    def live_q(cls, now=None, prefix=""):
        """The reader rule as a Q, for ORM code reaching stories through ``prefix``
        (e.g. ``"articles__"``): every ORM copy of the rule is built here."""
        return Q(
            **{
                f"{prefix}status": cls.Status.PUBLISHED,
                f"{prefix}published_at__lte": now or timezone.now(),
            }
        )

    @property
    def is_live(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def live_coverage(self):
        """Running as live coverage now: opened and not yet closed."""
        return self.live_started_at is not None and self.live_ended_at is None

    def breaking_shown(self, now=None):
        """Whether readers see this story's breaking-news banner at ``now``."""
        now = now or timezone.now()
        return bool(self.breaking_until and now < self.breaking_until and self.is_live)

    @property
    def search_and_social(self):
        """Titles and descriptions for search and sharing, with their fallbacks
        (``articles.models.seo``)."""
        return search_and_social(
            self.headline,
            self.dek,
            self.seo_title,
            self.meta_description,
            self.social_title,
            self.social_description,
        )

    @property
    def reading_minutes(self):
        return reading_minutes(self.word_count)

    @staticmethod
    def _placed_photos(body):
        """{folder: photo} for the library photos ``body`` places, in one query: a photo's
        files all live in its folder, and the original's name starts with it."""
        from .image import Image

        folders = placed_folders(body)
        if not folders:
            return {}
        wanted = Q()
        for folder in folders:
            wanted |= Q(file__startswith=folder + "/")
        return {photo.file.name.rsplit("/", 1)[0]: photo for photo in Image.objects.filter(wanted)}

    def _assign_path(self):
        """Store the story's address, numbering the slug if that day has it already."""
        if self.published_at is None:
            self.path = None
            return
        base, number = self.slug, 2
        while True:
            path = story_path(self.published_at, self.slug)
            if not Article.objects.filter(path=path).exclude(pk=self.pk).exists():
                self.path = path
                return
            self.slug = with_suffix(base, number)
            number += 1

    def _stored_path(self):
        if self.pk is None:
            return ""
        return Article.objects.filter(pk=self.pk).values_list("path", flat=True).first()

    def _keep_old_address(self, old_path):
        """A published address lasts: the old one redirects here, and the new one is ours."""
        from .redirects import StoryRedirect

        StoryRedirect.objects.filter(old_path=self.path).delete()
        if old_path and old_path != self.path:
            StoryRedirect.objects.update_or_create(old_path=old_path, defaults={"article": self})

    @property
    def listed_at(self):
        """The publication time its tag links and bylines carry: only while published."""
        return self.published_at if self.status == self.Status.PUBLISHED else None

    def _copy_publication_time(self):
        """Keep the copies that let tag and author pages read through an index alone."""
        listed_at = self.listed_at
        for model, story in ((TaggedArticle, "content_object"), (Byline, "article")):
            model.objects.filter(**{story: self}).exclude(published_at=listed_at).update(
                published_at=listed_at
            )
        if listed_at is None:
            # exclude(published_at=None) never matches NULLs; clear them explicitly.
            TaggedArticle.objects.filter(content_object=self).update(published_at=None)
            Byline.objects.filter(article=self).update(published_at=None)


class Byline(models.Model):
    """One author's place in a story's byline."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)
    # The story's publication time while it is published (NULL otherwise), kept by
    # Article.save(), so that an author page pages through one index alone.
    published_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="byline_unique_author"),
        ]
        indexes = [
            models.Index(fields=["author", "published_at", "article"], name="byline_author_idx")
        ]

    def __str__(self):
        return f"{self.author} on {self.article}"

    def save(self, *args, **kwargs):
        self.published_at = self.article.listed_at
        super().save(*args, **kwargs)


class TaggedArticle(TaggedItemBase):
    """A tag on a story, with a direct foreign key rather than taggit's generic one."""

    content_object = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="tagged_items"
    )
    # Copied from the story (see Byline.published_at): a tag page walks the
    # (tag, published_at) index instead of sorting every story with the tag.
    published_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        verbose_name = "tag on a story"
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_unique_tag"),
        ]
        indexes = [
            models.Index(fields=["tag", "published_at", "content_object"], name="tagged_tag_idx")
        ]

    def save(self, *args, **kwargs):
        self.published_at = self.content_object.listed_at
        super().save(*args, **kwargs)
