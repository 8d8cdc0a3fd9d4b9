"""The change form's desk tools in Chromium, as a writer and as an editor: autosave
survives a closed tab and is restored; the live preview follows the form without
saving it; Ctrl/Cmd+S saves and continues; the SEO fields count and preview."""

import re

import pytest
from playwright.sync_api import expect

from ..servers import manage
from .signin import log_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def writer(site):
    created = manage(site["env"], "create_staff", "desk-writer", "--role", "writer")
    return ("desk-writer", re.search(r"Password: (\S+)", created).group(1))


def new_story(page, site, headline):
    """A draft saved once, through the add form; returns its change page's address."""
    page.goto(site["base"] + "/admin/articles/article/add/")
    page.fill("#id_headline", headline)
    page.fill("#id_dek", "The first dek.")
    page.locator(".prose-editor > .ProseMirror").click()
    page.keyboard.type("The first paragraph.")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    return page.url


@pytest.mark.parametrize("role", ["writer", "editor"])
def test_autosave_close_the_tab_reopen_and_restore(site, browser, writer, role):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, site, writer if role == "writer" else site["editor"])
    change_url = new_story(page, site, f"Harbour wall repairs ({role})")

    page.fill("#id_dek", "A dek typed and never saved.")
    page.locator(".prose-editor > .ProseMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" A sentence that would be lost.")
    page.close(run_before_unload=True)  # leaving the page sends the autosave

    page = context.new_page()
    page.set_default_timeout(15_000)
    offer = page.locator("#nr-autosave-offer")
    for _ in range(20):  # the beacon is sent as the tab closes; give it a moment
        page.goto(change_url)
        if offer.count():
            break
        page.wait_for_timeout(250)
    expect(offer).to_contain_text("autosaved at")
    # The story itself was not changed.
    expect(page.locator("#id_dek")).to_have_value("The first dek.")
    page.locator(".nr-autosave-diff summary").click()
    expect(offer.locator("ins").first).to_be_visible()

    page.click("#nr-autosave-restore")
    expect(page.locator("#id_dek")).to_have_value("A dek typed and never saved.")
    expect(page.locator(".prose-editor > .ProseMirror")).to_contain_text(
        "A sentence that would be lost."
    )
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.goto(change_url)
    expect(page.locator("#id_dek")).to_have_value("A dek typed and never saved.")
    expect(page.locator("#nr-autosave-offer")).to_have_count(0)
    context.close()


def test_live_preview_follows_the_form_without_saving(site, page):
    log_in(page, site, site["editor"])
    change_url = new_story(page, site, "Lighthouse keeper retires")
    panel = page.locator("#nr-live-preview")
    expect(panel).to_be_visible()
    # Beside the form, not under it.
    form_box = page.locator("#content-main").bounding_box()
    panel_box = panel.bounding_box()
    assert panel_box["x"] >= form_box["x"] + form_box["width"]
    assert panel_box["y"] < form_box["y"] + 200
    frame = page.frame_locator("#nr-live-preview-frame")
    expect(frame.locator("h1.headline")).to_have_text("Lighthouse keeper retires")

    page.fill("#id_headline", "Lighthouse keeper retires after forty years")
    page.locator(".prose-editor > .ProseMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" She kept the light for forty winters.")
    expect(frame.locator("h1.headline")).to_have_text("Lighthouse keeper retires after forty years")
    expect(frame.locator(".story-body")).to_contain_text("forty winters")

    # Mobile and desktop widths.
    inner_width = "frame => frame.clientWidth"
    page.click("#nr-live-preview button[data-width=mobile]")
    assert page.locator("#nr-live-preview-frame").evaluate(inner_width) == 375
    expect(page.locator("#nr-live-preview button[data-width=mobile]")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.click("#nr-live-preview button[data-width=desktop]")
    assert page.locator("#nr-live-preview-frame").evaluate(inner_width) > 375

    # Nothing was saved.
    other = page.context.new_page()
    other.goto(change_url + "?restore=no")
    expect(other.locator("#id_headline")).to_have_value("Lighthouse keeper retires")
    other.close()


def test_narrow_screens_have_no_side_panel(site, browser):
    context = browser.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    log_in(page, site, site["editor"])
    page.goto(site["base"] + "/admin/articles/article/add/")
    expect(page.locator("#id_headline")).to_be_visible()
    # The panel is there, unshown; the other tools still are.
    expect(page.locator("#nr-live-preview")).to_be_attached()
    expect(page.locator("#nr-live-preview")).to_be_hidden()
    expect(page.locator("#nr-autosave-status")).to_be_visible()
    context.close()


@pytest.mark.parametrize("role", ["writer", "editor"])
def test_ctrl_s_saves_and_continues(site, page, writer, role):
    log_in(page, site, writer if role == "writer" else site["editor"])
    change_url = new_story(page, site, f"Ferry strike called off ({role})")
    page.fill("#id_dek", "Saved with the keyboard.")
    page.keyboard.press("Control+s")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert page.url == change_url
    expect(page.locator("#id_dek")).to_have_value("Saved with the keyboard.")
    # From inside the body editor too, and with Cmd on a Mac.
    page.locator(".prose-editor > .ProseMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Typed in the editor.")
    page.keyboard.press("Meta+s")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator(".prose-editor > .ProseMirror")).to_contain_text("Typed in the editor.")


def test_seo_counters_and_previews(site, page):
    log_in(page, site, site["editor"])
    page.goto(site["base"] + "/admin/articles/article/add/")
    page.fill("#id_headline", "Council approves the new harbour budget")
    page.fill("#id_dek", "Eleven votes to four.")
    expect(page.locator("#nr-snippet-title")).to_have_text(
        "Council approves the new harbour budget"
    )
    expect(page.locator("#nr-card-description")).to_have_text("Eleven votes to four.")
    long_title = "Harbour budget: " + "x" * 60
    page.fill("#id_seo_title", long_title)
    counter = page.locator("#nr-counter-seo_title")
    expect(counter).to_have_text(f"{len(long_title)} / 60 characters")
    expect(counter).to_have_class(re.compile("nr-over"))
    expect(page.locator("#nr-snippet-title")).to_have_text(re.compile("^Harbour budget: x+…$"))
    # The card falls back to the SEO title while the social title is empty.
    expect(page.locator("#nr-card-title")).to_have_text(re.compile("^Harbour budget: x+…$"))
    page.fill("#id_social_title", "Where your harbour money goes")
    expect(page.locator("#nr-card-title")).to_have_text("Where your harbour money goes")
    expect(page.locator("#nr-counter-social_title")).to_have_text("29 / 70 characters")
    page.locator(".prose-editor > .ProseMirror").click()
    page.keyboard.type("One two three four five.")
    expect(page.locator("#nr-word-count")).to_have_text("5 words · 1 min read")


def test_the_desk_tools_pass_axe(site, page, axe_source):
    """The autosave offer, the notices, the SEO previews and the live preview panel add
    no WCAG 2.2 AA violation to the change form."""
    from .test_accessibility import AXE_OPTIONS

    log_in(page, site, site["editor"])
    change_url = new_story(page, site, "Axe checks the desk tools")
    page.fill("#id_dek", "An unsaved dek for the offer.")
    page.close(run_before_unload=True)
    page = page.context.new_page()
    offer = page.locator("#nr-autosave-offer")
    for _ in range(20):
        page.goto(change_url)
        if offer.count():
            break
        page.wait_for_timeout(250)
    page.locator(".nr-autosave-diff summary").click()
    expect(page.frame_locator("#nr-live-preview-frame").locator("h1.headline")).to_be_visible()
    page.evaluate(axe_source)  # not a <script>: the CSP refuses inline ones
    result = page.evaluate(
        "options => axe.run({include: [['#nr-desk'], ['#nr-live-preview'], ['#nr-seo-previews'],"
        " ['#nr-word-count']]}, options)",
        AXE_OPTIONS,
    )
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == []
