"""
The order of the desk's story list: what needs someone's attention comes first.

An editor sees the review queue first, the story waiting longest at the top
(``submitted_at``, stamped by ``workflow`` when it went into review), then
drafts, most recently worked on first, then everything else newest first. A
writer sees their own stories first (the ones they created or have a byline on,
``access.mine_q``), in that same order, then the rest of what they may see,
newest first.

Every key reads columns of ``article_desk_idx`` only, so a page is picked out
of that index without reading a story row (see ``articles.admin.stories``).
"""

from django.db.models import Case, F, IntegerField, Value, When

from .. import access
from ..models import Article

Status = Article.Status


def desk_order(user):
    """Ordering expressions for ``Article`` querysets seen by ``user``."""
    stage = Case(
        When(status=Status.REVIEW, then=Value(0)),
        When(status=Status.DRAFT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    waiting_since = Case(When(status=Status.REVIEW, then=F("submitted_at")))
    drafted_at = Case(When(status=Status.DRAFT, then=F("updated_at")))
    order = [
        stage.asc(),
        waiting_since.asc(nulls_last=True),
        drafted_at.desc(nulls_last=True),
        F("published_at").desc(nulls_last=True),
        F("id").desc(),
    ]
    if not access.is_editor(user):
        mine_first = Case(
            When(access.mine_q(user), then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        order.insert(0, mine_first.asc())
    return order
