from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Reports are evidence for litigation: US trafficking claims (TVPRA) may be brought up to ten years
# after the facts, so the stories and files are kept ten years after filing, longer under a
# linked case's legal hold.
RETENTION_DAYS = 10 * 365


class AbuseConfig(AppConfig):
    name = "puente.abuse"
    label = "abuse"
    verbose_name = _("Abuse")

    def ready(self):
        from puente.core import providers, retention

        from . import access, conflicts

        providers.register("cases.conflict_aliases", conflicts.conflict_aliases)
        providers.register("visas.abuse_reports_for_employer", access.reports_for_employer)
        retention.register(
            "abuse.AbuseReport", period_days=RETENTION_DAYS, date_field="created_at",
            wipe_fields=["narrative", "municipality"], hold=retention.case_hold("case"),
            description="Abuse reports' narrative and place: 10 years after filing.",
        )
        retention.register(
            "abuse.Incident", period_days=RETENTION_DAYS, date_field="created_at",
            wipe_fields=["description", "paid_to", "documents"],
            hold=retention.case_hold("report__case"),
            description="Details of abuse incidents: 10 years after filing.",
        )
        retention.register(
            "abuse.EvidenceFile", period_days=RETENTION_DAYS, date_field="uploaded_at",
            wipe_fields=["file", "original_name", "description"], hold=retention.case_hold("report__case"),
            description="Evidence files of abuse reports: 10 years after upload.",
        )
