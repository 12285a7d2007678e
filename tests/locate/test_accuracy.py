"""Names as they are written (issue 16): fused particles, early typos in a surname, a blank
country, married women under the husband's surname; in search and in the link."""

import pandas as pd
import pytest

from puente.locate.keys import compute_keys
from puente.locate.linkage import COLUMNS, link_frames
from puente.locate.search import PersonIndex, Query

PEOPLE = {
    1: dict(given_names="Rosa Elvira", surname_1="Chuc", surname_2="Tzul", birth_date="1983-11-20", sex="F",
            country="GT", region="GT-14", municipality="Chichicastenango"),
    2: dict(given_names="Ana Lucía", surname_1="de la Garza", surname_2="Treviño", birth_date="1990-02-03", sex="F",
            country="MX", region="MX-NLE", municipality="Monterrey"),
    3: dict(given_names="Jesús", surname_1="de Jesús", surname_2="Ramos", birth_date="1972-12-25", sex="M",
            country="HN", region="HN-CR"),
    4: dict(given_names="Juan Carlos", surname_1="de la O", surname_2="Pérez", birth_date="1988-06-06", sex="M",
            country="MX", region="MX-GRO"),
    5: dict(given_names="José", surname_1="Hernández", surname_2="López", birth_date="1984-07-12", sex="M",
            country="MX", region="MX-OAX", municipality="Juchitán"),
    # Look-alikes the right answers must beat.
    6: dict(given_names="Rosa", surname_1="García", surname_2="Méndez", birth_date="1960-01-01", sex="F",
            country="GT", region="GT-01"),
    7: dict(given_names="Ana", surname_1="Garza", surname_2="Treviño", birth_date="1970-05-05", sex="F",
            country="MX", region="MX-COA"),
    8: dict(given_names="Juan", surname_1="Chuc", surname_2="Tzul", birth_date="1986-04-04", sex="M",
            country="GT", region="GT-14", municipality="Chichicastenango"),
    # A married woman listed under her husband's surname only.
    9: dict(given_names="Marta Julia", surname_1="Ramírez", birth_date="1979-03-14", sex="F", country="SV",
            region="SV-SS", municipality="Soyapango"),
    10: dict(given_names="Marta", surname_1="Ramírez", surname_2="Cruz", birth_date="1955-08-08", sex="F",
             country="SV", region="SV-SM"),
}


@pytest.fixture(scope="module")
def index():
    idx = PersonIndex()
    for pid, f in PEOPLE.items():
        k = compute_keys(f.get("given_names", ""), f.get("surname_1", ""), f.get("surname_2", ""), "",
                         f.get("birth_date", ""), f.get("municipality", ""))
        idx.add(pid, k.search_keys, k.birth_year, k.birth_keys, k.phone_keys, k.place_key, f.get("sex", ""),
                f.get("country", ""), f.get("region", ""))
    return idx


def ids(index, **q):
    return [m.person_id for m in index.search(Query(**q), limit=5)]


@pytest.mark.parametrize("query,pid", [
    (dict(name="Ana Lucia DELAGARZA TREVINO", birth_date="1990-02-03"), 2),
    (dict(given_names="Ana Lucía", surname_1="Delagarza", birth_date="1990"), 2),
    (dict(name="Jesus Dejesus Ramos", birth_date="1972-12-25"), 3),
    (dict(given_names="Juan Carlos", surname_1="DELAO", surname_2="PEREZ", birth_date="1988-06-06"), 4),
])
def test_fused_particles_find_the_split_spelling(index, query, pid):
    assert ids(index, **query)[0] == pid


@pytest.mark.parametrize("query,pid", [
    (dict(given_names="Rosa Elvira", surname_1="Xuc", surname_2="Tzul", birth_date="1983-11-20"), 1),
    (dict(given_names="José", surname_1="Jernández", surname_2="López", birth_date="1984-07-12"), 5),
    (dict(given_names="José", surname_1="Bernández", birth_date="1984-07-12", region="Oaxaca"), 5),
])
def test_an_early_typo_in_the_surname_does_not_hide_the_record(index, query, pid):
    assert pid in ids(index, **query)[:2]


@pytest.mark.parametrize("query", [
    dict(given_names="Marta Julia", surname_1="Ramírez", surname_2="Cruz", birth_date="1979-03-14",
         region="San Salvador"),  # her own surnames; listed under the husband's
    dict(name="Marta Julia Cruz de Ramírez", birth_date="1979-03-14", region="SV-SS"),  # "X de Husband"
    dict(given_names="Rosa Elvira", surname_1="Chuc de García", birth_date="1983-11-20", region="Quiché"),
    dict(given_names="Rosa Elvira", surname_1="García", birth_date="1983-11-20", region="Quiché"),
])
def test_a_married_woman_is_found_when_given_names_date_and_place_agree(index, query):
    expected = 9 if query.get("given_names", query.get("name", "")).startswith("Marta") else 1
    assert expected in ids(index, **query)[:3]


def _frame(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def test_link_with_fused_particles_early_typos_and_blank_countries():
    right = _frame([
        ["r1", "Rosa Elvira", "Chuc", "Tzul", "F", "1983-11-20", "GT", "GT-14", "Chichicastenango", ""],
        ["r2", "José", "Hernández", "López", "M", "1984-07-12", "MX", "MX-OAX", "Juchitán", ""],
        ["r3", "Ana", "de la Garza", "Treviño", "F", "1990-02-03", "MX", "MX-NLE", "Monterrey", ""],
        ["r4", "María", "Pérez", "Cruz", "F", "1970-05-05", "MX", "MX-VER", "Xalapa", ""],
        ["r5", "Juan", "Chuc", "Tzul", "M", "1986-04-04", "GT", "GT-14", "Chichicastenango", ""],
    ])
    left = _frame([
        ["l1", "Rosa", "Xuc", "Tzul", "F", "1983-11-20", "", "GT-14", "Chichicastenango", ""],
        ["l2", "Jose", "Jernandez", "Lopez", "M", "1984-07-12", "", "MX-OAX", "Juchitan", ""],
        ["l3", "ANA", "DELAGARZA", "TREVINO", "F", "1990-02-03", "MX", "MX-NLE", "", ""],
        ["l4", "María", "Pérez", "Cruz", "F", "1970-05-05", "", "MX-VER", "Xalapa", ""],
    ])
    pairs = link_frames(left, right, threshold=0.5).drop_duplicates("left_id")
    got = dict(zip(pairs["left_id"], pairs["right_id"], strict=True))
    assert got == {"l1": "r1", "l2": "r2", "l3": "r3", "l4": "r4"}
