import pytest

from puente.locate import names


def test_fold_removes_accents_case_and_enye():
    assert names.fold("NÚÑEZ-Peña") == "nunez pena"
    assert names.fold("  José   María ") == "jose maria"


def test_particles_and_compound_surnames():
    assert names.surname_tokens("de la Cruz") == ["cruz"]
    assert names.surname_tokens("del Río") == ["rio"]
    assert names.surname_tokens("San Martín") == ["sanmartin"]
    assert names.surname_tokens("Santa María de los Ángeles") == ["santamaria", "angeles"]
    assert names.given_tokens("María de los Ángeles") == ["maria", "angeles"]


def test_split_surnames_married_and_hyphenated():
    assert names.split_surnames("Hernández López") == ("hernandez", "lopez", "")
    assert names.split_surnames("López de García") == ("lopez", "", "garcia")
    assert names.split_surnames("HERNANDEZ-LOPEZ") == ("hernandez", "lopez", "")
    assert names.split_surnames("de la Cruz Pérez") == ("cruz", "perez", "")


def test_spanish_phonetic_key_merges_sound_alikes():
    same = [
        ("Vásquez", "Basquez"),
        ("Vázquez", "Vasquez"),
        ("Hernández", "Ernandez"),
        ("Jiménez", "Ximénez"),
        ("Gimenez", "Jimenez"),
        ("Llamas", "Yamas"),
        ("Cervantes", "Servantes"),
        ("México", "Méjico"),
        ("Quintero", "Kintero"),
        ("Tzoc", "Zoc"),
        ("Xol", "Shol"),
        ("Zelaya", "Celaya"),
        ("Villalobos", "Billalobos"),
    ]
    for a, b in same:
        assert names.phonetic(a) == names.phonetic(b), (a, b)
    # Hard g stays apart from j; different names stay apart.
    assert names.phonetic("Guillermo") != names.phonetic("Jiyermo")
    assert names.phonetic("Guerrero") != names.phonetic("Herrero")
    assert names.phonetic("García") != names.phonetic("Garza")


def test_nickname_table():
    p = names.phonetic
    assert names.nickname_match(p("Pepe"), p("José")) == p("José")
    assert names.nickname_match(p("Beto"), p("Roberto")) == p("Roberto")
    assert names.nickname_match(p("Beto"), p("Alberto")) == p("Alberto")
    assert names.nickname_match(p("Chucho"), p("Jesús")) == p("Jesús")
    assert names.nickname_match(p("Lupita"), p("Guadalupe")) == p("Guadalupe")
    assert names.nickname_match(p("Güicho"), p("Luis")) == p("Luis")
    assert names.nickname_match(p("Roberto"), p("Alberto")) is None
    assert names.display_name(p("jose")) == "José"


@pytest.mark.parametrize(
    "fused,split",
    [("DELAGARZA", "de la Garza"), ("Dejesús", "de Jesús"), ("DELAO", "de la O"), ("DELEON", "de León"),
     ("Delvalle", "del Valle"), ("DELOSSANTOS", "de los Santos"), ("De La Garza", "de la Garza")],
)
def test_fused_and_split_particles_give_the_same_keys(fused, split):
    assert names.surname_code(fused) == names.surname_code(split)
    assert names.split_surnames(f"{fused} Treviño")[:2] == names.split_surnames(f"{split} Treviño")[:2]


@pytest.mark.parametrize("word", ["Delgado", "Deras", "Delfín", "Dehesa"])
def test_surnames_that_only_begin_like_a_particle_stay_whole(word):
    assert names.surname_code(word) == names.phonetic(names.fold(word))
