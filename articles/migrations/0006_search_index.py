"""The full-text index: an FTS5 table on SQLite, a tsvector table with a GIN index on
PostgreSQL (see articles.reader.search). Existing stories are indexed here."""

from django.db import migrations


def create(apps, schema_editor):
    from articles.reader.search import postgres, sqlite

    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        module = {"sqlite": sqlite, "postgresql": postgres}.get(vendor)
        for statement in module.CREATE if module else []:
            cursor.execute(statement)
    Article = apps.get_model("articles", "Article")
    if Article.objects.exists():
        from articles.reader import search

        search.rebuild(Article=Article,
                       TaggedArticle=apps.get_model("articles", "TaggedArticle"))


def drop(apps, schema_editor):
    from articles.reader.search import postgres, sqlite

    module = postgres if schema_editor.connection.vendor == "postgresql" else sqlite
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(module.DROP)


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_photos")]
    operations = [migrations.RunPython(create, drop)]
