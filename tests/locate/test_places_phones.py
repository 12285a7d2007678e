"""Regions as people write them (issue 16) and phones that keep the country they were written with."""

import csv

import pytest

from puente.locate import keys as K
from puente.locate import places
from puente.locate.importing import ImportErrors, validate
from puente.network.models import Region

HEADERS = ["given_names", "surname_1", "country", "admin1", "phone"]


@pytest.mark.parametrize(
    "written,country,code",
    [
        ("Veracruz", "", "MX-VER"),
        ("VERACRUZ DE IGNACIO DE LA LLAVE", "MX", "MX-VER"),
        ("Michoacán", "", "MX-MIC"),
        ("michoacan", "MX", "MX-MIC"),
        ("Mich.", "", "MX-MIC"),
        ("Coahuila", "", "MX-COA"),
        ("CDMX", "", "MX-CMX"),
        ("Distrito Federal", "", "MX-CMX"),
        ("Edo. de México", "", "MX-MEX"),
        ("Q. Roo", "", "MX-ROO"),
        ("20", "MX", "MX-OAX"),  # INEGI number
        ("Región Autónoma de la Costa Caribe Norte", "", "NI-AN"),
        ("Región Autónoma de la Costa Caribe Sur", "NI", "NI-AS"),
        ("RAAN", "", "NI-AN"),
        ("Atlántico Sur", "", "NI-AS"),
        ("Depto. de Sololá", "", "GT-07"),
        ("Xela", "", "GT-09"),
        ("GT-AV", "", "GT-16"),  # the code ISO used before 2021
        ("13", "GT", "GT-13"),
        ("HN-CR", "", "HN-CR"),
        ("francisco morazan", "", "HN-FM"),
        ("USULUTAN", "", "SV-US"),
        ("La Paz", "HN", "HN-LP"),
        ("La Paz", "SV", "SV-PA"),
    ],
)
def test_region_aliases(written, country, code):
    assert places.resolve_region(written, country).code == code


@pytest.mark.django_db
def test_every_region_of_the_network_has_aliases_and_only_known_codes():
    codes = set(places.region_codes())
    assert len(codes) == 103
    assert codes == set(Region.objects.values_list("code", flat=True))
    with places.ALIASES_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["code"] for r in rows} == codes


@pytest.mark.django_db
def test_ambiguous_and_unknown_regions_are_errors_naming_row_and_column():
    rows = [
        ["Rosa", "Chuc", "", "La Paz", ""],
        ["Ana", "Xol", "", "13", ""],
        ["Juan", "Pérez", "MX", "Narnia", ""],
        ["Luis", "Cux", "GT", "Veracruz", ""],
        ["Pedro", "Ajú", "", "Veracruz", ""],
    ]
    with pytest.raises(ImportErrors) as e:
        validate(HEADERS, rows, {h: h for h in HEADERS}, "lista.csv")
    assert e.value.errors == [
        "lista.csv row 2, column admin1: “La Paz” names regions in several countries (HN-LP, SV-PA): give the country",
        "lista.csv row 3, column admin1: “13” is not a known region code or name",
        "lista.csv row 4, column admin1: “Narnia” is not a known region code or name",
        "lista.csv row 5, column admin1: region “Veracruz” is not in GT",
    ]


@pytest.mark.django_db
def test_short_names_import_and_fill_the_country():
    rows = [["Pedro", "Ajú", "", "Michoacán", ""], ["Rosa", "Chuc", "Nicaragua", "RACCN", ""]]
    clean = validate(HEADERS, rows, {h: h for h in HEADERS}, "lista.csv")
    assert [(c.fields["region"].code, c.fields["country"]) for c in clean] == [("MX-MIC", "MX"), ("NI-AN", "NI")]


@pytest.mark.parametrize(
    "written,country,stored,valid",
    [
        ("3753-1134", "NI", "37531134", False),  # not a Nicaraguan number: kept as written, not +502
        ("8888-1234", "NI", "+50588881234", True),
        ("+505 3753 1134", "", "+50537531134", False),  # the code written is kept
        ("5555 1234", "GT", "+50255551234", True),
        ("(951) 123-4567", "MX", "+529511234567", True),
        ("+52 1 951 123 4567", "", "+529511234567", True),  # old mobile prefix folded
        ("0050588881234", "", "+50588881234", True),
        ("9511234567", "", "9511234567", False),  # no country: digits, never a guessed code
    ],
)
def test_phones_keep_the_country_they_were_written_with(written, country, stored, valid):
    assert K.normalise_phone(written, country) == stored
    assert K.phone_is_valid(stored) is valid


def test_phones_match_on_the_national_number_whatever_the_code():
    a = K.compute_keys("Rosa", "Chuc", phones=[K.normalise_phone("3753-1134", "NI")])
    b = K.compute_keys("Rosa", "Chuc", phones=[K.normalise_phone("+502 3753 1134", "")])
    c = K.compute_keys("Rosa", "Chuc", phones=[K.normalise_phone("+505 3753 1134", "")])
    d = K.compute_keys("Rosa", "Chuc", phones=[K.normalise_phone("3753-1199", "NI")])
    assert a.phone_keys == b.phone_keys == c.phone_keys != d.phone_keys


@pytest.mark.django_db
def test_an_invalid_phone_in_a_list_is_kept_as_written_not_refused():
    rows = [["Rosa", "Chuc", "NI", "Managua", "3753-1134"], ["Juan", "Pérez", "NI", "Managua", "call me"]]
    with pytest.raises(ImportErrors) as e:
        validate(HEADERS, rows, {h: h for h in HEADERS}, "lista.csv")
    assert e.value.errors == ["lista.csv row 3, column phone: “call me” is not a valid phone number"]
    clean = validate(HEADERS, rows[:1], {h: h for h in HEADERS}, "lista.csv")
    assert clean[0].fields["phone"] == "37531134"
