"""Search before create (issue 16): entering a person shows the likely existing records first,
only those the user may see; for the others, that a possible match exists."""

from django.test import Client
from django.urls import reverse

from puente.locate import actions, api
from puente.locate.models import Person, ProjectPerson


def _client(user):
    c = Client()
    c.force_login(user)
    return c


FIELDS = {"given_names": "Lupita", "surname_1": "Tzoc", "surname_2": "Ajanel", "birth_date": "1988-04-12"}


def test_likely_matches_split_what_the_user_may_see(world):
    w = world
    # w.locate_person (María Guadalupe Tzoc Ajanel, 1988-04-12) is the client of the advocate's case.
    mine = api.likely_matches(w.advocate, FIELDS)
    assert [p.pk for _m, p in mine.visible][:1] == [w.locate_person.pk] and mine.hidden == 0
    theirs = api.likely_matches(w.other_advocate, FIELDS)
    assert theirs.visible == [] and theirs.hidden >= 1
    assert not api.likely_matches(w.coordinator, {"given_names": "Lupita"})  # a surname is needed too


def test_the_partial_names_only_visible_people(world):
    w = world
    url = reverse("locate:likely_matches")
    body = _client(w.other_advocate).get(url, FIELDS).content.decode()
    assert "A possible match exists that you cannot see; a Coordinator can check." in body
    assert "Guadalupe" not in body and "Ajanel" not in body
    body = _client(w.advocate).get(url, FIELDS).content.decode()
    assert "María Guadalupe Tzoc Ajanel" in body


def test_the_new_person_page_shows_matches_first_then_creates_anyway(world):
    w = world
    client = _client(w.coordinator)
    before = Person.objects.count()
    data = {**FIELDS, "sex": "F", "speaks_spanish": "on"}
    page = client.post(reverse("locate:person_new"), data)
    assert page.status_code == 200 and "Already in the registry?" in page.content.decode()
    assert "María Guadalupe Tzoc Ajanel" in page.content.decode() and Person.objects.count() == before
    response = client.post(reverse("locate:person_new"), {**data, "create_anyway": "1"})
    assert response.status_code == 302 and Person.objects.count() == before + 1


def test_a_new_person_for_a_project_is_added_to_it(world):
    w = world
    client = _client(w.coordinator)
    url = reverse("locate:person_new") + f"?project={w.locate_project.pk}"
    response = client.post(url, {"given_names": "Eulalia", "surname_1": "Ixcoy", "surname_2": "Batz",
                                 "speaks_spanish": "on", "project": w.locate_project.pk})
    assert response.status_code == 302
    person = Person.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert ProjectPerson.objects.filter(project=w.locate_project, person=person).exists()
    assert actions.PERSON_FIELDS  # the form is the person form
