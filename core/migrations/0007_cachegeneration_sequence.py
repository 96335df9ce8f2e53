"""Generation values come from one PostgreSQL sequence.

A sequence is not transactional: a number handed out in a transaction that rolls
back is never handed out again. A counter (value + 1) would give the next bump
the same number as the rolled-back one, and anything built and cached under the
rolled-back number (a process's matching snapshot, read inside that transaction)
would then be taken for the committed data. With the sequence, a value names one
committed (or abandoned) state and nothing else. Plain SQL: Django has no
sequence operation, and this is the only one.
"""

from django.db import migrations

SEQUENCE = "core_cachegeneration_value_seq"


class Migration(migrations.Migration):
    dependencies = [("core", "0006_cachegeneration_changed_at")]

    operations = [
        migrations.RunSQL(
            sql=[
                f"CREATE SEQUENCE {SEQUENCE} AS bigint MINVALUE 1",
                # Start above every value already stored, so the values keep rising.
                f"SELECT setval('{SEQUENCE}', "
                "COALESCE((SELECT MAX(value) FROM core_cachegeneration), 0) + 1, false)",
            ],
            reverse_sql=[f"DROP SEQUENCE {SEQUENCE}"],
        ),
    ]
