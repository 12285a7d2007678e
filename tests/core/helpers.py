"""Builders for the protection tests: people, cases and files with real-looking contents."""

from django.core.files.base import ContentFile

from tests.factories import make_advocate

SECRET_NAME = "Xiomara Tzoc Ajanel"


def make_person(given="Xiomara", s1="Tzoc", s2="Ajanel", **kw):
    from puente.locate.models import Person

    defaults = dict(
        phone="+502 5555 0142", whatsapp="+50255550142", community="Aldea Chemealón",
        municipality="Todos Santos Cuchumatán", notes="Recruiter kept her passport in Monterrey",
        relatives="Hija: Marisol Tzoc (9 años)", last_known_address="Cantón Tuicoy, casa 4",
        birth_date="1991-03-07", consent_to_search=True,
    )
    defaults.update(kw)
    return Person.objects.create(given_names=given, surname_1=s1, surname_2=s2, **defaults)


def make_case(client=None, advocate=None, **kw):
    from puente.cases.models import Case

    advocate = advocate or make_advocate()
    client = client or make_person()
    kw.setdefault("claim_type", "wage_hour")
    return Case.objects.create(advocate=advocate, client=client, **kw)


def store_private_file(content: bytes, folder="evidence"):
    from puente.core.storage import private_storage

    return private_storage.save(f"{folder}/declaracion_Xiomara_Tzoc.pdf", ContentFile(content))
