"""Abuse objects in the shared access-test world: a recruiter known by several names, a report
filed by ``w.defender`` about a named worker (with a fee and an evidence file), a report filed by
``w.advocate``, a pending merge candidate and a merge that can be undone."""

from django.core.files.uploadedfile import SimpleUploadedFile
from djmoney.money import Money

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def extend(w):
    from puente.abuse import actions
    from puente.abuse.models import Incident, Recruiter
    from puente.locate.models import Person
    from puente.network.models import Region

    huehue = Region.objects.get(code="GT-13")
    w.abuse_worker = Person.objects.create(given_names="Marvin Estuardo", surname_1="Xol", surname_2="Chuc",
                                           country="GT", region=huehue)
    w.recruiter = actions.do_create_recruiter(
        acting_user=w.coordinator, name="Reclutadora del Norte, S.A. de C.V.", country="MX",
        aliases=["RDN Reclutamiento"], phones=["+52 81 1234 5678"],
    )
    w.abuse_report = actions.do_file_report(
        acting_user=w.defender, recruiter_names=["RECLUTADORA DEL NORTE"], worker=w.abuse_worker,
        employer_name="Green Valley Farms LLC", programme="H-2A", region=huehue, municipality="Cuilco",
        narrative="Le cobraron 15,000 pesos por la visa.",
    )
    actions.do_add_incident(
        w.abuse_report, acting_user=w.defender, kind=Incident.Kind.FEE, amount=Money("15000", "MXN"),
        paid_to="el reclutador",
    )
    w.abuse_evidence = actions.do_add_evidence(
        w.abuse_report, SimpleUploadedFile("recibo.pdf", PDF_BYTES, content_type="application/pdf"),
        acting_user=w.defender,
    )
    w.advocate_abuse_report = actions.do_file_report(
        acting_user=w.advocate, recruiter_names=["Servicios Laborales Mam"], employer_name="Blue Ridge Nursery",
    )
    # A pair for the review list and a merge that can be undone.
    left = Recruiter.objects.create(name="Agencia Tzoc Ajanel")
    right = Recruiter.objects.create(name="Agencia Tzok Ajanel")
    actions.do_run_resolution(acting_user=w.coordinator, only=[left.pk, right.pk])
    from puente.abuse.models import MergeCandidate

    w.merge_candidate = MergeCandidate.objects.get(left=left, right=right)
    a = Recruiter.objects.create(name="Contratistas del Sur")
    b = Recruiter.objects.create(name="CONTRATISTAS DEL SUR S. DE R.L.")
    w.recruiter_merge = actions.do_merge_recruiters(a, b, acting_user=w.coordinator)
