"""
Re-indexing many stories in the background (the "default" task queue).

Renaming a tag or merging tags changes what the search index holds for every story
carrying them: thousands of rows for a common tag, seconds of work the editor's
request used to wait for. The change itself commits at once (the tag pages and their
redirects are right immediately); the stories' search entries follow as soon as a
worker runs this task, in the meantime a search still finds them under the old name.

The task reads the stories as they are when it runs, so running it twice (a retry,
two renames in a row) leaves the same index; a story deleted meanwhile is taken out.
"""

from django.db import transaction
from django_tasks import task

from . import reindex_many


@task(queue_name="default")
def reindex_stories(story_ids):
    """Index ``story_ids`` again, ``INDEX_BATCH`` stories a statement."""
    reindex_many(story_ids)
    return len(story_ids)


def reindex_later(story_ids):
    """Queue the re-indexing of ``story_ids`` for when the current transaction commits
    (nothing is queued for a rolled-back change)."""
    story_ids = sorted(set(story_ids))
    if story_ids:
        transaction.on_commit(lambda: reindex_stories.enqueue(story_ids))
