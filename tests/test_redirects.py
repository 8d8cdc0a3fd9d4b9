"""A published story's old address answers 301 to its new one, forever, in one hop."""

from datetime import UTC, datetime

import pytest

from .factories import make_story

pytestmark = pytest.mark.django_db


def test_changed_slug_redirects_permanently(client):
    story = make_story("Pier plan approved", published_at=datetime(2024, 3, 7, 15, tzinfo=UTC))
    old = story.path
    story.slug = "pier-plan-approved-after-vote"
    story.save()
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == "/2024/03/07/pier-plan-approved-after-vote/"
    assert client.get(response["Location"]).status_code == 200


def test_changed_date_redirects_permanently(client):
    story = make_story("Pier plan approved", published_at=datetime(2024, 3, 7, 15, tzinfo=UTC))
    old = story.path
    story.published_at = datetime(2024, 3, 9, 15, tzinfo=UTC)
    story.save()
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == story.path


def test_chains_collapse_to_one_hop(client):
    story = make_story("First", published_at=datetime(2024, 3, 7, 15, tzinfo=UTC))
    addresses = [story.path]
    for slug in ["second", "third", "fourth"]:
        story.slug = slug
        story.save()
        addresses.append(story.path)
    for old in addresses[:-1]:
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == story.path, old


def test_moving_back_to_an_old_address_serves_it_directly(client):
    story = make_story("First", published_at=datetime(2024, 3, 7, 15, tzinfo=UTC))
    first = story.path
    story.slug = "renamed"
    story.save()
    story.slug = "first"
    story.save()
    assert client.get(first).status_code == 200
    assert client.get("/2024/03/07/renamed/")["Location"] == first


def test_old_address_of_a_withdrawn_story_is_a_404(client):
    story = make_story("First", published_at=datetime(2024, 3, 7, 15, tzinfo=UTC))
    old = story.path
    story.slug = "renamed"
    story.status = "withdrawn"
    story.save()
    assert client.get(old).status_code == 404
