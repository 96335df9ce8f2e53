from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0004_cache_fallback_table")]

    operations = [
        migrations.CreateModel(
            name="CacheGeneration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=100, unique=True)),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
    ]
