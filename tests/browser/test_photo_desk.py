"""The photo desk in Chromium: the focal point set by clicking the picture, and a library
photo placed in a story body from the picker inside the body editor."""

import pytest
from playwright.sync_api import expect

from .signin import log_in
from .test_accessibility import AXE_OPTIONS

pytestmark = pytest.mark.slow


@pytest.fixture
def axe(request):
    """axe-core's source, or None where it is not installed: the rest of each test runs."""
    try:
        return request.getfixturevalue("axe_source")
    except pytest.skip.Exception:
        return None


def violations_in(page, axe_source, selector):
    """axe-core's WCAG findings inside ``selector`` (the admin around it is Django's)."""
    if axe_source is None:
        return []
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(axe_source)  # not a <script>: the CSP refuses inline ones
    result = page.evaluate(
        "([selector, options]) => axe.run({include: [[selector]]}, options)",
        [selector, AXE_OPTIONS],
    )
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


def test_the_focal_point_is_set_by_clicking_the_subject(site, page, axe):
    log_in(page, site)
    page.goto(site["base"] + "/admin/articles/image/")
    page.locator("#result_list tbody tr th a").first.click()
    picture = page.locator(".focal-picker img")
    picture.wait_for()
    assert violations_in(page, axe, ".module:has(.focal-picker)") == []
    box = picture.bounding_box()
    picture.click(position={"x": box["width"] * 0.2, "y": box["height"] * 0.8})
    assert abs(float(page.input_value("#id_focal_x")) - 0.2) <= 0.01
    assert abs(float(page.input_value("#id_focal_y")) - 0.8) <= 0.01
    marker = page.locator(".focal-marker").bounding_box()
    assert abs(marker["x"] + marker["width"] / 2 - (box["x"] + box["width"] * 0.2)) <= 3
    # The arrow keys move it too, for those who do not use a mouse.
    page.locator(".focal-picker").focus()
    page.keyboard.press("ArrowRight")
    assert abs(float(page.input_value("#id_focal_x")) - 0.25) <= 0.01
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert abs(float(page.input_value("#id_focal_x")) - 0.25) <= 0.01
    assert abs(float(page.input_value("#id_focal_y")) - 0.8) <= 0.01
    thumbnail = page.locator(".field-current img").get_attribute("src")
    assert "-f0.25-0.80" in thumbnail  # recropped around the new point


def test_a_library_photo_is_placed_in_the_body_from_the_editor(site, page, axe):
    log_in(page, site)
    page.goto(site["base"] + "/admin/articles/article/add/")
    page.fill("#id_headline", "Harbour crane arrives by sea")
    page.locator(".prose-editor > .ProseMirror").click()
    page.keyboard.type("The crane came in on the morning tide.")
    page.click(".prose-menubar button[aria-label='Photo from the library']")
    dialog = page.locator("dialog.photo-library")
    dialog.wait_for()
    photos = dialog.locator(".photo-library__photo")
    photos.first.wait_for()
    assert photos.first.locator("img").get_attribute("src").startswith("/media/images/")
    assert violations_in(page, axe, "dialog.photo-library") == []
    everything = photos.count()
    dialog.locator("input[type=search]").fill("ferry")
    page.wait_for_function(
        """(everything) => {
            const found = [...document.querySelectorAll('.photo-library__photo')];
            return found.length > 0 && found.length < everything && found.every(
                (p) => (p.textContent + p.querySelector('img').alt).toLowerCase().includes('ferry')
            );
        }""",
        arg=everything,
    )
    chosen = photos.first.locator("img").get_attribute("alt")
    photos.first.click()
    assert dialog.count() == 0  # closed
    placed = page.locator(".prose-editor .ProseMirror figure img")
    assert placed.get_attribute("alt") == chosen
    assert page.locator(".prose-editor .ProseMirror figure figcaption").inner_text()
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # Saved as a responsive picture the reader pages show.
    with page.expect_popup() as popup:
        page.click("text=Preview")
    preview = popup.value
    preview.wait_for_load_state()
    body_image = preview.locator(".story-body figure img")
    assert body_image.get_attribute("alt") == chosen
    assert body_image.get_attribute("srcset") and body_image.get_attribute("loading") == "lazy"
