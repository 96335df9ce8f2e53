"""The digest and matching models now live in digests/ and matching/ (ADR 10).

State only: the tables keep their `offers_` names and their rows. digests 0001 and
matching 0001 declare `run_before` this migration, so their CreateModel comes first.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("offers", "0008_interest_report_survive_account_deletion"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # Deliveries before runs: a delivery's foreign key names its run.
                migrations.DeleteModel(name="DigestDelivery"),
                migrations.DeleteModel(name="DigestRun"),
                migrations.DeleteModel(name="DigestPreference"),
                migrations.DeleteModel(name="SavedSearch"),
                migrations.DeleteModel(name="SharedArrangement"),
                migrations.DeleteModel(name="SavingsAssumption"),
            ],
            database_operations=[],
        ),
    ]
