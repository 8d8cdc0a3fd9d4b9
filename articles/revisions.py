"""
What a story's revision holds: the story with its byline, tags and corrections.

django-reversion keeps every saved state with who saved it, when, and the
admin's change message; the admin shows the history, compares any two
revisions, reverts to one, and recovers deleted stories. (Chosen over
django-simple-history because a revision there is one row per model, whereas
reversion stores a story together with its related rows, so reverting a story
brings back its byline and tags as they were.)
"""

import reversion
from taggit.models import Tag

from .models import Article, Byline, Correction, TaggedArticle


def register():
    if reversion.is_registered(Article):
        return
    reversion.register(Tag)
    reversion.register(Byline)
    reversion.register(TaggedArticle, follow=["tag"])
    reversion.register(Correction)
    reversion.register(Article, follow=["bylines", "tagged_items", "corrections"])


register()
