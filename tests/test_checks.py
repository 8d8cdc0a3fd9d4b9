"""The project's system checks: SQLite too old for the deep-page queries is refused."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.db import connections

from newsroom import checks as newsroom_checks

PROJECT = Path(__file__).resolve().parents[1]


class FakeConnection:
    def __init__(self, vendor, version):
        self.vendor = vendor
        self.Database = type("Database", (), {"sqlite_version_info": version})


@pytest.fixture
def databases(monkeypatch):
    """Replace the project's databases with fakes reporting a vendor and SQLite version."""

    def use(**fakes):
        monkeypatch.setattr(newsroom_checks, "connections", fakes)

    return use


def test_sqlite_older_than_3_35_is_an_error_with_a_hint(databases):
    databases(default=FakeConnection("sqlite", (3, 34, 1)))
    [error] = newsroom_checks.sqlite_is_new_enough()
    assert error.level == checks.ERROR and error.id == "newsroom.E001"
    assert "SQLite 3.34.1" in error.msg and "3.35.0" in error.msg
    assert "MATERIALIZED" in error.hint and "PostgreSQL" in error.hint


@pytest.mark.parametrize("version", [(3, 35, 0), (3, 40, 1), (4, 0, 0)])
def test_sqlite_3_35_or_newer_passes(databases, version):
    databases(default=FakeConnection("sqlite", version))
    assert newsroom_checks.sqlite_is_new_enough() == []


def test_only_sqlite_databases_are_checked(databases):
    databases(
        default=FakeConnection("postgresql", (3, 7, 0)),
        archive=FakeConnection("sqlite", (3, 31, 1)),
    )
    [error] = newsroom_checks.sqlite_is_new_enough()
    assert "'archive'" in error.msg


# ``manage.py check`` in a fresh process, whose sqlite3 module reports an old SQLite.
CHECK_WITH_OLD_SQLITE = """
import sqlite3.dbapi2, sys
sqlite3.dbapi2.sqlite_version_info = (3, 34, 0)
sys.argv = ["manage.py", "check"]
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""


@pytest.mark.slow
@pytest.mark.each_database
def test_manage_py_check_refuses_an_old_sqlite():
    """Registered when the project loads (newsroom.apps), not just when this file
    imports it, and only for a database on SQLite (the PostgreSQL pass has none)."""
    checked = subprocess.run(
        [sys.executable, "-c", CHECK_WITH_OLD_SQLITE],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings"},
    )
    if connections["default"].vendor == "sqlite":
        assert checked.returncode == 1, checked.stdout + checked.stderr
        assert "newsroom.E001" in checked.stderr and "SQLite 3.34.0" in checked.stderr
    else:
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "newsroom.E001" not in checked.stdout + checked.stderr
