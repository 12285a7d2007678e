import pytest
from django.core.exceptions import ValidationError

from puente.abuse import actions
from puente.abuse.conflicts import party_aliases
from puente.abuse.models import AbuseReport, MergeCandidate, Recruiter, RecruiterMerge
from puente.abuse.resolution import CERTAIN, REVIEW, normalise, normalise_phone, resolve_name

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw,key", [
    ("Reclutadora del Norte, S.A. de C.V.", "reclutadora del norte"),
    ("RECLUTADORA DEL NORTE", "reclutadora del norte"),
    ("Reclutadora Del Norte S. de R.L. de C.V.", "reclutadora del norte"),
    ("Lic. José Pérez Gómez", "jose perez gomez"),
    ("Ing. Juan Bázquez", "juan bazquez"),
    ("Trabajos & Visas S.C.", "trabajos and visas"),
    ("Trabajos y Visas, S.C.", "trabajos and visas"),  # "&", "y" and "and" are one word
    ("SA", "sa"),  # a suffix alone is not stripped into nothing
])
def test_normalise(raw, key):
    assert normalise(raw) == key


def test_phone_normalised_to_e164():
    assert normalise_phone("(81) 1234-5678", "MX") == "+528112345678"
    assert normalise_phone("5555 1234", "GT") == "+50255551234"
    with pytest.raises(ValidationError):
        normalise_phone("12", "GT")


def _report(user, recruiter):
    report = AbuseReport.objects.create(reported_by=user)
    report.recruiters.add(recruiter)
    return report


def test_three_spellings_become_one_recruiter_and_undo_restores(coordinator):
    first = Recruiter.objects.create(name="Reclutadora del Norte, S.A. de C.V.")
    second = Recruiter.objects.create(name="RECLUTADORA DEL NORTE")
    third = Recruiter.objects.create(name="Reclutadora Del Norte S. de R.L.")
    reports = [_report(coordinator, r) for r in (first, second, third)]
    second.phones.create(number="+528112345678")

    result = actions.do_run_resolution(acting_user=coordinator)

    assert result.merged == 2
    assert list(Recruiter.active.filter(name_key="reclutadora del norte")) == [first]
    for report in reports:
        assert list(report.recruiters.all()) == [first]
    assert sorted(first.aliases.values_list("name", flat=True)) == [
        "RECLUTADORA DEL NORTE", "Reclutadora Del Norte S. de R.L.",
    ]
    assert list(first.phones.values_list("number", flat=True)) == ["+528112345678"]
    assert resolve_name("reclutadora del norte sa de cv") == first

    merge = RecruiterMerge.objects.get(merged=second)
    actions.do_undo_merge(merge, acting_user=coordinator)

    second.refresh_from_db()
    assert second.merged_into is None
    assert list(reports[1].recruiters.all()) == [second]
    assert list(reports[0].recruiters.all()) == [first]
    assert list(reports[2].recruiters.all()) == [first]
    assert list(second.phones.values_list("number", flat=True)) == ["+528112345678"]
    assert "RECLUTADORA DEL NORTE" not in first.aliases.values_list("name", flat=True)
    # Undone: the pair is recorded as different and not merged again.
    assert MergeCandidate.objects.get(left=first, right=second).status == MergeCandidate.Status.REJECTED
    assert actions.do_run_resolution(acting_user=coordinator).merged == 0
    with pytest.raises(ValidationError):
        actions.do_undo_merge(merge, acting_user=coordinator)


def test_report_on_both_recruiters_keeps_both_after_undo(coordinator):
    a = Recruiter.objects.create(name="Agencia Chuc")
    b = Recruiter.objects.create(name="AGENCIA CHUC S.A.")
    report = AbuseReport.objects.create(reported_by=coordinator)
    report.recruiters.add(a, b)
    merge = actions.do_merge_recruiters(a, b, acting_user=coordinator)
    assert list(report.recruiters.all()) == [a]
    actions.do_undo_merge(merge, acting_user=coordinator)
    assert set(report.recruiters.all()) == {a, b}


def test_uncertain_pair_goes_to_review_then_confirm_or_reject(coordinator):
    a = Recruiter.objects.create(name="Lic. José Pérez Gómez")
    b = Recruiter.objects.create(name="JOSE PERES GOMEZ")
    c = Recruiter.objects.create(name="Juana Pérez Gómez")
    d = Recruiter.objects.create(name="Transportes Ixil")

    result = actions.do_run_resolution(acting_user=coordinator)

    assert result.merged == 0
    pending = MergeCandidate.objects.filter(status=MergeCandidate.Status.PENDING)
    pairs = {(m.left_id, m.right_id) for m in pending}
    assert (a.pk, b.pk) in pairs
    assert all(d.pk not in pair for pair in pairs)
    candidate = pending.get(left=a, right=b)
    assert REVIEW <= float(candidate.score) < CERTAIN

    merge = actions.do_decide_candidate(candidate, acting_user=coordinator, confirm=True)
    assert merge.survivor == a and not merge.automatic
    b.refresh_from_db()
    assert b.merged_into == a

    assert not MergeCandidate.objects.filter(right=c, left=a).exists()  # Juana is not José
    with pytest.raises(ValidationError):
        actions.do_decide_candidate(candidate, acting_user=coordinator, confirm=False)


def test_rejected_pair_is_not_asked_again(coordinator):
    a = Recruiter.objects.create(name="Agencia Tzoc Ajanel")
    b = Recruiter.objects.create(name="Agencia Tzok Ajanel")
    assert actions.do_run_resolution(acting_user=coordinator).queued == 1
    candidate = MergeCandidate.objects.get(left=a, right=b, status=MergeCandidate.Status.PENDING)
    assert actions.do_decide_candidate(candidate, acting_user=coordinator, confirm=False) is None
    assert actions.do_run_resolution(acting_user=coordinator).queued == 0
    candidate.refresh_from_db()
    assert candidate.status == MergeCandidate.Status.REJECTED
    assert Recruiter.active.filter(pk__in=[a.pk, b.pk]).count() == 2


def test_shared_phone_and_close_name_is_certain(coordinator):
    a = actions.do_create_recruiter(
        acting_user=coordinator, name="Agencia Laboral Cux", country="GT", phones=["5555 1234"],
    )
    b = Recruiter.objects.create(name="Agencia Laboral Kux", country="GT")
    b.phones.create(number="+50255551234")
    actions.do_run_resolution(acting_user=coordinator)
    b.refresh_from_db()
    assert b.merged_into == a


def test_later_merge_must_be_undone_first(coordinator):
    a = Recruiter.objects.create(name="Servicios Chuc")
    b = Recruiter.objects.create(name="Servicios Chuc Norte")
    c = Recruiter.objects.create(name="Otro Nombre")
    first = actions.do_merge_recruiters(a, b, acting_user=coordinator)
    second = actions.do_merge_recruiters(c, a, acting_user=coordinator)
    with pytest.raises(ValidationError):
        actions.do_undo_merge(first, acting_user=coordinator)
    actions.do_undo_merge(second, acting_user=coordinator)
    actions.do_undo_merge(first, acting_user=coordinator)
    assert Recruiter.active.count() == 3


def test_filing_a_new_spelling_links_the_known_recruiter_and_keeps_the_spelling(defender_user):
    known = Recruiter.objects.create(name="Reclutadora del Norte")
    report = actions.do_file_report(acting_user=defender_user, recruiter_names=["RECLUTADORA DEL NORTE, S.A. DE C.V."])
    assert list(report.recruiters.all()) == [known]
    assert "RECLUTADORA DEL NORTE, S.A. DE C.V." in known.aliases.values_list("name", flat=True)
    # A second report with the same spelling adds no duplicate alias.
    actions.do_file_report(acting_user=defender_user, recruiter_names=["RECLUTADORA DEL NORTE, S.A. DE C.V."])
    assert known.aliases.count() == 1


def test_creating_a_duplicate_recruiter_is_refused(coordinator):
    actions.do_create_recruiter(acting_user=coordinator, name="Agencia Xol")
    with pytest.raises(ValidationError) as exc:
        actions.do_create_recruiter(acting_user=coordinator, name="AGENCIA XOL S.A. DE C.V.")
    assert "Agencia Xol" in str(exc.value)


def test_party_aliases_follow_merges(coordinator):
    a = Recruiter.objects.create(name="Reclutadora del Norte")
    a.aliases.create(name="El Güero Reclutador")
    b = Recruiter.objects.create(name="RDN Reclutamiento Internacional")
    actions.do_merge_recruiters(a, b, acting_user=coordinator)
    names = party_aliases("recruiter", "RECLUTADORA DEL NORTE S.A. DE C.V.")
    assert names == {"RECLUTADORA DEL NORTE S.A. DE C.V.", "Reclutadora del Norte", "El Güero Reclutador",
                     "RDN Reclutamiento Internacional"}
    # By the merged recruiter's name too.
    assert "Reclutadora del Norte" in party_aliases("recruiter", "RDN Reclutamiento Internacional")
    assert party_aliases("recruiter", "Nadie Conocido") == {"Nadie Conocido"}


def test_management_command_resolves():
    import io

    from django.core.management import call_command

    Recruiter.objects.create(name="Agencia Cux")
    Recruiter.objects.create(name="AGENCIA CUX, S.A.")
    out = io.StringIO()
    call_command("abuse_resolve", stdout=out)
    assert out.getvalue().startswith("1 merges applied")
    assert Recruiter.active.filter(name_key="agencia cux").count() == 1


def test_renaming_keeps_the_old_name_and_refuses_another_recruiters_name(coordinator):
    from django.test import Client
    from django.urls import reverse

    recruiter = actions.do_create_recruiter(acting_user=coordinator, name="Agencia Chuc")
    Recruiter.objects.create(name="Agencia Tzul")
    client = Client()
    client.force_login(coordinator)
    url = reverse("abuse:recruiter_edit", args=[recruiter.pk])
    response = client.post(url, {"name": "AGENCIA TZUL S.A.", "kind": "agency"})
    assert response.status_code == 200 and "Agencia Tzul" in response.content.decode()
    response = client.post(url, {"name": "Servicios Chuc Internacional", "kind": "person", "country": "GT"})
    assert response.status_code == 302
    recruiter.refresh_from_db()
    assert (recruiter.name, recruiter.kind, recruiter.country) == ("Servicios Chuc Internacional", "person", "GT")
    assert resolve_name("Agencia Chuc") == recruiter
