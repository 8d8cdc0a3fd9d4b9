"""On PostgreSQL, every change to the content stamps sends NOTIFY newsroom_stamps at
commit, whoever writes them: each worker's listener then retires the stamps it kept
(articles/reader/stampwatch.py). Nothing on SQLite."""

from django.db import migrations

TABLES = ("articles_contentversion", "articles_pagestamp")

CREATE = """
CREATE OR REPLACE FUNCTION newsroom_stamps_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('newsroom_stamps', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER newsroom_stamps_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON {table} FOR EACH STATEMENT EXECUTE FUNCTION newsroom_stamps_changed();
"""
    for table in TABLES
)

DROP = "".join(f"DROP TRIGGER IF EXISTS newsroom_stamps_changed ON {table};" for table in TABLES)
DROP += "DROP FUNCTION IF EXISTS newsroom_stamps_changed();"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("articles", "0022_live_coverage")]

    operations = [migrations.RunPython(create, drop)]
