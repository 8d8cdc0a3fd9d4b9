"""An editor in a real browser: write in the rich-text editor, add a lead photo, schedule,
preview, publish, and find the story on the home page and in the feed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from .signin import log_in

pytestmark = pytest.mark.slow

HEADLINE = "Lifeboat crew rescues kayakers off Gull Point"


def choose(page, field, term, shown=None):
    """Pick ``term`` in an admin autocomplete (select2) field."""
    page.locator(f"#id_{field} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(term)
    option = page.locator(".select2-results__option", has_text=shown or term).first
    option.wait_for()
    thumbnail = option.locator("img").count()
    option.click()
    return thumbnail


def test_editor_writes_schedules_previews_and_publishes(site, page):
    base = site["base"]
    log_in(page, site)
    page.goto(base + "/admin/articles/article/add/")

    page.fill("#id_headline", HEADLINE)
    page.fill("#id_dek", "Two paddlers were brought ashore after their kayak capsized.")
    editor = page.locator(".prose-editor > .ProseMirror")
    editor.click()
    page.keyboard.type("The crew launched at 6.40 a.m. ")
    page.keyboard.press("Control+b")
    page.keyboard.type("Both kayakers are safe.")
    page.keyboard.press("Control+b")
    # The photo search looks in alt text, captions and credits, and shows thumbnails.
    page.wait_for_selector("#id_lead_image[data-thumbnails]", state="attached")
    assert choose(page, "lead_image", "illustration", shown="drawn for the demo") == 1
    choose(page, "section", "City")
    page.fill("#id_tags", "lifeboat, rescue")
    page.select_option("#id_status", "published")
    later = timezone.localtime(timezone.now() + timedelta(hours=3))
    page.fill("#id_published_at_0", later.strftime("%Y-%m-%d"))
    page.fill("#id_published_at_1", later.strftime("%H:%M:%S"))
    page.click("input[name=_continue]")
    assert "was added successfully" in page.inner_text(".messagelist")
    change_url = page.url

    # Scheduled: not on the home page or in the feed yet.
    assert HEADLINE not in page.request.get(base + "/").text()
    assert HEADLINE not in page.request.get(base + "/feed/").text()

    # The preview shows it exactly as readers will see it.
    with page.expect_popup() as popup:
        page.click("text=Preview")
    preview = popup.value
    preview.wait_for_load_state()
    assert preview.locator("h1.headline").inner_text() == HEADLINE
    assert preview.locator(".story-body strong").inner_text() == "Both kayakers are safe."
    assert preview.locator(".lead-figure img").count() == 1
    preview.close()

    # Publish now.
    page.goto(change_url)
    page.fill("#id_published_at_0", "")
    page.fill("#id_published_at_1", "")
    page.click("input[name=_save]")
    assert "was changed successfully" in page.inner_text(".messagelist")
    page.goto(base + "/")
    assert page.locator(".lead-headline, .story-item-headline", has_text=HEADLINE).count() >= 1
    assert HEADLINE in page.request.get(base + "/feed/").text()
