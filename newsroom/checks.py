"""The project's own system checks (``manage.py check``, and before ``migrate``,
``runserver`` and the tests)."""

from django.core import checks
from django.db import connections

# Deep pages of a front start from a ``WITH ... AS MATERIALIZED`` query
# (articles.reader.queries), which SQLite understands from 3.35.0 on.
MIN_SQLITE = (3, 35, 0)


@checks.register(checks.Tags.compatibility, checks.Tags.database)
def sqlite_is_new_enough(app_configs=None, **kwargs):
    """An error for each SQLite database whose library is older than MIN_SQLITE.

    The version is the SQLite library Python's sqlite3 module is linked against, so
    no connection is opened."""
    errors = []
    for alias in connections:
        connection = connections[alias]
        if connection.vendor != "sqlite":
            continue
        version = connection.Database.sqlite_version_info
        if tuple(version) < MIN_SQLITE:
            found = ".".join(str(part) for part in version)
            needed = ".".join(str(part) for part in MIN_SQLITE)
            errors.append(
                checks.Error(
                    f"The database {alias!r} uses SQLite {found}; Newsroom needs {needed} or "
                    "newer.",
                    hint=(
                        "Deep pages of the fronts use WITH ... AS MATERIALIZED, which older "
                        "SQLite rejects. Run Newsroom on a Python linked against a newer "
                        "SQLite (Debian 12's python3.11 has 3.40), or on PostgreSQL "
                        "(DATABASE_URL=postgres://...)."
                    ),
                    id="newsroom.E001",
                )
            )
    return errors
