"""Stories: addresses, slugs, sanitised bodies, and the copies that keep listings fast."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article, Byline, ContentVersion, TaggedArticle
from articles.reader import queries

from .factories import make_author, make_draft, make_section, make_story

pytestmark = pytest.mark.django_db


def test_story_path_uses_the_date_in_the_newsrooms_time_zone(settings):
    # 03:30 UTC on March 8 is still March 7 in New York.
    story = make_story("Late night vote", published_at=datetime(2024, 3, 8, 3, 30, tzinfo=UTC))
    assert story.path == "/2024/03/07/late-night-vote/"
    assert story.get_absolute_url() == story.path


def test_same_headline_on_the_same_day_gets_distinct_slugs():
    when = datetime(2024, 3, 7, 15, tzinfo=UTC)
    first = make_story("Council meets", published_at=when)
    second = make_story("Council meets", published_at=when + timedelta(hours=1))
    third = make_story("Council meets", published_at=when + timedelta(hours=2))
    assert [first.slug, second.slug, third.slug] == [
        "council-meets",
        "council-meets-2",
        "council-meets-3",
    ]
    assert len({first.path, second.path, third.path}) == 3


def test_same_headline_on_another_day_keeps_its_slug():
    first = make_story("Council meets", published_at=datetime(2024, 3, 7, 15, tzinfo=UTC))
    second = make_story("Council meets", published_at=datetime(2024, 3, 8, 15, tzinfo=UTC))
    assert first.slug == second.slug == "council-meets"


def test_long_headlines_get_short_slugs_cut_at_a_word():
    headline = "An extraordinarily long headline " * 5
    story = make_story(headline.strip())
    assert len(story.slug) <= 80
    assert not story.slug.endswith("-")
    assert story.slug.startswith("an-extraordinarily-long-headline")
    assert headline.split()[:3] == ["An", "extraordinarily", "long"]
    numbered = make_story(headline.strip(), published_at=story.published_at)
    assert len(numbered.slug) <= 80 and numbered.slug.endswith("-2")


def test_headline_without_latin_letters_still_gets_a_slug():
    assert make_story("¿¡ — !?").slug == "story"


def test_body_is_sanitised_on_save():
    story = make_story(
        body=(
            '<p onclick="steal()">Hello <script>alert(1)</script><b style="color:red">world</b></p>'
            '<a href="javascript:alert(1)">bad</a><a href="https://example.org/">good</a>'
            '<iframe src="https://example.org"></iframe><img src="x" onerror="alert(1)">'
        )
    )
    story.refresh_from_db()
    assert "script" not in story.body
    assert "onclick" not in story.body and "onerror" not in story.body
    assert "style" not in story.body and "javascript:" not in story.body
    assert "iframe" not in story.body
    assert '<a href="https://example.org/" rel="noopener noreferrer">good</a>' in story.body
    assert "<b>world</b>" in story.body


def test_publishing_without_a_time_sets_it_to_now():
    before = timezone.now()
    story = make_draft()
    assert story.published_at is None and story.path is None
    story.status = Article.Status.PUBLISHED
    story.save()
    assert before <= story.published_at <= timezone.now()
    assert story.path.endswith(f"/{story.slug}/")


def test_tag_links_and_bylines_carry_the_publication_time():
    author = make_author()
    story = make_story(authors=[author], tags=["harbour", "budget"])
    assert set(TaggedArticle.objects.values_list("published_at", flat=True)) == {story.published_at}
    story.published_at = datetime(2023, 1, 2, 12, tzinfo=UTC)
    story.save()
    assert set(TaggedArticle.objects.values_list("published_at", flat=True)) == {story.published_at}
    assert Byline.objects.get().published_at == story.published_at
    story.tags.add("late tag")
    assert TaggedArticle.objects.get(tag__name="late tag").published_at == story.published_at


def test_every_visible_change_bumps_the_content_version():
    def version():
        return ContentVersion.objects.get().version

    start = version()
    section = make_section()
    story = make_story(section=section)
    after_create = version()
    assert after_create > start
    story.headline = "A new headline"
    story.save()
    assert version() > after_create
    before_tag = version()
    story.tags.add("new")
    assert version() > before_tag
    before_delete = version()
    Article.objects.filter(pk=story.pk).delete()
    assert version() > before_delete


def sent_by(call):
    """Each statement (sql, params) that ``call`` sends to the database, as it sends it."""
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        call()
    return sent


def explain(sql, params, *, as_on_a_large_archive=False):
    """The plan of one statement, as (depth, line) pairs, on SQLite or PostgreSQL.

    as_on_a_large_archive: on PostgreSQL, also price a sort as a large archive would.
    A test's table holds a row or two, so sorting them after reading any index that
    starts with status costs next to nothing, and which of those indexes the planner
    picks follows statistics that change from run to run."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Test tables are tiny, so PostgreSQL would rightly scan them; ask
            # which index it would use on a real archive.
            cursor.execute("SET LOCAL enable_seqscan = off")
            if as_on_a_large_archive:
                cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("EXPLAIN " + sql, params)
            lines = [row[0] for row in cursor.fetchall()]
            return [(len(line) - len(line.lstrip()), line.strip()) for line in lines]
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        depth, plan = {0: -1}, []
        for node, parent, _, detail in cursor.fetchall():
            depth[node] = depth[parent] + 1
            plan.append((depth[node], detail))
        return plan


def page_ids_plan(plan):
    """The part of a listing's plan that finds the page's story ids: its LIMIT subquery,
    before the page's own rows are read."""
    first = ("Limit",) if connection.vendor == "postgresql" else ("CO-ROUTINE", "MATERIALIZE")
    for n, (depth, line) in enumerate(plan):
        if line.removeprefix("->  ").startswith(first):
            below = [line]
            for deeper, more in plan[n + 1 :]:
                if deeper <= depth:
                    break
                below.append(more)
            return " | ".join(below)
    raise AssertionError(f"no page subquery in the plan: {plan}")


def story_reads(plan):
    """How a SQLite plan reads stories once it has the page's ids: the steps outside the
    subquery that go through the page or the articles table."""
    return [line for depth, line in plan if depth == 0 and line.startswith(("SCAN", "SEARCH a "))]


# The page's ids in turn, then each one's row by primary key (queries.THEN_THEIR_STORIES),
# never a walk over every live story.
BY_KEY = ["SCAN page", "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)"]


def only_statement(call):
    statements = sent_by(call)
    assert len(statements) == 1, statements
    return statements[0]


def test_published_at_index_serves_the_latest_stories_query():
    make_story()
    plan = explain(
        *only_statement(lambda: queries.latest(timezone.now(), 20)), as_on_a_large_archive=True
    )
    ids = page_ids_plan(plan)
    assert "article_live_idx" in ids
    assert "TEMP B-TREE" not in ids and "Sort" not in ids  # read in order, no sort
    if connection.vendor == "sqlite":
        # PostgreSQL picks its join order from table statistics, which a test's few
        # rows do not resemble; SQLite's choice is stable.
        assert story_reads(plan) == BY_KEY, plan


def test_tag_pages_read_through_the_tag_link_index():
    make_story(tags=["harbour"])
    tag_id = queries.tag_by_slug("harbour", timezone.now())["id"]
    plan = explain(*only_statement(lambda: queries.with_tag(tag_id, timezone.now(), 20)))
    ids = page_ids_plan(plan)
    assert "Seq Scan" not in ids
    if connection.vendor == "sqlite":
        # (PostgreSQL's choices depend on statistics: see above. With a test's few rows
        # it may read the tag's links by the foreign key's index and sort them.)
        assert "tagged_tag_idx" in ids
        assert "TEMP B-TREE" not in ids
        assert story_reads(plan) == BY_KEY, plan


def test_control_characters_are_removed_from_text_on_save():
    story = make_story("Pasted\x00 from\x0b a PDF", dek="A\x1f dek", body="<p>Body\x08 text</p>")
    story.refresh_from_db()
    assert story.headline == "Pasted from a PDF"
    assert story.dek == "A dek" and story.body == "<p>Body text</p>"
