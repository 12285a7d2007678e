"""Synthetic people of the five countries for the locate benchmarks, and corrupted copies.

- Names: forenames and surnames from /work/shared/data/names (../shared/data/names from the repo)
  with their published frequencies where given (Mexican surnames) and a Zipf curve elsewhere,
  padded with Faker es_MX's lists, plus Mayan surnames for Guatemala. Common names collide a lot:
  José Hernández is everywhere, as in life.
- Families: one to four siblings share both surnames, region and municipality, born a few years
  apart.
- Corruptions (``corrupt``): accents/case lost, a typo, surnames swapped, second surname missing,
  one of two given names, a nickname, a Spanish phonetic spelling, day/month swapped, year off by
  one, place misspelled, US forms (second surname as last name, first surname as middle name,
  hyphenated or fused surnames).
"""

import csv
import random
import unicodedata
from pathlib import Path

import pycountry
from faker.providers.address.es_MX import Provider as AddressMX
from faker.providers.person.es_MX import Provider as PersonMX

REPO = Path(__file__).resolve().parent.parent
NAMES_DIR = REPO.parent / "shared" / "data" / "names"
COUNTRIES = {"MX": 0.55, "GT": 0.2, "SV": 0.1, "HN": 0.1, "NI": 0.05}
MAYAN = [
    "Tzoc",
    "Xol",
    "Chuc",
    "Cux",
    "Ajanel",
    "Tzul",
    "Caal",
    "Choc",
    "Ixcoy",
    "Tzunux",
    "Chen",
    "Pop",
    "Coc",
    "Quej",
    "Tiul",
    "Bol",
    "Ical",
    "Maquin",
    "Xitumul",
    "Chiquin",
    "Yat",
    "Sacul",
    "Cuc",
    "Batz",
    "Tuyuc",
]
NICK = {
    "José": "Pepe",
    "Francisco": "Paco",
    "Jesús": "Chucho",
    "Guadalupe": "Lupe",
    "Ignacio": "Nacho",
    "Dolores": "Lola",
    "Manuel": "Manolo",
    "Roberto": "Beto",
    "Alberto": "Beto",
    "Eduardo": "Lalo",
    "Enrique": "Quique",
    "Rosario": "Chayo",
    "Concepción": "Concha",
    "Refugio": "Cuca",
    "Alfredo": "Fredy",
    "Gerardo": "Jerry",
    "Santiago": "Chago",
    "Luis": "Güicho",
    "Isabel": "Chabela",
    "Antonio": "Toño",
    "Guillermo": "Memo",
    "Salvador": "Chava",
    "Teresa": "Tere",
    "Patricia": "Paty",
}


def _weights(n, s=1.0):
    return [1.0 / (r + 1) ** s for r in range(n)]


def load_names():
    fore = {"M": [], "F": []}
    sur = {c: [] for c in COUNTRIES}
    if NAMES_DIR.exists():
        with (NAMES_DIR / "common-forenames-by-country.csv").open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if row["Country"] in COUNTRIES and row["Gender"] in ("M", "F"):
                    fore[row["Gender"]].append(row["Localized Name"])
        with (NAMES_DIR / "common-surnames-by-country.csv").open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if row["Country"] in COUNTRIES:
                    sur[row["Country"]].append((row["Localized Name"], float(row["Count"] or 0)))
    # Given names: the published lists first (most common), Faker's after them.
    for sex, extra in (("M", PersonMX.first_names_male), ("F", PersonMX.first_names_female)):
        seen = list(dict.fromkeys(fore[sex] + list(NICK) * 0 + [n for n in extra if " " not in n]))
        fore[sex] = seen
    base = [n for n in dict.fromkeys(PersonMX.last_names) if " " not in n]
    surnames = {}
    for c in COUNTRIES:
        listed = [n for n, _cnt in sur[c]]
        pool = list(dict.fromkeys(listed + (MAYAN if c == "GT" else []) + base))
        w = _weights(len(pool), 0.9)
        if c == "MX" and sur[c] and sur[c][0][1]:
            top = sur[c][0][1]
            for i, (_n, cnt) in enumerate(sur[c]):
                w[i] = cnt / top
        surnames[c] = (pool, w)
    given = {sex: (names, _weights(len(names), 0.8)) for sex, names in fore.items()}
    return given, surnames


def regions():
    out = {}
    for c in COUNTRIES:
        out[c] = [s.code for s in pycountry.subdivisions.get(country_code=c)]
    return out


class Generator:
    def __init__(self, seed=2026):
        self.rng = random.Random(seed)
        self.given, self.surnames = load_names()
        self.regions = regions()
        cities = list(dict.fromkeys(AddressMX.city_adjectives + tuple(AddressMX.city_prefixes)))
        self.towns = [
            f"{a} {b}"
            for a in (
                "San Juan",
                "Santa María",
                "San Pedro",
                "Santiago",
                "San Miguel",
                "Santo Domingo",
                "San Andrés",
                "Concepción",
                "Villa",
                "Nueva",
            )
            for b in cities
        ] or ["Chiantla"]

    def _pick(self, pool_w):
        pool, w = pool_w
        return self.rng.choices(pool, weights=w, k=1)[0]

    # -----------------------------------------------------------------------------------------
    # Hard cases (issue 16): relatives and neighbours who share phones, namesakes, juniors, twins,
    # surnames with particles, regions as people write them, phones in every format.

    PARTICLE_SURNAMES = ["de la Garza", "de Jesús", "de la O", "de León", "del Valle", "de la Cruz", "de los Santos"]
    CALLING = {"MX": "52", "GT": "502", "SV": "503", "HN": "504", "NI": "505"}

    def _phone(self, country):
        rng = self.rng
        return {
            "MX": str(rng.randint(2211000000, 9999999999)),
            "GT": str(rng.randint(30000000, 59999999)),
            "SV": str(rng.randint(70000000, 79999999)),
            "HN": str(rng.randint(30000000, 39999999)),
            "NI": str(rng.randint(80000000, 89999999)),
        }[country]

    def write_phone(self, national, country):
        """A national number as people write it: with or without the code, spaced, dashed."""
        rng = self.rng
        code = self.CALLING[country]
        half = len(national) // 2
        return rng.choice([
            f"+{code}{national}", f"+{code} {national[:half]} {national[half:]}",
            f"{national[:half]}-{national[half:]}",
            national, f"00{code}{national}", f"({national[:3]}) {national[3:]}" if country == "MX" else national,
        ])

    def write_region(self, code):
        """A region as a list writes it: the code, the official or short name, upper case, no accents."""
        rng = self.rng
        aliases = self._aliases().get(code) or [code]
        written = rng.choice(aliases + [code])
        return self._strip(written) if rng.random() < 0.3 else written

    def _aliases(self):
        if not hasattr(self, "_alias_cache"):
            path = REPO / "puente" / "locate" / "data" / "region_aliases.csv"
            table = {}
            with path.open(encoding="utf-8") as fh:
                for r in csv.DictReader(fh):
                    if not r["needs_country"]:
                        table.setdefault(r["code"], []).append(r["alias"])
            self._alias_cache = table
        return self._alias_cache

    def hard_people(self, n):
        """``n`` distinct people (no duplicates) full of false-merge traps; each row says what trap
        it belongs to in ``trap`` (sibling, shares_phone, neighbour, namesake, junior, twin)."""
        rng = self.rng
        out = []
        pid = 0
        last_phone = None
        while len(out) < n:
            country = rng.choices(list(COUNTRIES), weights=list(COUNTRIES.values()))[0]
            s1 = self._pick(self.surnames[country]) if rng.random() > 0.05 else rng.choice(self.PARTICLE_SURNAMES)
            s2 = self._pick(self.surnames[country])
            region = rng.choice([c for c in self._aliases() if c.startswith(country)])
            town = rng.choice(self.towns)
            base_year = rng.randint(1960, 2005)
            family_phone = self._phone(country) if rng.random() < 0.6 else None
            size = rng.choices([1, 2, 3, 4, 5], weights=[3, 3, 2, 1, 1])[0]
            junior = size >= 2 and rng.random() < 0.15
            for k in range(size):
                if len(out) >= n:
                    break
                pid += 1
                trap = "sibling" if size > 1 else ""
                sex = rng.choice("MF")
                # Parents do not give two living children the same name; a first name repeats only
                # in double names ("María José" and "María Fernanda").
                family = [o["given_names"].split() for o in out[len(out) - k :]]
                used = {w for names_ in family for w in names_}
                g = [self._pick(self.given[sex])]
                for _try in range(10):
                    if g[0] not in used:
                        break
                    if all(len(f) > 1 for f in family if f[0] == g[0]) and rng.random() < 0.5:
                        break  # a shared first name of double names
                    g = [self._pick(self.given[sex])]
                if rng.random() < 0.35 or g[0] in used:
                    second = self._pick(self.given[sex])
                    for _try in range(10):
                        if second not in used and second != g[0]:
                            break
                        second = self._pick(self.given[sex])
                    g.append(second)
                y = base_year + k * rng.randint(1, 3)
                m, d = rng.randint(1, 12), rng.randint(1, 28)
                if k == 1 and junior:  # the father, with the son's (first person's) name, 25 years older
                    prev = out[-1]
                    sex, g, y = "M", prev["given_names"].split(), int(prev["birth_date"][:4]) - 25
                    trap = "junior"
                if k == 1 and not junior and rng.random() < 0.1:  # a twin
                    prev = out[-1]
                    y, m, d = (int(x) for x in prev["birth_date"][:10].split("-")) if len(prev["birth_date"]) == 10 \
                        else (y, m, d)
                    trap = "twin"
                r = rng.random()
                birth = f"{y:04d}-{m:02d}-{d:02d}" if r < 0.85 else (f"{y:04d}-{m:02d}" if r < 0.92 else f"{y:04d}")
                national = ""
                if family_phone and rng.random() < 0.7:
                    national = family_phone
                    trap = trap or "shares_phone"
                    if size > 1:
                        trap = trap if trap in ("junior", "twin") else "sibling_shares_phone"
                elif last_phone and rng.random() < 0.08:
                    national, trap = last_phone, "neighbour"
                elif rng.random() < 0.3:
                    national = self._phone(country)
                given_names = " ".join(dict.fromkeys(g))
                if out and rng.random() < 0.03:  # a namesake of someone earlier, elsewhere
                    other = rng.choice(out)
                    given_names, trap = other["given_names"], "namesake"
                    s1_row, s2_row = other["surname_1"], other["surname_2"]
                else:
                    s1_row, s2_row = s1, (s2 if rng.random() > 0.08 else "")
                out.append({
                    "id": str(pid), "given_names": given_names, "surname_1": s1_row, "surname_2": s2_row,
                    "sex": sex, "birth_date": birth, "country": country, "admin1": self.write_region(region),
                    "region_code": region, "municipality": town,
                    "phone": self.write_phone(national, country) if national else "", "trap": trap,
                })
            last_phone = family_phone or last_phone
        return out

    def people(self, n):
        rng = self.rng
        out = []
        pid = 0
        while len(out) < n:
            country = rng.choices(list(COUNTRIES), weights=list(COUNTRIES.values()))[0]
            s1, s2 = self._pick(self.surnames[country]), self._pick(self.surnames[country])
            region = rng.choice(self.regions[country])
            town = rng.choice(self.towns)
            base_year = rng.randint(1950, 2005)
            for k in range(rng.choices([1, 2, 3, 4], weights=[5, 3, 2, 1])[0]):
                if len(out) >= n:
                    break
                pid += 1
                sex = rng.choice("MF")
                g = [self._pick(self.given[sex])]
                if rng.random() < 0.35:
                    g.append(self._pick(self.given[sex]))
                y = base_year + k * rng.randint(1, 3)
                m, d = rng.randint(1, 12), rng.randint(1, 28)
                r = rng.random()
                birth = f"{y:04d}-{m:02d}-{d:02d}" if r < 0.85 else (f"{y:04d}-{m:02d}" if r < 0.92 else f"{y:04d}")
                phone = ""
                if rng.random() < 0.3:
                    phone = {
                        "MX": "+52" + str(rng.randint(2211000000, 9999999999)),
                        "GT": "+502" + str(rng.randint(30000000, 59999999)),
                        "SV": "+503" + str(rng.randint(70000000, 79999999)),
                        "HN": "+504" + str(rng.randint(30000000, 39999999)),
                        "NI": "+505" + str(rng.randint(80000000, 89999999)),
                    }[country]
                out.append(
                    {
                        "id": str(pid),
                        "given_names": " ".join(dict.fromkeys(g)),
                        "surname_1": s1,
                        "surname_2": s2 if rng.random() > 0.08 else "",
                        "sex": sex,
                        "birth_date": birth,
                        "country": country,
                        "admin1": region,
                        "municipality": town,
                        "phone": phone,
                    }
                )
        return out

    # -----------------------------------------------------------------------------------------
    # Corruptions

    def _strip(self, s):
        return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).upper()

    def _typo(self, s):
        rng = self.rng
        if len(s) < 4:
            return s
        i = rng.randint(1, len(s) - 2)
        op = rng.choice("dsti")
        if op == "d":
            return s[:i] + s[i + 1 :]
        if op == "s":
            return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
        if op == "t":
            return s[:i] + rng.choice("aeioulnrs") + s[i + 1 :]
        return s[:i] + rng.choice("aeiou") + s[i:]

    PHON = [
        ("v", "b"),
        ("b", "v"),
        ("z", "s"),
        ("s", "z"),
        ("ll", "y"),
        ("y", "ll"),
        ("H", ""),
        ("j", "g"),
        ("ge", "je"),
        ("gi", "ji"),
        ("ce", "se"),
        ("ci", "si"),
        ("qu", "k"),
        ("x", "j"),
    ]

    def _phonetic(self, s):
        for a, b in self.rng.sample(self.PHON, len(self.PHON)):
            if a in s:
                return s.replace(a, b, 1)
        return s

    def corrupt(self, p, n_errors=None):
        """A copy of person ``p`` as someone else might have written it down."""
        rng = self.rng
        q = dict(p)
        kinds = [
            "accents",
            "typo",
            "swap",
            "drop_s2",
            "one_given",
            "nickname",
            "phonetic",
            "dm_swap",
            "year",
            "place",
            "us_last",
            "us_middle",
            "hyphen",
            "fused",
            "early_typo",
            "fused_particle",
            "married",
        ]
        for kind in rng.sample(kinds, n_errors or rng.choice([1, 2, 2, 3])):
            if kind == "accents":
                for f in ("given_names", "surname_1", "surname_2"):
                    q[f] = self._strip(q[f])
            elif kind == "typo":
                f = rng.choice(["given_names", "surname_1", "surname_2"])
                q[f] = self._typo(q[f])
            elif kind == "swap" and q["surname_2"]:
                q["surname_1"], q["surname_2"] = q["surname_2"], q["surname_1"]
            elif kind == "drop_s2":
                q["surname_2"] = ""
            elif kind == "one_given" and " " in q["given_names"]:
                q["given_names"] = rng.choice(q["given_names"].split())
            elif kind == "nickname":
                words = q["given_names"].split()
                for i, w in enumerate(words):
                    if w in NICK:
                        words[i] = NICK[w]
                        break
                q["given_names"] = " ".join(words)
            elif kind == "phonetic":
                f = rng.choice(["given_names", "surname_1", "surname_2"])
                q[f] = self._phonetic(q[f])
            elif kind == "dm_swap" and len(q["birth_date"]) == 10:
                y, m, d = q["birth_date"].split("-")
                if int(d) <= 12:
                    q["birth_date"] = f"{y}-{d}-{m}"
            elif kind == "year" and q["birth_date"]:
                y = int(q["birth_date"][:4]) + rng.choice([-1, 1])
                q["birth_date"] = f"{y:04d}" + q["birth_date"][4:]
            elif kind == "place":
                q["municipality"] = self._typo(q["municipality"])
            elif kind == "us_last" and q["surname_2"]:
                q["surname_1"], q["surname_2"] = q["surname_2"], ""
            elif kind == "us_middle" and q["surname_2"]:
                q["given_names"] = q["given_names"] + " " + q["surname_1"]
                q["surname_1"], q["surname_2"] = q["surname_2"], ""
            elif kind == "hyphen" and q["surname_2"]:
                q["surname_1"], q["surname_2"] = self._strip(q["surname_1"] + "-" + q["surname_2"]), ""
            elif kind == "fused" and q["surname_2"]:
                q["surname_1"], q["surname_2"] = self._strip(q["surname_1"] + q["surname_2"]), ""
            elif kind == "early_typo" and len(q["surname_1"]) >= 4:  # a typo in the first letters
                w = q["surname_1"]
                i = rng.randint(0, 1)
                q["surname_1"] = w[:i] + rng.choice("aeioubdgklmnprst") + w[i + 1 :]
            elif kind == "fused_particle" and q["surname_1"].lower().startswith(("de ", "del ")):
                q["surname_1"] = self._strip(q["surname_1"].replace(" ", ""))  # "de la Garza" -> "DELAGARZA"
            elif kind == "married" and p.get("sex") == "F":  # listed under the husband's surname
                husband = self._pick(self.surnames[p["country"]])
                q["surname_1"], q["surname_2"] = rng.choice(
                    [(f"{q['surname_1']} de {husband}", ""), (husband, ""), (q["surname_1"], f"de {husband}")])
        if rng.random() < 0.7:
            q["phone"] = ""  # most lists have no phone
        return q


def write_csv(
    rows,
    path,
    columns=(
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
    ),
):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
