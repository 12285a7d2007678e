"""`puente cases remind`: reminders (in the app and by email), each sent only once:

- tasks of active cases due within PUENTE_DEADLINE_REMINDER_DAYS days (default 3), and case
  deadlines as close, to the Defender and the Advocate;
- outcomes still unknown PUENTE_OUTCOME_REMINDER_DAYS days (default 90) after assignment, to the
  Advocate (again every such period while it stays unknown).

Run it daily (cron or a systemd timer).
"""

from django.core.management.base import BaseCommand

from puente.cases.reminders import send_reminders


class Command(BaseCommand):
    help = "Case facilitation jobs. `remind`: approaching deadlines and outcomes still unknown."

    def add_arguments(self, parser):
        parser.add_argument("job", choices=["remind"])

    def handle(self, *args, **options):
        counts = send_reminders()
        self.stdout.write(f"deadline reminders: {counts['deadline']}; outcome reminders: {counts['outcome']}")
