import pytest

from tests.access import Entry, check_entry, matrix_params

# Coordinators see everything; a Defender sees only people of their cases and their search
# assignments (another's: 404); Advocates see their clients and people who consented to share with
# them, and nothing of reunification (403).
NOT_COORD = {"advocate": 403, "other_advocate": 403, "defender": 403, "other_defender": 403}
POST_OK = (302,)

MATRIX = [
    Entry("locate:search", expect={"coordinator": 200, "defender": 200, "other_defender": 200}),
    Entry(
        "locate:search",
        expect={"coordinator": 200, "defender": 200, "other_defender": 200},
        data=lambda w: {"q": "Guadalupe Tzoc"},
        id="locate:search:query",
    ),
    Entry("locate:person_new", expect={"coordinator": 200}),
    # Search before create: whoever enters people (Coordinators, Advocates for a case request,
    # Defenders filing an abuse report) sees only the matches they may see.
    Entry(
        "locate:likely_matches",
        data=lambda w: {"given_names": "María Guadalupe", "surname_1": "Tzoc", "birth_date": "1988-04-12"},
        expect={"coordinator": 200, "advocate": 200, "other_advocate": 200, "defender": 200, "other_defender": 200},
    ),
    Entry(
        "locate:person_detail",
        kwargs=lambda w: {"pk": w.locate_person.pk},
        expect={"coordinator": 200, "advocate": 200, "defender": 200, "other_advocate": 404, "other_defender": 404},
    ),
    Entry(
        "locate:person_detail",
        kwargs=lambda w: {"pk": w.locate_search_person.pk},
        id="locate:person_detail:assigned",
        expect={"coordinator": 200, "advocate": 404, "defender": 200, "other_advocate": 404, "other_defender": 404},
    ),
    Entry("locate:person_edit", kwargs=lambda w: {"pk": w.locate_person.pk}, expect={"coordinator": 200}),
    Entry(
        "locate:consent_add",
        kwargs=lambda w: {"pk": w.locate_person.pk},
        method="post",
        data=lambda w: {"advocate": w.other_advocate_profile.pk},
        expect={"coordinator": 302},
    ),
    Entry(
        "locate:consent_withdraw",
        kwargs=lambda w: {"pk": w.locate_consent.pk},
        method="post",
        expect={"coordinator": 302},
    ),
    Entry("locate:merge_undo", kwargs=lambda w: {"pk": w.locate_merge.pk}, method="post", expect={"coordinator": 302}),
    Entry("locate:import", expect={"coordinator": 200}),
    Entry("locate:import_detail", kwargs=lambda w: {"pk": w.locate_batch.pk}, expect={"coordinator": 200}),
    Entry(
        "locate:review_decide",
        kwargs=lambda w: {"pk": w.locate_review.pk},
        method="post",
        data=lambda w: {"decision": "reject"},
        expect={"coordinator": 302},
    ),
    Entry("locate:projects", expect={"coordinator": 200, "defender": 200, "other_defender": 200}),
    Entry("locate:project_new", expect={"coordinator": 200}),
    Entry(
        "locate:project_detail",
        kwargs=lambda w: {"pk": w.locate_project.pk},
        expect={"coordinator": 200, "defender": 200, "other_defender": 200},
    ),
    Entry(
        "locate:project_add_person",
        kwargs=lambda w: {"pk": w.locate_project.pk},
        method="post",
        data=lambda w: {"person": w.locate_person.pk},
        expect={"coordinator": 302},
    ),
    Entry("locate:project_report_csv", kwargs=lambda w: {"pk": w.locate_project.pk}, expect={"coordinator": 200}),
    Entry("locate:project_report_pdf", kwargs=lambda w: {"pk": w.locate_project.pk}, expect={"coordinator": 200}),
    Entry(
        "locate:entry_detail",
        kwargs=lambda w: {"pk": w.locate_entry.pk},
        expect={"coordinator": 200, "defender": 200, "other_defender": 404},
    ),
    Entry(
        "locate:entry_assign",
        kwargs=lambda w: {"pk": w.locate_entry.pk},
        method="post",
        data=lambda w: {"defender": w.defender_org.pk},
        expect={"coordinator": 302},
    ),
    Entry(
        "locate:entry_attempt",
        kwargs=lambda w: {"pk": w.locate_entry.pk},
        method="post",
        data=lambda w: {"date": "2026-11-20", "method": "phone", "result": "no_answer"},
        expect={"coordinator": 302, "defender": 302, "other_defender": 404},
    ),
    Entry(
        "locate:entry_status",
        kwargs=lambda w: {"pk": w.locate_entry.pk},
        method="post",
        data=lambda w: {"status": "searching"},
        expect={"coordinator": 302, "defender": 302, "other_defender": 404},
    ),
    Entry(
        "locate:entry_preference",
        kwargs=lambda w: {"pk": w.locate_entry.pk},
        method="post",
        data=lambda w: {"preference": "undecided", "method": "phone", "at": "2026-11-20 10:00"},
        expect={"coordinator": 302, "defender": 302, "other_defender": 404},
    ),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)
