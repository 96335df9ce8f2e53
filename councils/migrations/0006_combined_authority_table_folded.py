"""The memberships now point at Authority rows (0005): the old column and the
CombinedAuthority table go."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("councils", "0005_fold_combined_authorities"),
    ]

    operations = [
        migrations.RemoveField(model_name="authority", name="combined_authority"),
        migrations.RenameField(
            model_name="authority", old_name="member_of_new", new_name="combined_authority"
        ),
        migrations.AlterField(
            model_name="authority",
            name="combined_authority",
            field=models.ForeignKey(
                blank=True,
                help_text="The combined authority or the GLA this council is a member of.",
                limit_choices_to={"kind__in": ["combined", "gla"]},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="members",
                to="councils.authority",
                verbose_name="member of",
            ),
        ),
        migrations.DeleteModel(
            name="CombinedAuthority",
        ),
    ]
