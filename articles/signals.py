"""
What counts as a change a reader could see.

Any save or delete of a story, byline, tag link, section, author or tag bumps
the site-wide ``ContentVersion`` in the same transaction, which retires every
fragment rendered under the old version (see ``articles.models.version``).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag

from .models import Article, Author, Byline, ContentVersion, Section, TaggedArticle

WATCHED = (Article, Author, Byline, Section, TaggedArticle, Tag)


@receiver(post_save)
@receiver(post_delete)
def bump_content_version(sender, raw=False, **kwargs):
    if sender in WATCHED and not raw:
        ContentVersion.bump()


@receiver(m2m_changed, sender=TaggedArticle)
def bump_on_tag_change(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        ContentVersion.bump()
