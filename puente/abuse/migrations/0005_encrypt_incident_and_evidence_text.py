"""Incidents' "paid to" and "which documents" and evidence files' descriptions are encrypted
(issue 23: a passport holder's name and phone were found in clear in a dump and in the history).
Unapplying it decrypts them again (``encrypt_existing_columns``)."""

from django.db import migrations

import puente.core.fields
from puente.core.migration_ops import encrypt_existing_columns

COLUMNS = [("abuse_incident", "paid_to"), ("abuse_incident", "documents"), ("abuse_evidencefile", "description")]


class Migration(migrations.Migration):
    dependencies = [("abuse", "0004_org_key")]

    operations = [
        migrations.AlterField(
            model_name="incident", name="paid_to",
            field=puente.core.fields.EncryptedCharField(blank=True, max_length=200, verbose_name="paid to"),
        ),
        migrations.AlterField(
            model_name="incident", name="documents",
            field=puente.core.fields.EncryptedCharField(blank=True, max_length=200, verbose_name="which documents"),
        ),
        migrations.AlterField(
            model_name="evidencefile", name="description",
            field=puente.core.fields.EncryptedCharField(blank=True, max_length=200, verbose_name="description"),
        ),
        encrypt_existing_columns(COLUMNS),
    ]
