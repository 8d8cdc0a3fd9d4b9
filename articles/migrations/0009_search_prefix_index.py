"""SQLite's FTS5 index gains prefix indexes (2, 3 and 4 characters) so prefix
searches ("harb*") read one list instead of merging every matching word's. The
table is made again and every story indexed again: about a minute per 100,000
stories. PostgreSQL's index is unchanged."""

from django.db import migrations


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from articles.reader.search import sqlite

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sqlite.DROP)
        for statement in sqlite.CREATE:
            cursor.execute(statement)
    Article = apps.get_model("articles", "Article")
    if Article.objects.exists():
        from articles.reader import search

        search.rebuild(Article=Article, TaggedArticle=apps.get_model("articles", "TaggedArticle"))


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_path_index")]
    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]
