"""Browser tests: Playwright driving Debian's Chromium against a real gunicorn.

They skip, saying why, where Chromium, Playwright or axe-core is missing; `.ci/run`
installs all three so that CI runs them.
"""

import shutil
from pathlib import Path

import pytest

from ..servers import ROOT, served_site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.slow


def pytest_collection_modifyitems(config, items):
    reason = None
    if not Path(CHROMIUM).exists():
        reason = "Chromium is not installed (apt-get install chromium); .ci/run installs it"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright is not installed (pip install -e '.[dev]')"
    if reason:
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    with served_site(tmp_path_factory.mktemp("browser-site")) as served:
        yield served


# Per module, not per session: between its calls Playwright's sync API marks its event
# loop as running in this thread (playwright/_impl/_greenlets.py), and Django then
# refuses database access "from an async context" (SynchronousOnlyOperation). A browser
# left open after its module poisoned every later database test on that pytest-xdist
# worker once the groups took effect and a browser group could run first there.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (make test installs it with npm)")
    return AXE.read_text()
