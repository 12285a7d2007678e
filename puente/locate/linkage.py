"""Bulk record linkage with Splink 5 (DuckDB backend): two lists, or a list against the registry.

Both sides are first reduced to comparison columns (``prepare_frame``): phonetic codes of the
given names and surnames (``puente.locate.names``), a set of the given names with their nickname
canonical forms (so Pepe ~ José, Beto ~ Roberto ~ Alberto), the sorted pair of surnames (either
order), the date split into year, month and day, the place, the phone in E.164.

The model is not trained on each file: its m and u probabilities are set below from what the
network knows about how records differ (see docs/locate.md), which makes every run
deterministic and fast. Candidate pairs come from blocking rules on phonetic surname + birth
year, given name + birth year, both surnames, the phone, and given name + first surname.
For lists too big for one machine, Splink's Spark backend takes the same settings.
"""

import logging
from typing import Literal

import pandas as pd

from puente.core import tabular

from . import keys as K
from . import names, places
from .evidence import compatible_dates, same_given_names, same_surnames, strong_evidence
from .models import Person
from .search import Query, get_index

COLUMNS = [
    "id",
    "given_names",
    "surname_1",
    "surname_2",
    "sex",
    "birth_date",
    "country",
    "admin1",
    "municipality",
    "phone",
]
CERTAIN = 0.95  # linked at once on import
REVIEW = 0.5  # below CERTAIN and from here: a Coordinator decides


def _given_cols(text: str):
    codes = names.name_codes(text or "")
    expanded = set()
    for c in codes:
        expanded.add(c)
        expanded |= names.canonical_codes(c)
    g1 = codes[0] if codes else None
    g1c = min(names.canonical_codes(g1)) if g1 and names.canonical_codes(g1) else g1
    return g1, g1c, sorted(expanded) or None


def _surname_cols(s1: str, s2: str):
    first, second, married = names.split_surnames(s1 or "")
    if s2:
        a, b = names.surname_code(f"{first} {second}"), names.surname_code(s2)
    else:
        a, b = names.surname_code(first), names.surname_code(second)
    return a or None, b or None


def prepare_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The comparison columns Splink reads, from a frame with ``COLUMNS``. Vectorised over unique
    values, so a million rows take seconds."""
    df = rows.fillna("").astype(str)
    out = pd.DataFrame({"unique_id": df["id"]})
    given_u = {v: _given_cols(v) for v in df["given_names"].unique()}
    g = df["given_names"].map(given_u)
    out["g1"] = g.map(lambda t: t[0])
    out["g1c"] = g.map(lambda t: t[1])
    out["gset"] = g.map(lambda t: t[2])
    pairs = df["surname_1"] + "|" + df["surname_2"]
    sur_u = {v: _surname_cols(*v.split("|", 1)) for v in pairs.unique()}
    s = pairs.map(sur_u)
    out["s1"] = s.map(lambda t: t[0])
    out["s2"] = s.map(lambda t: t[1])
    out["sfull"] = s.map(lambda t: (t[0] or "") + (t[1] or "") or None)

    def date_parts(v):
        try:
            return K.parse_partial_date(v)
        except ValueError:
            return (None, None, None)

    dates_u = {v: date_parts(v) for v in df["birth_date"].unique()}
    d = df["birth_date"].map(dates_u)
    out["byr"] = pd.array(d.map(lambda t: t[0]).tolist(), dtype="Int32")
    out["bmo"] = pd.array(d.map(lambda t: t[1]).tolist(), dtype="Int32")
    out["bdy"] = pd.array(d.map(lambda t: t[2]).tolist(), dtype="Int32")
    out["sex"] = df["sex"].str.upper().str[:1].replace("", None)
    out["country"] = df["country"].str.upper().str.strip().replace("", None)
    # Regions as written ("Veracruz", "VER", "MX-VER") read through the alias table (places.py).
    admin_pairs = df["admin1"].str.strip() + "|" + out["country"].fillna("")
    admin_u = {v: (places.resolve_region(*v.split("|", 1)).code or v.split("|", 1)[0].upper() or None)
               for v in admin_pairs.unique()}
    out["admin1"] = admin_pairs.map(admin_u)
    muni_u = {v: (names.surname_code(v) or None) for v in df["municipality"].unique()}
    out["muni"] = df["municipality"].map(muni_u)

    def phone(v, cc):
        # The national part only: a number written with another country's code, or none, still
        # agrees (keys.national_number).
        try:
            return K.national_number(K.normalise_phone(v, cc)) or None
        except ValueError:
            return None

    phones_u = {}
    for v, cc in zip(df["phone"], df["country"], strict=True):
        if v and (v, cc) not in phones_u:
            phones_u[(v, cc)] = phone(v, cc)
    out["phone"] = [phones_u.get((v, cc)) if v else None for v, cc in zip(df["phone"], df["country"], strict=True)]
    return out


def _settings(link_type: Literal["link_only", "link_and_dedupe", "dedupe_only"], prior: float):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on
    from splink.blocking_rule_library import CustomRule as _rule

    given = cl.CustomComparison(
        output_column_name="given",
        comparison_levels=[
            cll.CustomLevel("g1_l IS NULL OR g1_r IS NULL").configure(is_null_level=True),
            cll.CustomLevel("g1_l = g1_r", "first given name"),
            cll.CustomLevel("g1c_l = g1c_r OR len(list_intersect(gset_l, gset_r)) > 0", "nickname or other given name"),
            cll.CustomLevel("jaro_winkler_similarity(g1_l, g1_r) >= 0.88", "given name typo"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.82, 0.1, 0.05, 0.03], u_probabilities=[0.03, 0.02, 0.03, 0.92])
    surnames = cl.CustomComparison(
        output_column_name="surnames",
        comparison_levels=[
            cll.CustomLevel("s1_l IS NULL OR s1_r IS NULL").configure(is_null_level=True),
            cll.CustomLevel("s1_l = s1_r AND s2_l = s2_r", "both surnames"),
            cll.CustomLevel("s1_l = s2_r AND s2_l = s1_r", "surnames in the other order"),
            cll.CustomLevel("s1_l = s1_r AND (s2_l IS NULL OR s2_r IS NULL)", "second surname missing"),
            cll.CustomLevel("sfull_l = sfull_r OR s1_l = sfull_r OR sfull_l = s1_r", "surnames written together"),
            cll.CustomLevel("s1_l = s2_r OR s2_l = s1_r", "second surname as last name"),
            # Jaro-Winkler forgives late typos only; an early one ("Jernández", "Ramírex" read as
            # "Ramírez" but "Xuc" for "Chuc") is one edit too.
            cll.CustomLevel(
                "(jaro_winkler_similarity(s1_l, s1_r) >= 0.88 OR damerau_levenshtein(s1_l, s1_r) <= 1) "
                "AND (s2_l IS NULL OR s2_r IS NULL OR jaro_winkler_similarity(s2_l, s2_r) >= 0.88 "
                "OR damerau_levenshtein(s2_l, s2_r) <= 1)",
                "surname typos",
            ),
            cll.CustomLevel("s1_l = s1_r", "first surname only"),
            cll.ElseLevel(),
        ],
    ).configure(
        m_probabilities=[0.72, 0.05, 0.06, 0.02, 0.03, 0.08, 0.02, 0.02],
        u_probabilities=[0.0004, 0.00002, 0.002, 0.00002, 0.001, 0.0008, 0.03, 0.96576],
    )
    birth = cl.CustomComparison(
        output_column_name="birth",
        comparison_levels=[
            cll.CustomLevel("byr_l IS NULL OR byr_r IS NULL").configure(is_null_level=True),
            cll.CustomLevel("byr_l = byr_r AND bmo_l = bmo_r AND bdy_l = bdy_r", "same date"),
            cll.CustomLevel("byr_l = byr_r AND bmo_l = bdy_r AND bdy_l = bmo_r", "day and month swapped"),
            cll.CustomLevel("abs(byr_l - byr_r) = 1 AND bmo_l = bmo_r AND bdy_l = bdy_r", "year off by one"),
            cll.CustomLevel(
                "byr_l = byr_r AND (bmo_l IS NULL OR bmo_r IS NULL OR bdy_l IS NULL OR bdy_r IS NULL)",
                "same year, date partial",
            ),
            cll.CustomLevel("byr_l = byr_r", "same year"),
            cll.CustomLevel("abs(byr_l - byr_r) <= 1", "year within one"),
            cll.ElseLevel(),
        ],
    ).configure(
        m_probabilities=[0.8, 0.04, 0.06, 0.04, 0.02, 0.02, 0.02],
        u_probabilities=[0.00005, 0.00005, 0.0001, 0.004, 0.012, 0.03, 0.95379],
    )
    place = cl.CustomComparison(
        output_column_name="place",
        comparison_levels=[
            # Unknown only when a side gives no place at all: a blank country does not cancel a
            # region and municipality that agree.
            cll.CustomLevel(
                "(country_l IS NULL AND admin1_l IS NULL AND muni_l IS NULL) "
                "OR (country_r IS NULL AND admin1_r IS NULL AND muni_r IS NULL)"
            ).configure(is_null_level=True),
            cll.CustomLevel(
                "muni_l = muni_r AND (admin1_l IS NULL OR admin1_r IS NULL OR admin1_l = admin1_r) "
                "AND (country_l IS NULL OR country_r IS NULL OR country_l = country_r)",
                "same municipality",
            ),
            cll.CustomLevel("admin1_l = admin1_r", "same region"),
            cll.CustomLevel("country_l = country_r", "same country"),
            cll.CustomLevel("country_l IS NULL OR country_r IS NULL", "country missing, no other agreement"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.7, 0.15, 0.08, 0.04, 0.03], u_probabilities=[0.003, 0.04, 0.25, 0.05, 0.657])
    phone = cl.CustomComparison(
        output_column_name="phone",
        comparison_levels=[
            cll.CustomLevel("phone_l IS NULL OR phone_r IS NULL").configure(is_null_level=True),
            cll.CustomLevel("phone_l = phone_r", "same phone"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.6, 0.4], u_probabilities=[0.00001, 0.99999])
    sex = cl.CustomComparison(
        output_column_name="sex",
        comparison_levels=[
            cll.CustomLevel("sex_l IS NULL OR sex_r IS NULL").configure(is_null_level=True),
            cll.CustomLevel("sex_l = sex_r", "same sex"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.97, 0.03], u_probabilities=[0.5, 0.5])
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=[given, surnames, birth, place, phone, sex],
        blocking_rules_to_generate_predictions=[
            block_on("s1", "byr"),
            block_on("g1c", "byr"),
            block_on("s1", "s2"),
            block_on("s2", "byr"),
            block_on("phone"),
            block_on("g1c", "s1"),
            # Surnames in the other order.
            _rule("l.s1 = r.s2 AND l.s2 = r.s1"),
            _rule("l.s1 = r.s2 AND l.byr = r.byr"),
            _rule("l.s2 = r.s1 AND l.byr = r.byr"),
            _rule("l.sfull = r.sfull"),
            # Not on the first letters: an early typo in the surname changes its code's beginning.
            _rule("right(l.s1, 4) = right(r.s1, 4) AND l.bmo = r.bmo AND l.bdy = r.bdy"),
            _rule("l.g1c = r.g1c AND l.bmo = r.bmo AND l.bdy = r.bdy AND l.admin1 = r.admin1"),
        ],
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _linker(frames, link_type, prior):
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI()
    tables = [db_api.register(f) for f in frames]
    linker = Linker(tables if len(tables) > 1 else tables[0], _settings(link_type, prior))
    # Splink turns its own INFO logging on; timings of each step are noise in our commands.
    logging.getLogger("splink").setLevel(logging.WARNING)
    return linker


def link_frames(left: pd.DataFrame, right: pd.DataFrame, threshold: float = REVIEW) -> pd.DataFrame:
    """Pairs (left_id, right_id, match_probability) at or above ``threshold``, best first per
    left_id (left ids in their input order)."""
    lp, rp = prepare_frame(left), prepare_frame(right)
    # Two random records are the same person with probability about 1/max(sizes); small files
    # would make that large and lenient, so it is never taken above 1/10,000.
    prior = 1.0 / max(len(lp), len(rp), 10_000)
    linker = _linker([lp, rp], "link_only", prior)
    pred = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    df = pred.as_pandas_dataframe()
    if df.empty:
        return pd.DataFrame(columns=["left_id", "right_id", "match_probability"])
    # Splink puts the first registered table on the left unless ids sort otherwise: use the source.
    src_l = df["source_dataset_l"].astype(str)
    first = sorted(
        df["source_dataset_l"].astype(str).unique().tolist() + df["source_dataset_r"].astype(str).unique().tolist()
    )[0]
    flip = src_l != first
    left_ids = df["unique_id_l"].where(~flip, df["unique_id_r"]).astype(str)
    right_ids = df["unique_id_r"].where(~flip, df["unique_id_l"]).astype(str)
    out = pd.DataFrame({"left_id": left_ids, "right_id": right_ids, "match_probability": df["match_probability"]})
    order = {v: i for i, v in enumerate(left["id"].astype(str))}
    out["_o"] = out["left_id"].map(order)
    out = out.sort_values(["_o", "match_probability", "right_id"], ascending=[True, False, True])
    return out.drop(columns="_o").reset_index(drop=True)


def read_people_csv(path) -> pd.DataFrame:
    """A people file with ``COLUMNS`` (extra columns ignored, missing ones an error)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {', '.join(missing)} (need {','.join(COLUMNS)})")
    return df[COLUMNS]


def write_pairs(pairs: pd.DataFrame, path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = tabular.writer(fh)
        w.writerow(["left_id", "right_id", "match_probability"])
        for row in pairs.itertuples(index=False):
            w.writerow([row.left_id, row.right_id, f"{row.match_probability:.6f}"])


# ---------------------------------------------------------------------------------------------
# The registry


def person_row(person) -> dict:
    return {
        "id": str(person.pk),
        "given_names": person.given_names,
        "surname_1": person.surname_1,
        "surname_2": person.surname_2,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "country": person.country,
        "admin1": person.region.code if person.region_id else "",
        "municipality": person.municipality,
        "phone": person.phone,
    }


def link_to_registry(created, existing_ids) -> list[tuple[int, int, float, bool]]:
    """Links of newly created people to each other (duplicates in the list) and to the registry.

    Candidates in the registry come from the interactive index (top 10 per new person), so that
    only those records are decrypted; Splink then scores new x (new + candidates).
    Returns (new_id, other_id, probability, within_list), best first."""
    index = get_index()
    new_ids = {p.pk for p in created}
    cand_ids = set()
    for p in created:
        q = Query(given_names=p.given_names, surname_1=p.surname_1, surname_2=p.surname_2, birth_date=p.birth_date)
        for m in index.search(q, limit=10, include_nonconsenting=True):
            if m.person_id in existing_ids:
                cand_ids.add(m.person_id)
    people = list(created) + list(Person.objects.filter(pk__in=cand_ids).select_related("region"))
    if len(people) < 2:
        return []
    out = []
    for left, right, prob in score_rows([person_row(p) for p in people]):
        a, b = int(left), int(right)
        if a not in new_ids and b not in new_ids:
            continue
        if a not in new_ids:
            a, b = b, a
        out.append((a, b, prob, b in new_ids))
    out.sort(key=lambda t: (-t[2], t[0], t[1]))
    return out


def score_rows(rows: list[dict]) -> list[tuple[str, str, float]]:
    """Splink's probability for every candidate pair among ``rows`` (``COLUMNS`` dicts) at or above
    ``REVIEW``: (id, id, probability). The import runs it on the new rows and their look-alikes
    in the registry; the benchmark on a whole list."""
    if len(rows) < 2:
        return []
    frame = prepare_frame(pd.DataFrame(rows, columns=COLUMNS))
    # The candidates were chosen by the search index as look-alikes, so a match among them is far
    # likelier than between two random records: one in a hundred.
    linker = _linker([frame], "dedupe_only", 0.01)
    df = linker.inference.predict(threshold_match_probability=REVIEW, warning_mode="never").as_pandas_dataframe()
    return [(str(r.unique_id_l), str(r.unique_id_r), float(r.match_probability)) for r in df.itertuples(index=False)]


def decide(prob: float, a: dict, b: dict) -> str:
    """ "merge", "review" or "" for a scored pair of rows: a merge needs the model's certainty
    *and* strong evidence (``evidence.strong_evidence``); a pair the model finds likely and whose
    given names or birth dates agree waits for a Coordinator."""
    if prob >= CERTAIN and strong_evidence(a, b):
        return "merge"
    # Worth a Coordinator's time only when the pair could be one person: the given names agree,
    # and so do the surnames (a date written wrong, or a namesake) or the birth date (a married
    # name). Siblings and twins (other given names) would bury the list.
    if prob >= REVIEW and same_given_names(a.get("given_names", ""), b.get("given_names", "")) and (
            same_surnames(a, b) or compatible_dates(a, b)):
        return "review"
    return ""
