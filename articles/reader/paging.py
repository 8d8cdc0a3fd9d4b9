"""
One page of a list, written once for every list readers page through: the reader
listings, search, corrections, the archive and the read API.

A page asks for one row more than it shows, to know whether another page follows
without counting the whole list; a page past the end (other than the first) is a
404, and so is a page number that is not a plain 1 to ``MAX_PAGE``.
"""

from dataclasses import dataclass

from django.http import Http404

PAGE_SIZE = 20
MAX_PAGE = 100_000


def page_number(raw):
    """``?page=N`` (``raw``: its value, or None) as a number; anything else is a 404."""
    raw = "1" if raw is None else raw
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise Http404("No such page.")
    return int(raw)


@dataclass
class Page:
    number: int
    stories: list
    has_next: bool

    @property
    def has_previous(self):
        return self.number > 1

    @classmethod
    def fetch(cls, number, fetch, size=PAGE_SIZE):
        """Page ``number`` of what ``fetch(limit, offset)`` returns, ``size`` a page."""
        rows = list(fetch(size + 1, (number - 1) * size))
        if not rows and number > 1:
            raise Http404("No such page.")
        return cls(number, rows[:size], len(rows) > size)
