"""The browser tests' watchdog (tests/browser/conftest.py): a browser call that would
wait forever fails once the limit has passed, and the run is told which test waited and
on what line, instead of running silently into CI's time limit."""

import greenlet
import pytest
from playwright.sync_api import Error, sync_playwright

from . import conftest

pytestmark = pytest.mark.slow


def test_a_call_that_never_returns_fails_and_says_where_it_waited(monkeypatch, capsys):
    monkeypatch.setattr(conftest, "HANG_LIMIT", 2)
    # A browser of its own: the watchdog ends every Chromium this process started.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=conftest.CHROMIUM, args=conftest.CHROMIUM_ARGS
        )
        page = browser.new_page()
        timer = conftest.watch("A promise nobody keeps", greenlet.getcurrent())
        with pytest.raises(Error):
            page.evaluate("new Promise(() => {})")  # Playwright gives evaluate() no bound
        timer.cancel()
        assert not browser.is_connected()
    told = capsys.readouterr().err
    assert "A promise nobody keeps has waited 2 s, here:" in told
    assert 'page.evaluate("new Promise(() => {})")' in told  # the test's own line
