"""Outside validators against the pages gunicorn serves: the Nu Html Checker on every
kind of reader page, Lighthouse on the front and a story, mobile and desktop.

Both are installed by `make test` under .cache/ (npm; the checker runs on Java). Where
Java, npm or the packages are missing they skip saying why; in CI
(NEWSROOM_REQUIRE_SERVICES) that is a failure instead.
"""

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest

from ..conftest import service_missing
from ..servers import ROOT
from .conftest import CHROMIUM
from .test_accessibility import page_urls

pytestmark = pytest.mark.slow

VNU = ROOT / ".cache" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LIGHTHOUSE = ROOT / ".cache" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
MIN_SCORE = 0.95


@pytest.fixture(scope="module")
def reader_pages(site, browser):
    """Every kind of reader page, by a name: those the accessibility checks visit, and
    a second page of the front and a month's archive."""
    page = browser.new_page()
    urls = page_urls(site, page)
    page.close()
    year, month = re.match(r"/(\d{4})/(\d\d)/", urls["story"]).groups()
    return {**urls, "front, page 2": "/?page=2", "month archive": f"/{year}/{month}/"}


def fetched(url):
    """A page's HTML, whatever its status (the 404 page is checked too)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        return error.read()


def test_the_nu_html_checker_finds_no_errors_on_any_reader_page(site, reader_pages, tmp_path):
    java = shutil.which("java")
    if java is None:
        service_missing("Java is not installed (apt-get install default-jre-headless)")
    if not VNU.exists():
        service_missing(f"vnu-jar is not installed at {VNU} (make test installs it with npm)")
    files = {}
    for number, (name, url) in enumerate(reader_pages.items()):
        files[name] = tmp_path / f"page-{number}.html"
        files[name].write_bytes(fetched(site["base"] + url))
    # One run of the checker for every page: the JVM starts once.
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files.values())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr)["messages"]
    names = {f"file:{path}": name for name, path in files.items()}
    found = [
        (names.get(m.get("url"), m.get("url")), m["type"], m["message"], m.get("extract", ""))
        for m in messages
    ]
    assert found == [], found


def lighthouse_scores(url, desktop, folder, attempt):
    report = folder / f"{'desktop' if desktop else 'mobile'}-{attempt}.json"
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
        *(["--preset=desktop"] if desktop else []),
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=folder)
    if run.returncode != 0:  # e.g. NO_NAVSTART: Chrome's trace of the load went missing
        return None, run.stderr[-2000:]
    data = json.loads(report.read_text())
    scores = {name: data["categories"][name]["score"] for name in CATEGORIES}
    failing = {
        audit["id"]: audit["score"]
        for audit in data["audits"].values()
        if audit.get("score") is not None and audit["score"] < 0.9
    }
    # With how fast Lighthouse found this machine's CPU in that run, for a failure to say.
    return scores, {"host benchmarkIndex": data["environment"]["benchmarkIndex"], **failing}


# Alone: the simulated phone is this machine's CPU slowed 4x, so a test running beside
# it adds its work to the page's blocking time (CI once scored the front 0.92 so, where
# a quiet machine scores 0.98-0.99). make test runs these after the parallel pass.
@pytest.mark.alone
@pytest.mark.parametrize("form_factor", ["mobile", "desktop"])
@pytest.mark.parametrize("kind", ["home", "story"])
def test_lighthouse_scores_95_in_every_category(site, reader_pages, kind, form_factor, tmp_path):
    if shutil.which("node") is None:
        service_missing("Node.js is not installed (apt-get install npm)")
    if not LIGHTHOUSE.exists():
        service_missing(
            f"Lighthouse is not installed at {LIGHTHOUSE} (make test installs it with npm)"
        )
    # One run, and another only if one falls short: the performance score measures
    # this machine's CPU as well as the page, and Chrome sometimes loses a trace.
    results = []
    for attempt in (1, 2, 3):
        scores, failing = lighthouse_scores(
            site["base"] + reader_pages[kind], form_factor == "desktop", tmp_path, attempt
        )
        results.append((scores, failing))
        if scores and all(score >= MIN_SCORE for score in scores.values()):
            return
    pytest.fail(f"Lighthouse below {MIN_SCORE:.0%} on {kind}, {form_factor}: {results}")
