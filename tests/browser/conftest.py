"""Browser tests: Playwright driving Debian's Chromium against a real gunicorn.

They skip, saying why, where Chromium, Playwright or axe-core is missing; `.ci/run`
installs all three so that CI runs them.
"""

import contextlib
import os
import shutil
import signal
import sys
import threading
import traceback
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
    # Shared memory in /tmp rather than /dev/shm, which a container may keep small
    # (64 MB under Docker): there a big page's renderer crashes or stalls.
    "--disable-dev-shm-usage",
]

pytestmark = pytest.mark.slow

# Past this a browser test is taken to hang (the slowest takes under a minute): the
# watchdog prints where it waits and ends its Chromium, so that the call it waits on
# fails and names it, instead of the run waiting silently for CI's limit. Playwright
# bounds its actions and navigations, but not evaluate(), closing a page or a context,
# or a browser that stops answering.
HANG_LIMIT = 240


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


def chromium_processes():
    """The Chromium processes that this test process started through Playwright's
    driver (not Lighthouse's, which runs under a timeout of its own)."""
    children = {}
    for entry in Path("/proc").iterdir():
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(entry)
        except (ValueError, OSError):
            continue
    found = []
    for process in children.get(os.getpid(), []):
        with contextlib.suppress(OSError):
            if b"run-driver" in (process / "cmdline").read_bytes():
                found.append(process)
    for process in found:  # grows as it goes: the driver's descendants, in turn
        found.extend(children.get(int(process.name), []))
    chromium = []
    for process in found:
        with contextlib.suppress(OSError):
            if (process / "comm").read_text().startswith("chrom"):
                chromium.append(int(process.name))
    return chromium


def watch(what, waiting):
    """Start a timer that, past HANG_LIMIT, reports ``what`` with the stack of the
    greenlet ``waiting`` (the test's: Playwright's sync calls wait in another greenlet
    of the same thread, which faulthandler's dump does not show), then ends Chromium:
    the driver then fails every call still waiting on it."""

    def hung():
        frame = waiting.gr_frame
        stack = "".join(traceback.format_stack(frame, limit=12)) if frame else "(not running)\n"
        sys.stderr.write(
            f"\n{what} has waited {HANG_LIMIT} s, here:\n{stack}Ending its Chromium.\n"
        )
        for pid in chromium_processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    timer = threading.Timer(HANG_LIMIT, hung)
    timer.daemon = True
    timer.start()
    return timer


@pytest.fixture(autouse=True)
def hang_watchdog(request):
    """Set up first and torn down last, so it watches the test's page and context too."""
    import greenlet

    timer = watch(request.node.nodeid, greenlet.getcurrent())
    yield
    timer.cancel()


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
        import greenlet

        # Closing, and stopping the driver as the block ends, are watched too.
        timer = watch("Closing the browser", greenlet.getcurrent())
        browser.close()
    timer.cancel()


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
