"""
A site-wide content version.

Every change a reader could see (a story saved or deleted, a section, author or
tag changed) bumps one counter in the same transaction as the change. Rendered
fragments shared by many pages, such as the Latest-stories list, are cached
under that version, so they are rendered once per change instead of once per
request and are never stale. The counter lives in the database, so every web
worker sees the same value without a shared cache.
"""

from django.db import models
from django.db.models import F
from django.utils import timezone

SINGLETON_ID = 1


class ContentVersion(models.Model):
    version = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "content version"

    def __str__(self):
        return f"version {self.version}"

    @classmethod
    def bump(cls):
        updated = cls.objects.filter(pk=SINGLETON_ID).update(
            version=F("version") + 1, changed_at=timezone.now()
        )
        if not updated:
            cls.objects.get_or_create(pk=SINGLETON_ID)
