"""`puente abuse_resolve`: compare every recruiter (certain merges applied, doubtful pairs queued
for the Coordinators' review) and re-link recruiters' employers to the visa data. For cron, after
an import of visa files or of reports."""

from django.core.management.base import BaseCommand

from puente.abuse import actions


class Command(BaseCommand):
    help = "Resolve recruiters written several ways and re-link their employers to the visa data."

    def handle(self, *args, **options):
        result = actions.do_run_resolution(acting_user=None)
        linked = actions.do_link_visa_employers(acting_user=None)
        self.stdout.write(
            f"{result.merged} merges applied, {result.queued} pairs to review, {linked} employer links changed",
        )
