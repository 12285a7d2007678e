"""Reunification projects' names and descriptions and import batches' file names are encrypted
(issue 23: they name the people sought). Unapplying it decrypts them again."""

from django.db import migrations

import puente.core.fields
from puente.core.migration_ops import encrypt_existing_columns

COLUMNS = [
    ("locate_reunificationproject", "name"), ("locate_reunificationproject", "description"),
    ("locate_importbatch", "filename"),
]


class Migration(migrations.Migration):
    dependencies = [("locate", "0003_people_keys_reunification")]

    operations = [
        migrations.AlterField(
            model_name="reunificationproject", name="name",
            field=puente.core.fields.EncryptedCharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="reunificationproject", name="description",
            field=puente.core.fields.EncryptedTextField(blank=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="importbatch", name="filename",
            field=puente.core.fields.EncryptedCharField(max_length=200),
        ),
        encrypt_existing_columns(COLUMNS),
    ]
