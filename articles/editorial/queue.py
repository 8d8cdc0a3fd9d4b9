"""
The order of the desk's story list: what needs someone's attention comes first.

An editor sees the review queue first, the story waiting longest at the top
(``submitted_at``, stamped by ``workflow`` when it went into review), then
drafts, most recently worked on first, then everything else newest first. A
writer sees their own stories first (the ones they created or have a byline on,
``access.mine_q``), in that same order, then the rest of what they may see,
newest first.

The whole order is an index of its own (``article_desk_order_idx``, on the same
SQL text as the keys below), so a page is walked out of it without sorting or
reading a story row (see ``articles.admin.stories``).
"""

from django.db.models import Case, DateTimeField, F, IntegerField, Value, When
from django.db.models.expressions import RawSQL

from .. import access
from ..models import Article

Status = Article.Status

# The desk order's own keys, written as literal SQL: the index ``article_desk_order_idx``
# (migrations 0017, then 0018 for ``submitted_at``) is built on this very text, and a
# database uses an index on an expression only for that expression, literals included
# (Django would send 'review' and 0 as parameters, which no index matches).
# tests/test_desk_order_index.py holds the newest migration's SQL to these strings.
# Constant texts, no user input.
STAGE = "CASE status WHEN 'review' THEN 0 WHEN 'draft' THEN 1 ELSE 2 END"
WAITING_SINCE = "CASE WHEN status = 'review' THEN submitted_at END"
DRAFTED_AT = "CASE WHEN status = 'draft' THEN updated_at END"


def _key(sql, output_field):
    return RawSQL(sql, [], output_field=output_field)  # noqa: S611 (constant SQL)


def _keys(status):
    newest = [F("published_at").desc(nulls_last=True), F("id").desc()]
    if status == Status.REVIEW:
        return [F("submitted_at").asc(nulls_last=True), *newest]
    if status == Status.DRAFT:
        return [F("updated_at").desc(), *newest]
    if status in Status.values:
        return newest
    # Within each stage the other stage's key is NULL on every row, so where NULLs
    # sort does not change the order (and the index need not say).
    return [
        _key(STAGE, IntegerField()).asc(),
        _key(WAITING_SINCE, DateTimeField()).asc(),
        _key(DRAFTED_AT, DateTimeField()).desc(),
        *newest,
    ]


def desk_order(user, status=None):
    """Ordering expressions for ``Article`` querysets seen by ``user``; ``status`` when
    the list holds stories of that status only (its filter), where the same order needs
    fewer keys and an index on (status, time) answers it."""
    order = _keys(status)
    if not access.is_editor(user):
        mine_first = Case(
            When(access.mine_q(user), then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        order.insert(0, mine_first.asc())
    return order


def desk_parts(user, stories, status=None):
    """``stories`` in ``desk_order``, as consecutive parts each ordered by an index: an
    editor's list is one; a writer's is their own stories (few, sorted) followed by the
    rest, walked in ``article_desk_order_idx`` order. "Mine first" as a sort key
    would sort every story a writer may see for each page."""
    order = _keys(status)
    if access.is_editor(user):
        return [stories.order_by(*order)]
    mine = access.mine_q(user)
    return [stories.filter(mine).order_by(*order), stories.exclude(mine).order_by(*order)]
