"""Seed the screening list with a few terms that rarely belong in a listing
between councils. Staff edit the list in the Django admin."""

from django.db import migrations

TERMS = [
    ("guaranteed", "Promises of guaranteed results or savings are usually marketing."),
    ("crypto", "Cryptocurrency promotion."),
    ("cryptocurrency", "Cryptocurrency promotion."),
    ("bitcoin", "Cryptocurrency promotion."),
    ("casino", "Gambling promotion."),
    ("betting", "Gambling promotion."),
    ("forex", "Trading promotion."),
    ("click here", "Typical of advertising copy."),
    ("investment opportunity", "Financial promotion, not a service partnership."),
    ("risk-free", "Promises no public-sector partnership can make."),
]


def seed(apps, schema_editor):
    ScreeningTerm = apps.get_model("offers", "ScreeningTerm")
    for term, note in TERMS:
        if not ScreeningTerm.objects.filter(term__iexact=term).exists():
            ScreeningTerm.objects.create(term=term, note=note)


def unseed(apps, schema_editor):
    ScreeningTerm = apps.get_model("offers", "ScreeningTerm")
    ScreeningTerm.objects.filter(term__in=[t for t, _ in TERMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("offers", "0003_moderation_reports_interest")]

    operations = [migrations.RunPython(seed, unseed)]
