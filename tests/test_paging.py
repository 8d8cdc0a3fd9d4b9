"""One paging rule for reader listings, search, corrections, the archive and the API."""

import pytest
from django.http import Http404

from articles.reader.paging import MAX_PAGE, Page, page_number


def rows(count):
    return lambda limit, offset: list(range(count))[offset : offset + limit]


def test_a_page_knows_its_neighbours_from_one_extra_row():
    first = Page.fetch(1, rows(45), size=20)
    assert (first.stories, first.has_next, first.has_previous) == (list(range(20)), True, False)
    last = Page.fetch(3, rows(45), size=20)
    assert (last.stories, last.has_next, last.has_previous) == (list(range(40, 45)), False, True)
    assert Page.fetch(1, rows(0)).stories == []  # an empty first page is still a page


def test_past_the_end_is_a_404():
    with pytest.raises(Http404):
        Page.fetch(4, rows(45), size=20)


@pytest.mark.parametrize("raw", ["0", "-1", "1.5", "x", "²", "", str(MAX_PAGE + 1), "٣"])
def test_only_plain_page_numbers_are_pages(raw):
    with pytest.raises(Http404):
        page_number(raw)


def test_no_page_is_the_first():
    assert page_number(None) == 1 and page_number("7") == 7
