"""`puente retention run [--dry-run]` / `puente retention status`: the retention schedule.

Run it daily (cron, a systemd timer). It wipes the personal contents of records past their
retention period (see ``puente.core.retention`` and docs/security.md), skipping records on hold.
"""

from django.core.management.base import BaseCommand

from puente.core import retention


class Command(BaseCommand):
    help = "Wipe the personal contents of records past their retention period (run), or list them (status)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run", "status"])
        parser.add_argument("--dry-run", action="store_true", help="Only say what would be wiped.")

    def handle(self, *args, **options):
        if options["action"] == "status":
            for row in retention.summary():
                self.stdout.write(
                    f"{row['rule'].label}: period {row['period']} days; due {row['due']}, "
                    f"on hold {row['held']}, wiped so far {row['wiped']}, records {row['total']}"
                )
            return
        report = retention.run(dry_run=options["dry_run"])
        verb = "would wipe" if report.dry_run else "wiped"
        for rule in retention.registered():
            self.stdout.write(f"{rule.label}: {verb} {report.counts.get(rule.label, 0)}")
        if report.dry_run:
            for label, pk in report.records:
                self.stdout.write(f"  {label} #{pk}")
        self.stdout.write(self.style.SUCCESS(f"{verb} {sum(report.counts.values())} records in all"))
