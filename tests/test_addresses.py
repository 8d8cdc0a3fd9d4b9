"""Reader addresses come from the named URL patterns, and nothing else spells them."""

import re
from pathlib import Path

import pytest
from django.urls import resolve, reverse

from articles.reader import addresses

from .factories import make_story

ROOT = Path(__file__).resolve().parents[1]
SHAPES = re.compile(r"""['"]/tag/|/section/|/author/|/feed/|"/\{\{""")


def test_no_module_or_template_writes_an_address_shape():
    found = []
    for folder in ("articles", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in {".py", ".html", ".xml", ".txt"} or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if SHAPES.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "use articles.reader.addresses instead:\n" + "\n".join(found)


def test_addresses_match_the_url_patterns():
    for name in ("section", "tag", "author"):
        assert addresses.of(name, "harbour-ferries") == reverse(name, args=["harbour-ferries"])
        for fmt in ("rss", "atom", "json"):
            url = addresses.feed(name, "harbour-ferries", fmt)
            assert url == reverse(f"{name}-feed-{fmt}", args=["harbour-ferries"])
            assert resolve(url).kwargs == {"slug": "harbour-ferries", "kind": name, "fmt": fmt}
    assert addresses.feed() == reverse("feed")
    assert addresses.feed(fmt="json") == reverse("feed-json")


def test_label_rows_get_their_url():
    rows = addresses.linked([{"name": "Ana", "slug": "ana"}], "author")
    assert rows[0]["url"] == reverse("author", args=["ana"])


@pytest.mark.django_db
def test_a_tag_page_links_to_its_own_feeds(client):
    story = make_story("Ferries run late", tags=["harbour-ferries"])
    page = client.get(addresses.tag("harbour-ferries")).content.decode()
    for fmt in ("rss", "atom", "json"):
        href = addresses.feed("tag", "harbour-ferries", fmt)
        assert f'href="{href}"' in page
        feed = client.get(href)
        assert feed.status_code == 200 and story.headline in feed.content.decode()
