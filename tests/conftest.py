import pytest
from django.test import override_settings

from articles import fragments

SEEDS_DIR = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture(autouse=True, scope="session")
def test_settings():
    """Tests render pages without running collectstatic first (gunicorn tests do run it)."""
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Real password hashing takes a third of a second per account; tests make hundreds.
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(STORAGES=storages, PASSWORD_HASHERS=hashers):
        yield


@pytest.fixture(autouse=True)
def fresh_fragments():
    """Each test's database starts over, so must the per-process fragment cache."""
    fragments.cache.clear()
    yield
    fragments.cache.clear()


@pytest.fixture
def seeds_dir():
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"the sample stories folder {SEEDS_DIR} is absent")
    return SEEDS_DIR
