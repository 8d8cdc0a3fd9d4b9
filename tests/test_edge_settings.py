"""The edge's purge backend is chosen and checked from the environment at start-up."""

import os
import subprocess
import sys

import pytest

from .servers import ROOT

# manage.py in a subprocess, never the test database.
pytestmark = [pytest.mark.slow, pytest.mark.own_database]


@pytest.mark.parametrize(
    "environment, refusal",
    [
        ({"EDGE_PURGE_BACKEND": "akamai"}, "EDGE_PURGE_BACKEND is 'akamai'"),
        ({"EDGE_PURGE_BACKEND": "varnish"}, "needs EDGE_PURGE_URLS"),
        ({"EDGE_PURGE_BACKEND": "fastly", "FASTLY_SERVICE_ID": "s"}, "needs FASTLY_API_TOKEN"),
        ({"EDGE_PURGE_BACKEND": "cloudflare"}, "needs CLOUDFLARE_ZONE_ID and CLOUDFLARE_API_TOKEN"),
        ({"EDGE_PURGE_BACKEND": "varnish", "EDGE_PURGE_URLS": "http://127.0.0.1:6081"}, None),
    ],
)
def test_the_edge_is_configured_from_the_environment(tmp_path, environment, refusal):
    env = {**os.environ, "NEWSROOM_VAR_DIR": str(tmp_path), **environment}
    env.pop("DATABASE_URL", None)
    env.pop("CDN_MAX_AGE", None)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.CDN_MAX_AGE)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if refusal:
        assert result.returncode != 0 and refusal in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[-1] == str(6 * 3600)  # purged: pages kept for hours


def test_every_version_bump_also_tells_the_edge():
    """A change that bumps the content version retires pages at the edge too: a new
    direct ``ContentVersion.bump`` call must go through ``articles.signals.bump`` (or
    schedule its purge beside it, as a restored revision does)."""
    told = {"articles/signals.py", "articles/editorial/revisions.py"}
    found = set()
    for path in [*(ROOT / "articles").rglob("*.py"), *(ROOT / "newsroom").rglob("*.py")]:
        text = path.read_text()
        if "ContentVersion.bump(" in text:
            found.add(str(path.relative_to(ROOT)))
            if path.name == "revisions.py":
                assert "purge.schedule(" in text
    assert found <= told, f"bumps that purge nothing at the edge: {sorted(found - told)}"
