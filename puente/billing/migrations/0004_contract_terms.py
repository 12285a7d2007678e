"""Reports, entries and invoice lines say which signed contract version priced them; caps flag
reports for review.

Existing data keeps its stored prices. What this migration sets, and what it cannot:

- Time entries of reports that were already priced (submitted, returned, approved, withdrawn:
  ``TimeReport.hourly_rate`` set) get that rate as their own ``hourly_rate``, so approving a
  report submitted before this change, or re-invoicing an approved one, gives the same figures.
- Their ``contract_version`` stays empty: they were priced from the Defender's profile and the
  settings' fee (``hourly_rate_source`` "profile"), not from a signed contract, and the pages
  say so ("priced before contracts held their terms"). Nothing is guessed.
- Entries of drafts stay unpriced: a draft is priced from the signed contract when submitted.
- Issued invoices are never changed (their lines keep amounts, rates and fee); a draft invoice
  keeps its lines until it is next rebuilt (issued or updated), then takes the signed terms.
"""

import django.db.models.deletion
import djmoney.models.fields
from django.conf import settings
from django.db import migrations, models


def price_entries_of_priced_reports(apps, schema_editor):
    TimeReport = apps.get_model("billing", "TimeReport")
    TimeEntry = apps.get_model("billing", "TimeEntry")
    priced = TimeReport.objects.exclude(hourly_rate=None).values_list("pk", "hourly_rate", "hourly_rate_currency")
    for pk, amount, currency in priced.iterator():
        TimeEntry.objects.filter(report_id=pk, hourly_rate=None).update(hourly_rate=amount, hourly_rate_currency=currency)


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0003_refunds_reversals_withdrawn_reports'),
        ('cases', '0007_alter_casetransition_event'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='invoiceline',
            name='contract_signed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='contract signed'),
        ),
        migrations.AddField(
            model_name='invoiceline',
            name='contract_version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.contractversion', verbose_name='contract version'),
        ),
        migrations.AddField(
            model_name='invoiceline',
            name='contract_version_number',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='contract version number'),
        ),
        migrations.AddField(
            model_name='timeentry',
            name='contract_signed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='contract signed'),
        ),
        migrations.AddField(
            model_name='timeentry',
            name='contract_version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.contractversion', verbose_name='contract version'),
        ),
        migrations.AddField(
            model_name='timeentry',
            name='contract_version_number',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='contract version number'),
        ),
        migrations.AddField(
            model_name='timeentry',
            name='hourly_rate',
            field=djmoney.models.fields.MoneyField(blank=True, currency_choices=[('MXN', 'MXN'), ('GTQ', 'GTQ'), ('HNL', 'HNL'), ('NIO', 'NIO'), ('USD', 'USD'), ('CAD', 'CAD')], decimal_places=2, default_currency='MXN', max_digits=12, null=True, verbose_name='hourly rate'),
        ),
        migrations.AddField(
            model_name='timeentry',
            name='hourly_rate_currency',
            field=djmoney.models.fields.CurrencyField(choices=[('MXN', 'MXN'), ('GTQ', 'GTQ'), ('HNL', 'HNL'), ('NIO', 'NIO'), ('USD', 'USD'), ('CAD', 'CAD')], default='MXN', editable=False, max_length=3, null=True),
        ),
        migrations.AddField(
            model_name='timereport',
            name='cap_flags',
            field=models.JSONField(blank=True, default=list, verbose_name='caps exceeded'),
        ),
        migrations.AddField(
            model_name='timereport',
            name='caps_acknowledged_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='caps acknowledged'),
        ),
        migrations.AddField(
            model_name='timereport',
            name='caps_acknowledged_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='timereport',
            name='contract_signed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='contract signed'),
        ),
        migrations.AddField(
            model_name='timereport',
            name='contract_version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.contractversion', verbose_name='contract version'),
        ),
        migrations.AddField(
            model_name='timereport',
            name='contract_version_number',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='contract version number'),
        ),
        migrations.RunPython(price_entries_of_priced_reports, migrations.RunPython.noop),
    ]
