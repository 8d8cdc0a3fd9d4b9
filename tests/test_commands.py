"""The commands a new user types, run as they would type them."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each runs on a database of its own (or none), whatever the test database.
pytestmark = [pytest.mark.slow, pytest.mark.own_database]


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    return {**env, **extra}


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_refuses_a_python_older_than_3_11(tmp_path):
    old_python = tmp_path / "python3.9"
    old_python.write_text('#!/bin/sh\n[ "$1" = "--version" ] && echo "Python 3.9.18"\nexit 1\n')
    old_python.chmod(0o755)
    result = subprocess.run(
        ["make", "setup", f"PYTHON={old_python}", f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Newsroom needs Python 3.11 or newer" in result.stdout
    assert "Python 3.9.18" in result.stdout
    assert not (tmp_path / "venv").exists()


def test_migrate_then_import_a_folder_into_a_database_url(tmp_path, seeds_dir):
    database = tmp_path / "elsewhere.sqlite3"
    env = clean_env(DATABASE_URL=f"sqlite:///{database}", NEWSROOM_VAR_DIR=str(tmp_path / "v"))
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    folder = tmp_path / "stories"
    shutil.copytree(seeds_dir, folder)
    (folder / "zz-broken.txt").write_text("Yesterday\n\nHeadline\n\nBody\n", encoding="utf-8")

    first = subprocess.run(
        [*manage, "import_stories", str(folder), "--section", "World"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 1
    assert f"{folder / 'zz-broken.txt'}:1: cannot read a date from 'Yesterday'" in first.stderr
    assert "failed 1." in first.stderr
    imported = len(list(seeds_dir.glob("*.txt")))
    assert f"Imported {imported}, already present 0, failed 1." in first.stderr

    (folder / "zz-broken.txt").unlink()
    again = subprocess.run(
        [*manage, "import_stories", str(folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert f"Imported 0, already present {imported}, failed 0." in again.stdout
    assert database.exists()
