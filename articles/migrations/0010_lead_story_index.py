"""An index for the front's lead story (issue 13): with no story featured, finding
"the newest live featured story" walked every live story."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_search_prefix_index")]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["featured", "status", "published_at", "id"], name="article_lead_idx"
            ),
        ),
    ]
