"""The demo's stories get photos drawn on the spot (the rest of the demo: test_demo.py)."""

from io import StringIO

import pytest
from django.core.management import call_command

from articles.models import Article

pytestmark = pytest.mark.django_db


def test_demo_stories_get_photos_drawn_on_the_spot(client, media_root):
    out = StringIO()
    call_command("load_demo", stdout=out)
    with_photos = Article.objects.filter(lead_image__isnull=False)
    assert with_photos.count() >= 8
    assert (
        with_photos.filter(featured=True).count() == Article.objects.filter(featured=True).count()
    )
    story = with_photos.first()
    html = client.get(story.path).content.decode()
    assert '<figure class="lead-figure">' in html and "Newsroom demo" in html
    assert (media_root / story.lead_image.file.name).is_file()
