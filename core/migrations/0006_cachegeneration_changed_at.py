from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0005_cachegeneration")]

    operations = [
        migrations.AddField(
            model_name="cachegeneration",
            name="changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
