"""Filing reports, and who sees the worker's identity."""

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django.urls import reverse

from puente.abuse import actions
from puente.abuse.access import may_see_worker, visible_reports, worker_label
from puente.abuse.models import AbuseReport, Incident, Recruiter, TraffickingIndicator
from puente.core.action_contract import ActionRefused
from puente.locate.models import Person
from puente.network.models import Region
from tests.factories import make_advocate, make_defender_user

pytestmark = pytest.mark.django_db

WORKER = "Marvin Estuardo Xol Chuc"


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_worker_identity_only_for_coordinators_and_the_reporting_party(world):
    report = world.abuse_report
    same_org = make_defender_user(world.defender_org, email="otra@cdm.org.gt", first_name="Ixchel")
    assert worker_label(world.coordinator, report) == WORKER
    assert worker_label(world.defender, report) == WORKER
    assert worker_label(same_org, report) == WORKER
    for outsider in (world.other_defender, world.advocate, world.other_advocate):
        assert not may_see_worker(outsider, report)
        assert worker_label(outsider, report) == "Anonymised worker"
        assert not visible_reports(outsider).filter(pk=report.pk).exists()
    assert visible_reports(same_org).filter(pk=report.pk).exists()
    anonymous = actions.do_file_report(acting_user=world.advocate, recruiter_names=["Agencia Xol"])
    assert worker_label(world.coordinator, anonymous) == "Anonymous worker"


def test_pages_show_the_name_to_parties_only(world):
    url = reverse("abuse:report_detail", args=[world.abuse_report.pk])
    assert WORKER in client_for(world.coordinator).get(url).content.decode()
    assert WORKER in client_for(world.defender).get(url).content.decode()
    assert client_for(world.other_defender).get(url).status_code == 404
    # The recruiter page lists only the viewer's reports, and never the worker to others.
    rurl = reverse("abuse:recruiter_detail", args=[world.recruiter.pk])
    page = client_for(world.other_defender).get(rurl).content.decode()
    assert WORKER not in page and "Reclutadora del Norte" in page
    assert "fewer than 3" in client_for(world.advocate).get(rurl).content.decode()
    patterns = client_for(world.coordinator).get(reverse("abuse:patterns")).content.decode()
    assert WORKER not in patterns and "Xol" not in patterns


def test_narrative_encrypted_at_rest_and_masked_in_audit(world):
    report = world.abuse_report
    with connection.cursor() as cur:
        cur.execute("SELECT narrative, municipality FROM abuse_abusereport WHERE id = %s", [report.pk])
        narrative, municipality = cur.fetchone()
    assert "pesos" not in narrative and "Cuilco" not in municipality
    assert AbuseReport.objects.get(pk=report.pk).narrative.startswith("Le cobraron")
    entry = LogEntry.objects.get_for_object(report).first()
    changes = str(entry.changes)
    assert "pesos" not in changes and "Cuilco" not in changes
    assert str(report) not in ("", WORKER) and "Xol" not in entry.object_repr


def test_file_report_through_the_form_in_spanish(world):
    client = client_for(world.defender)  # Defenders' interface is Spanish
    region = Region.objects.get(code="GT-13")
    page = client.get(reverse("abuse:report_new")).content.decode()
    assert "Reclutadores" in page
    response = client.post(reverse("abuse:report_new"), {
        "recruiter_names": "Agencia Laboral Tzul\nRECLUTADORA DEL NORTE",
        "employer_name": "Sunny Orchards Inc.", "programme": "H-2A", "occurred_from": "2025-03-01",
        "region": region.pk, "municipality": "Todos Santos Cuchumatán",
        "given_names": "Ana Lucía", "surname_1": "Cux", "narrative": "Le quitaron el pasaporte.",
    })
    assert response.status_code == 302
    report = AbuseReport.objects.latest("pk")
    assert report.reported_by == world.defender and report.reporter_defender == world.defender_org
    assert report.worker.full_name == "Ana Lucía Cux"
    assert set(report.recruiters.values_list("name", flat=True)) == {"Agencia Laboral Tzul", world.recruiter.name}
    assert world.recruiter.employers.filter(employer_name="Sunny Orchards Inc.", programme="H-2A").exists()
    new = Recruiter.objects.get(name="Agencia Laboral Tzul")
    assert list(new.regions.all()) == [region]


def test_bad_report_writes_nothing(world):
    before = (AbuseReport.objects.count(), Person.objects.count(), Recruiter.objects.count())
    response = client_for(world.advocate).post(reverse("abuse:report_new"), {
        "recruiter_names": "Agencia Nueva", "occurred_from": "2025-05-01", "occurred_to": "2025-01-01",
        "given_names": "Pedro",
    })
    assert response.status_code == 200
    assert "The end of the period is before its start." in response.content.decode()
    assert (AbuseReport.objects.count(), Person.objects.count(), Recruiter.objects.count()) == before


def test_worker_is_the_case_client(world, advocate):
    from puente.cases.models import Case

    client_person = Person.objects.create(given_names="Rosa", surname_1="Ajanel")
    case = Case.objects.create(reference="AB-TEST-3", advocate=advocate, client=client_person,
                               claim_type="recruitment_fraud")
    response = client_for(advocate.user).post(reverse("abuse:report_new"), {
        "recruiter_names": "Agencia Ajanel", "case": case.pk, "worker_is_client": "on",
    })
    assert response.status_code == 302
    report = AbuseReport.objects.latest("pk")
    assert report.worker == client_person and report.case == case
    # Another Advocate cannot link a report to this case.
    other = make_advocate(organisation="Otro")
    response = client_for(other.user).post(reverse("abuse:report_new"), {
        "recruiter_names": "Agencia Ajanel", "case": case.pk,
    })
    assert response.status_code == 200 and AbuseReport.objects.latest("pk") == report


def test_incidents_by_type(world):
    client = client_for(world.defender)
    url = reverse("abuse:incident_add", args=[world.abuse_report.pk])
    response = client.post(url, {"kind": "fee", "paid_to": "el licenciado"})
    assert response.status_code == 400
    response = client.post(url, {"kind": "trafficking"})
    assert response.status_code == 400
    n = world.abuse_report.incidents.count()
    assert client.post(url, {"kind": "fee", "amount": "2500.50", "currency": "GTQ"}).status_code == 302
    trafficking = {"kind": "trafficking", "indicators": ["debt_bondage", "documents_withheld"]}
    assert client.post(url, trafficking).status_code == 302
    assert client.post(url, {"kind": "fraud", "job_did_not_exist": "on", "money_taken": "on"}).status_code == 302
    incidents = list(world.abuse_report.incidents.all()[n:])
    assert [i.kind for i in incidents] == ["fee", "trafficking", "fraud"]
    assert str(incidents[0].amount.amount) == "2500.50" and str(incidents[0].amount.currency) == "GTQ"
    assert incidents[1].indicators == [TraffickingIndicator.DEBT_BONDAGE, TraffickingIndicator.DOCUMENTS_WITHHELD]
    assert incidents[2].job_did_not_exist and incidents[2].amount is None
    with pytest.raises(ActionRefused, match="Unknown indicators: nope"):
        actions.do_add_incident(
            world.abuse_report, acting_user=world.defender, kind=Incident.Kind.TRAFFICKING, indicators=["nope"],
        )


def test_link_report_to_a_case_the_user_may_link_to(world):
    from puente.cases.models import Case

    own = Case.objects.create(reference="AB-TEST-1", advocate=world.advocate_profile,
                              client=Person.objects.create(given_names="Eva"), claim_type="recruitment_fraud")
    other = Case.objects.create(reference="AB-TEST-2", advocate=world.other_advocate_profile,
                                client=Person.objects.create(given_names="Ola"), claim_type="recruitment_fraud")
    report = world.advocate_abuse_report
    url = reverse("abuse:report_link_case", args=[report.pk])
    client = client_for(world.advocate)
    assert client.post(url, {"case": other.pk}).status_code == 400
    report.refresh_from_db()
    assert report.case is None
    assert client.post(url, {"case": own.pk}).status_code == 302
    report.refresh_from_db()
    assert report.case == own


def test_report_list_filters(world):
    other = actions.do_file_report(acting_user=world.coordinator, recruiter_names=["Agencia Tzul"])
    actions.do_add_incident(other, acting_user=world.coordinator, kind=Incident.Kind.THREATS)
    client = client_for(world.coordinator)
    url = reverse("abuse:report_list")
    page = client.get(url, {"q": "RECLUTADORA DEL"}).content.decode()
    assert f'href="/abuse/reports/{world.abuse_report.pk}/"' in page
    assert f'href="/abuse/reports/{other.pk}/"' not in page
    page = client.get(url, {"kind": "threats"}).content.decode()
    assert f'href="/abuse/reports/{other.pk}/"' in page
    assert f'href="/abuse/reports/{world.abuse_report.pk}/"' not in page
    # A Defender's list never holds another party's report, whatever the filter.
    page = client_for(world.other_defender).get(url, {"q": "reclutadora"}).content.decode()
    assert f'href="/abuse/reports/{world.abuse_report.pk}/"' not in page
