"""Conflicts recorded on recruiter pages become the network directory's conflicts too (the one
conflict check, in cases, reads the directory with every name the recruiter is known by)."""

from django.db import migrations


def forwards(apps, schema_editor):
    RecruiterConflict = apps.get_model("abuse", "RecruiterConflict")
    DefenderConflict = apps.get_model("network", "DefenderConflict")
    for rc in RecruiterConflict.objects.select_related("recruiter"):
        DefenderConflict.objects.get_or_create(
            defender_id=rc.defender_id, party_kind="recruiter", party_name=rc.recruiter.name,
            defaults={"note": rc.note},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("abuse", "0002_recruiteremployer_visa_employer"),
        ("network", "0002_invitation"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
