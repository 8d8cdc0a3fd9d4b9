"""Story paths become NULL (not "") while unset, under a plain unique index that SQLite
always uses; tag links and bylines carry a publication time only while published."""

from django.db import migrations, models


def empty_paths_to_null(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Article.objects.filter(path="").update(path=None)
    unpublished = Article.objects.exclude(status="published").values("id")
    apps.get_model("articles", "TaggedArticle").objects.filter(
        content_object_id__in=unpublished
    ).update(published_at=None)
    apps.get_model("articles", "Byline").objects.filter(article_id__in=unpublished).update(
        published_at=None
    )


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_fronts")]

    operations = [
        migrations.RemoveConstraint(model_name="article", name="article_unique_path"),
        migrations.AlterField(
            model_name="article",
            name="path",
            field=models.CharField(blank=True, editable=False, max_length=120, null=True),
        ),
        migrations.RunPython(empty_paths_to_null, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="article",
            name="path",
            field=models.CharField(blank=True, editable=False, max_length=120, null=True,
                                   unique=True),
        ),
    ]
