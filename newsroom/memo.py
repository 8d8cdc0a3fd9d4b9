"""Per-process memos that stay within a count of entries.

A reader page keeps three kinds of rendered HTML in each process: the listed stories
(``newsroom.jinja2.remember``), the page chrome (``newsroom.jinja2.chrome``) and a
published story's article and head (``articles.reader.presenters.published_story``).
Each is held in a ``Bounded``.
"""


class Bounded(dict):
    """A dict of at most ``limit`` entries. When full it is emptied, not trimmed, and
    refilled as pages ask: an entry costs one render to make again, whereas keeping the
    least recently used would add bookkeeping to every hit, the path that counts."""

    def __init__(self, limit):
        super().__init__()
        self.limit = limit

    def keep(self, key, value):
        """Keep ``value`` under ``key``, making room first if full; return ``value``."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
