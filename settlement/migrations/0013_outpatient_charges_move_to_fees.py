"""The lines live in fees.FeeLine from now on (issue 17); copied there by fees 0002."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("settlement", "0012_fund_pay_type_hospital_share"),
        # the lines were copied to fees.FeeLine and the audit view reads that table now
        ("audit", "0005_fee_line_view_over_fees"),
    ]

    operations = [
        migrations.DeleteModel(
            name="OutpatientCharge",
        ),
    ]
