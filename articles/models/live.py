"""
Live coverage: a story kept alive for hours with short timestamped updates (issue 17).

A story is *live* from ``Article.live_started_at`` until ``live_ended_at``; its updates
are ``LiveUpdate`` rows. An update reaches readers by the same kind of rule as a story
(``LiveUpdate.visible_q``): published, and its time has come. A scheduled update needs
no job: every read asks with the current time, and ``articles.reader.live`` spells the
same rule as SQL (``VISIBLE``).

Adding or changing an update stamps only the pages that show it (``stamp_live``): the
story's page, endpoint and feeds, its section's and authors' listings (they show the
time of its last update) and the front (the ``live`` stamp, read with the site-wide
version). It never bumps the site-wide version, so a stream of updates during a
traffic peak does not re-render every page of the site.
"""

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_prose_editor.fields import ProseEditorField

from ..text import sanitize_html, strip_control_characters
from .fields import recorded_by
from .version import TAG_PAGES, PageStamp, note_own_change, scope

# The page stamp that counts live updates site-wide. Its value goes *down* from -1,
# so a stamp given by an update (negative) is never one a content version gives
# (positive), and never repeats: a page key built from either is never reused.
LIVE_SCOPE = "live"

UPDATE_EDITOR_EXTENSIONS = {
    "NoSpellCheck": False,
    "NewsroomEditing": True,
    "Bold": True,
    "Italic": True,
    "BulletList": True,
    "ListItem": True,
    "Blockquote": True,
    "NewsroomLink": {"enableTarget": False},
    "HardBreak": True,
}


class LiveUpdateQuerySet(models.QuerySet):
    def visible(self, now=None):
        """Updates readers may see (see ``LiveUpdate.visible_q``)."""
        return self.filter(LiveUpdate.visible_q(now))


class LiveUpdate(models.Model):
    """One timestamped entry of a live story: a few sentences, maybe a photo."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    story = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="live_updates"
    )
    published_at = models.DateTimeField(
        "time",
        default=timezone.now,
        help_text="Shown with the update. A time in the future schedules it: readers see "
        "it at that minute.",
    )
    authors = models.ManyToManyField(
        "articles.Author",
        blank=True,
        related_name="live_updates",
        help_text="Who reported this update. Leave empty to show none.",
    )
    body = ProseEditorField(
        extensions=UPDATE_EDITOR_EXTENSIONS,
        sanitize=sanitize_html,
        help_text="A few sentences. Links, lists and quotes are kept; anything unsafe is "
        "removed when you save.",
    )
    photo = models.ForeignKey(
        "articles.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="live_updates",
        help_text="An optional photo from the library, shown with the update.",
    )
    key_event = models.BooleanField(
        "key event",
        default=False,
        help_text="List this update among the key events at the top of the story.",
    )
    pinned = models.BooleanField(
        default=False,
        help_text="Keep this update at the top of the updates, above the newest.",
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Writers save drafts; an editor publishes them.",
    )
    created_by = recorded_by()
    updated_by = recorded_by()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "live update"
        indexes = [
            # The story page's updates, newest first, and the endpoint's "newer than".
            models.Index(
                fields=["story", "status", "published_at", "id"], name="liveupdate_story_idx"
            ),
            # The key events and pinned updates at the top: a handful, found without
            # reading a long story's thousands of updates.
            models.Index(
                fields=["story", "key_event", "status", "published_at"], name="liveupdate_key_idx"
            ),
            models.Index(
                fields=["story", "pinned", "status", "published_at"], name="liveupdate_pinned_idx"
            ),
        ]

    def __str__(self):
        return f"Update to {self.story} at {self.published_at:%H:%M}"

    def save(self, *args, **kwargs):
        self.body = sanitize_html(strip_control_characters(self.body or ""))
        super().save(*args, **kwargs)

    @classmethod
    def visible_q(cls, now=None, prefix=""):
        """The readers' rule for updates as a Q: published, and its time has come."""
        return Q(
            **{
                f"{prefix}status": cls.Status.PUBLISHED,
                f"{prefix}published_at__lte": now or timezone.now(),
            }
        )


def stamp_live(scopes):
    """Give ``scopes`` (a story's page and the listings showing its last-update time)
    and the front's ``live`` stamp a new value, leaving the site-wide version alone."""
    with transaction.atomic():
        transaction.on_commit(note_own_change)
        if not PageStamp.objects.filter(scope=LIVE_SCOPE).update(version=F("version") - 1):
            PageStamp.objects.get_or_create(scope=LIVE_SCOPE, defaults={"version": -1})
        value = PageStamp.objects.values_list("version", flat=True).get(scope=LIVE_SCOPE)
        scopes = sorted(set(scopes) - {LIVE_SCOPE})
        if scopes:
            PageStamp.objects.bulk_create(
                [PageStamp(scope=name, version=value) for name in scopes],
                update_conflicts=True,
                unique_fields=["scope"],
                update_fields=["version"],
            )


def live_scopes(story_id):
    """What an update to the story reaches: its page (endpoint and feeds included), its
    section's, tags' and authors' listings and feeds. A tag's pages by ``TAG_PAGES``,
    never "tag:<slug>": that stamp also keys the Related stories of every story with
    the tag (``fragments.read_stamps``), which must only ever rise."""
    from .article import Article, Byline, TaggedArticle

    row = Article.objects.filter(pk=story_id).values_list("path", "section__slug").first()
    if row is None or not row[0]:
        return set()
    path, section = row
    found = {scope("story", path)}
    if section:
        found.add(scope("section", section))
    authors = Byline.objects.filter(article_id=story_id).values_list("author__slug", flat=True)
    found.update(scope("author", slug) for slug in authors)
    tags = TaggedArticle.objects.filter(content_object_id=story_id).values_list("tag__slug")
    found.update(scope(TAG_PAGES, slug) for (slug,) in tags)
    return found
