"""The front page's first screen and the story page's reading, as a reader sees them
(issue 15): headlines above the fold on desktop and phone, no story twice among the
front's first-page blocks, nothing moving as the page loads, a story set to a
readable measure with its byline times, dateline, photo credit and printed address."""

import pytest

pytestmark = pytest.mark.slow

# The sum of every layout shift while the page loads (PerformanceObserver,
# ``layout-shift`` entries, buffered so shifts before the script ran count too).
WATCH_SHIFTS = """
window.__shifts = 0;
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__shifts += entry.value;
  }
}).observe({type: "layout-shift", buffered: true});
"""


def open_page(browser, site, path, width, height, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(site["base"] + path, wait_until="load")
    return context, page


def on_first_screen(page, selector, width, height):
    """The boxes of the elements matching ``selector`` that lie wholly on the first screen."""
    boxes = [
        page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())
    ]
    return [
        box
        for box in boxes
        if box
        and box["y"] >= 0
        and box["y"] + box["height"] <= height
        and box["x"] >= 0
        and box["x"] + box["width"] <= width
    ]


HEADLINES = "main h2 a, main h3 a"


@pytest.mark.parametrize(("width", "height", "more"), [(1280, 800, 4), (390, 844, 1)])
def test_the_first_screen_shows_the_lead_and_more_headlines(site, browser, width, height, more):
    context, page = open_page(browser, site, "/", width, height)
    assert on_first_screen(page, ".lead-headline", width, height), "lead headline below the fold"
    if width > 1000:
        assert on_first_screen(page, ".lead-story .dek", width, height), "lead dek below the fold"
    others = on_first_screen(page, ".secondary-stories .story-item-headline", width, height)
    assert len(others) >= more, (width, height, len(others))
    context.close()


def test_no_story_appears_twice_among_the_fronts_first_page_blocks(site, page):
    page.goto(site["base"] + "/")
    blocks = ".front-top, .section-blocks, .story-list"
    # Every link in those blocks but a card's picture (which repeats its headline's).
    links = page.eval_on_selector_all(
        f":is({blocks}) a:not(.story-item-photo, .lead-photo)",
        "links => links.map(a => a.getAttribute('href'))",
    )
    stories = [href for href in links if href.count("/") > 4]  # story addresses only
    assert len(stories) > 20
    assert len(stories) == len(set(stories)), [s for s in stories if stories.count(s) > 1]
    # Each section block leads on to its section, by name.
    for block in page.locator(".section-block").all():
        name = block.locator("h2").inner_text()
        more = block.locator(".more a")
        assert more.inner_text().lower() == f"more from {name}".lower()
        assert more.get_attribute("href") == block.locator("h2 a").get_attribute("href")


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_nothing_shifts_while_the_front_and_a_story_load(site, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(WATCH_SHIFTS)
    page = context.new_page()
    page.goto(site["base"] + "/", wait_until="load")
    story = page.locator(".lead-headline a").get_attribute("href")
    page.wait_for_timeout(500)  # let late shifts be reported
    assert page.evaluate("window.__shifts") < 0.01
    page.goto(site["base"] + story, wait_until="load")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__shifts") < 0.01
    context.close()


def test_cards_in_a_row_share_one_shape(site, page):
    page.goto(site["base"] + "/")
    cards = page.locator(".story-list:not(.secondary-stories) .story-item")
    rows = {}
    for i in range(cards.count()):
        card = cards.nth(i)
        box = card.bounding_box()
        headline = card.locator(".story-item-headline").bounding_box()
        rows.setdefault(round(box["y"]), []).append(round(headline["y"] - box["y"]))
    assert any(len(row) > 1 for row in rows.values())
    for offsets in rows.values():
        assert len(set(offsets)) == 1, rows  # headlines start at the same height in a row


CHARACTERS_PER_LINE = """
() => {
  const paragraphs = [...document.querySelectorAll('.story-body > p')]
    .filter(p => p.textContent.length > 300);
  const p = paragraphs[0];
  const range = document.createRange();
  range.selectNodeContents(p);
  const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  // Every line but the last is full.
  return p.textContent.length / (lines.size - 0.5);
}
"""


def test_a_story_reads_at_a_measure_with_its_byline_times_and_dateline(site, browser):
    context, page = open_page(browser, site, "/", 1280, 800)
    page.locator(".lead-headline a").click()
    page.wait_for_selector("h1.headline")
    per_line = page.evaluate(CHARACTERS_PER_LINE)
    assert 60 <= per_line <= 75, per_line
    byline = page.locator(".story-byline")
    assert "Published" in byline.inner_text()
    assert byline.locator(".published time").get_attribute("datetime")
    first = page.locator(".story-body > p").first
    dateline = first.locator(".dateline")
    assert dateline.count() == 1  # run into the first paragraph, not a paragraph of its own
    assert first.inner_text().startswith(dateline.inner_text())
    caps = dateline.evaluate("e => getComputedStyle(e).fontVariantCaps")
    assert caps in {"small-caps", "all-small-caps"}
    credit = page.locator(".lead-figure .credit")
    if credit.count():  # on a line of its own, below the caption
        caption = page.locator(".lead-figure .caption").bounding_box()
        assert credit.bounding_box()["y"] >= caption["y"] + caption["height"] - 1
    address = page.locator(".story-address")
    assert address.is_hidden()
    page.emulate_media(media="print")
    assert address.is_visible()
    assert page.url in address.inner_text() or page.url.rstrip("/") in address.inner_text()
    context.close()
