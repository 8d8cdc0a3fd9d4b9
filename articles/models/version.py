"""
What a reader page was rendered from: the site-wide content version, and finer stamps.

Every change a reader could see bumps ``ContentVersion.version`` in the same
transaction as the change (``articles.signals``). Pages that show the whole site
(the front, archives, the site's feeds and sitemaps) and the fragments many pages
share (Latest stories, Related stories) are kept under that version, so they are
rendered once per change instead of once per request and are never stale. The
counter lives in the database, so every web worker sees the same value without a
shared cache.

A change to one story reaches only a few other pages: its own, its section's, its
tags' and its authors' (and their feeds). So such a change also stamps those
*scopes* (``PageStamp``: "story:<path>", "section:<slug>", "tag:<slug>",
"author:<slug>") with the new version, and those pages are kept under their own
scope's stamp plus ``shared_version``, the version of the last change that reaches
every page (a section, author, tag, photo, pin or redirect changed, a story deleted
or restored). Publishing story B then leaves story A's stored page alone; A's Latest
and Related blocks are spliced in when it is served (``articles.reader.pagecache``).
The stamps take the site-wide counter's value, never a count of their own, so a
scope deleted and made again (a story at the same address) never repeats a stamp.
"""

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

SINGLETON_ID = 1


def note_own_change():
    """Count a stamp change this process committed, at its commit."""
    ContentVersion.committed_here += 1


class ContentVersion(models.Model):
    # Stamp changes committed by this process. On PostgreSQL a reader keeps the stamps
    # it read while its listener heard of no change (articles/reader/stampwatch.py);
    # a change this very process made is known at its commit, not only when its
    # notification comes back a few milliseconds later (articles/reader/queries.py).
    committed_here = 0

    version = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    shared_version = models.BigIntegerField(
        default=0,
        help_text="The version of the last change that reaches every reader page.",
    )

    class Meta:
        verbose_name = "content version"

    def __str__(self):
        return f"version {self.version}"

    @classmethod
    def bump(cls, scopes=(), everywhere=False):
        """A change readers could see: a new version, given to ``scopes`` (the pages it
        reaches besides the site-wide ones), or to every page if ``everywhere``."""
        with transaction.atomic():
            transaction.on_commit(note_own_change)
            changes = {"version": F("version") + 1, "changed_at": timezone.now()}
            if everywhere:
                changes["shared_version"] = F("version") + 1  # the new version
            if not cls.objects.filter(pk=SINGLETON_ID).update(**changes):
                cls.objects.get_or_create(pk=SINGLETON_ID)
            if scopes and not everywhere:
                version = cls.objects.values_list("version", flat=True).get(pk=SINGLETON_ID)
                PageStamp.objects.bulk_create(
                    [PageStamp(scope=scope, version=version) for scope in sorted(set(scopes))],
                    update_conflicts=True,
                    unique_fields=["scope"],
                    update_fields=["version"],
                )


class PageStamp(models.Model):
    """The content version of the last change to one scope of reader pages (a story's
    page, a section's, a tag's or an author's pages and feeds)."""

    scope = models.CharField(max_length=200, primary_key=True)
    version = models.BigIntegerField()

    class Meta:
        verbose_name = "page stamp"

    def __str__(self):
        return f"{self.scope} at version {self.version}"


# A tag's own pages (its listing and feeds) are kept under "tag-pages:<slug>", which
# every change to a story with the tag stamps as it stamps "tag:<slug>". Only the
# former is stamped by a live update (``articles.models.live``), whose stamps run down:
# "tag:<slug>" also keys the Related stories of every story with the tag (the newest of
# its tags' stamps, ``reader.fragments.read_stamps``), so it must only ever rise.
TAG_PAGES = "tag-pages"


def scope(kind, key):
    """The name of a scope of reader pages: ``kind`` is story (``key`` its address),
    section, tag, ``TAG_PAGES`` or author (``key`` its slug)."""
    return f"{kind}:{key}"
