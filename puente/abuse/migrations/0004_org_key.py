"""Recruiter and employer names keyed by the network's one organisation-name key
(``puente.core.orgnames.org_key``) instead of the abuse app's own normaliser."""

from django.db import migrations

from puente.core.orgnames import org_key


def forwards(apps, schema_editor):
    for model, source, target in (
        ("Recruiter", "name", "name_key"), ("RecruiterAlias", "name", "name_key"),
        ("RecruiterEmployer", "employer_name", "employer_key"), ("AbuseReport", "employer_name", "employer_key"),
    ):
        Model = apps.get_model("abuse", model)
        changed = []
        for row in Model.objects.only("pk", source, target).iterator():
            key = org_key(getattr(row, source)) if getattr(row, source) else ""
            if key != getattr(row, target):
                setattr(row, target, key)
                changed.append(row)
        Model.objects.bulk_update(changed, [target], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("abuse", "0003_recruiter_conflicts_in_directory")]

    # The old keys are not needed to go back: the old normaliser is gone, and the keys are only
    # compared with keys written by the code of the same version.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
