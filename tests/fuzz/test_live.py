"""A live story's page, updates endpoint and feeds (issue 17): hostile ``before``, ``at``,
``after`` and ``order`` values and conditional headers. A draft update never shows."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.editorial import live as desk
from articles.models import LiveUpdate

from ..factories import make_staff
from .fuzzer import UNPUBLISHED, Fuzzer, fuzz
from .hostile import conditional_headers, numbers, segment, swept

pytestmark = pytest.mark.django_db

DRAFT_UPDATE = "fuzz-draft-live-update"


@pytest.fixture
def live_story(newsroom):
    story, editor = newsroom["story"], make_staff("fuzz-live-editor", "Editor")
    desk.open_coverage(story, editor)
    shown = desk.save_update(LiveUpdate(story=story, body="<p>Shown.</p>"), editor, publish=True)
    desk.save_update(LiveUpdate(story=story, body=f"<p>{DRAFT_UPDATE}</p>"), editor)
    story.refresh_from_db()
    return story, shown


def test_malformed_live_requests_never_fail(live_story):
    story, shown = live_story
    fuzzer = Fuzzer("live", secrets=(*UNPUBLISHED, DRAFT_UPDATE))
    suffixes = ["", "updates/", "updates/atom/", "updates/feed.json"]
    fuzzer.warm_up(*(story.path + suffix for suffix in suffixes))
    for target in swept(
        [
            story.path + "?before={}",
            story.path + "?at={}",
            story.path + "?order={}",
            story.path + "updates/?after={}",
        ]
    ):
        fuzzer.send(target)
    values = st.one_of(numbers, segment, st.just(str(shown.pk)), st.just("0"))

    @fuzz(180)
    @given(
        suffix=st.sampled_from(suffixes),
        key=st.sampled_from(["before", "at", "after", "order", "page"]),
        value=values,
        headers=conditional_headers(),
    )
    def check(suffix, key, value, headers):
        fuzzer.send(f"{story.path}{suffix}?{key}={value}", headers)

    check()
    fuzzer.check()
