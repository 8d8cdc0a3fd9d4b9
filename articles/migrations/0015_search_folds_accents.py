"""Search folds accents on PostgreSQL too (articles.reader.search.postgres): the
accent-folding copy of the search language is made, and every story indexed with it."""

from django.db import migrations


def fold(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite's index has folded accents from the start
    from articles.reader import search

    search.rebuild(
        Article=apps.get_model("articles", "Article"),
        TaggedArticle=apps.get_model("articles", "TaggedArticle"),
    )


class Migration(migrations.Migration):
    dependencies = [("articles", "0014_desk_notes_assignment_inbox")]
    operations = [migrations.RunPython(fold, migrations.RunPython.noop)]
