"""Reword the seeded source of a family with no savings evidence of its own.

0003 wrote "None cited for Planning and building control yet: the range of the 4
savings cited ...", which the page prints after "Rates:" and inside the summary's
parentheses, where a capitalised "None" and a second colon read badly. Only rows
still holding 0003's words change; a source staff have edited is left alone.
"""

import re

from django.db import migrations

SEEDED = re.compile(r"^None cited for (?P<name>.+) yet: the range of the (?P<rest>.+)$")


def _mid_sentence(name: str) -> str:
    # core.text.mid_sentence, copied: a migration must not import code that may change.
    first = name.partition(" ")[0]
    if len(first) > 1 and sum(1 for c in first if c.isupper()) > 1:
        return name
    return name[:1].lower() + name[1:]


def reword(apps, schema_editor):  # type: ignore[no-untyped-def]
    Assumption = apps.get_model("matching", "SavingsAssumption")
    for row in Assumption.objects.filter(source__startswith="None cited for "):
        match = SEEDED.match(row.source)
        if match is None:
            continue
        row.source = (
            f"no saving cited for {_mid_sentence(match['name'])} yet, so the range of the "
            f"{match['rest']}"
        )
        row.save(update_fields=["source"])


def unreword(apps, schema_editor):  # type: ignore[no-untyped-def]
    Assumption = apps.get_model("matching", "SavingsAssumption")
    pattern = re.compile(r"^no saving cited for .+ yet, so the range of the (?P<rest>.+)$")
    for row in Assumption.objects.filter(source__startswith="no saving cited for "):
        match = pattern.match(row.source)
        if match is not None and row.family_id is not None:
            name = row.family.name
            row.source = f"None cited for {name} yet: the range of the {match['rest']}"
            row.save(update_fields=["source"])


class Migration(migrations.Migration):
    dependencies = [("matching", "0004_sharedarrangement_moved_to_arrangements")]

    operations = [migrations.RunPython(reword, unreword)]
