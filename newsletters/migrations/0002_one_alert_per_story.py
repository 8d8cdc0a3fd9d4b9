from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('newsletters', '0001_subscribers_sends_deliveries_briefings'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='send',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'alert'), ('story__isnull', False)), fields=('story',), name='newsletters_one_alert_per_story'),
        ),
    ]
