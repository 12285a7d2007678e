"""Objects of the locate app in the shared access-test world.

- w.locate_person: client of w.case (advocate's case, assigned to defender's organisation).
- w.locate_other_person: client of a case of other_advocate, assigned to other_defender.
- w.locate_project with w.locate_entry (w.locate_search_person, assigned to defender) and
  w.locate_other_entry (assigned to other_defender); w.locate_consent (w.locate_person to advocate),
  w.locate_merge, w.locate_batch, w.locate_review.
"""

from django.utils import timezone


def extend(w):
    from puente.cases.models import Case
    from puente.locate import actions
    from puente.locate.models import ImportBatch, LinkReview, Person

    c = w.coordinator
    w.locate_person = actions.do_create_person(
        acting_user=c,
        given_names="María Guadalupe",
        surname_1="Tzoc",
        surname_2="Ajanel",
        birth_date="1988-04-12",
        country="GT",
        consent_to_search=True,
    )
    w.locate_other_person = actions.do_create_person(
        acting_user=c, given_names="Juan", surname_1="Pérez", surname_2="Cruz", country="MX", consent_to_search=True
    )
    w.locate_case = Case.objects.create(
        reference="LOC-T-1",
        advocate=w.advocate_profile,
        defender=w.defender_org,
        client=w.locate_person,
        claim_type="wage_hour",
    )
    w.locate_other_case = Case.objects.create(
        reference="LOC-T-2",
        advocate=w.other_advocate_profile,
        defender=w.other_defender_org,
        client=w.locate_other_person,
        claim_type="wage_hour",
    )
    w.locate_search_person = actions.do_create_person(
        acting_user=c, given_names="Santiago", surname_1="Xol", surname_2="Caal", country="GT"
    )
    w.locate_other_search_person = actions.do_create_person(
        acting_user=c, given_names="Rosario", surname_1="López", country="MX"
    )
    w.locate_project = actions.do_create_project(
        acting_user=c, name="Ms. L. parents", court="S.D. Cal.", docket_number="18-cv-00428"
    )
    w.locate_entry = actions.do_add_to_project(
        w.locate_project, w.locate_search_person, acting_user=c, defender=w.defender_org
    )
    w.locate_other_entry = actions.do_add_to_project(
        w.locate_project, w.locate_other_search_person, acting_user=c, defender=w.other_defender_org
    )
    w.locate_consent = actions.do_record_consent(w.locate_person, w.advocate_profile, acting_user=c, how="signed form")
    dup = actions.do_create_person(acting_user=c, given_names="Lupe", surname_1="Tzoc", country="GT")
    w.locate_merge = actions.do_merge_people(w.locate_other_search_person, dup, acting_user=c, reason="test")
    w.locate_batch = ImportBatch.objects.create(filename="list.csv", uploaded_by=c, rows=1)
    imported = Person.objects.create(given_names="Santiago", surname_1="Xol", created_by=c)
    w.locate_review = LinkReview.objects.create(
        batch=w.locate_batch, imported=imported, existing=w.locate_search_person, probability=0.7
    )
    w.locate_time = timezone.now()
