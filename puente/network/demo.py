"""Demo data for the network: 3 Coordinators (with TOTP), 43 Defenders in the five countries with
a user account each, and 30 Advocates in the US and Canada.

Idempotent: every row is looked up by its natural key (an email, a Defender's name and country)
and left alone when it exists, so running ``puente demo`` twice changes nothing. Names come from
../shared/data/names when present (read at run time, never copied into the repository), mixed
with Faker's Spanish and English locales; one seeded random generator makes every run the same.
"""

import base64
import csv
import random
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from pathlib import Path

from allauth.mfa.adapter import get_adapter as mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from faker import Faker
from djmoney.money import Money

from puente.core.management.commands.demo import DEMO_PASSWORD
from puente.core.roles import Role

from .models import (LOCAL_CURRENCY, Advocate, Defender, DefenderConflict, DefenderContact, Expertise, Jurisdiction,
                     Language, Region, User)
from .phones import normalise_phone

SEED = 2026
DOMAIN = "demo.puente.org"
NAMES_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "names"
# A misspelling in the source list ("Leonardo").
BAD_NAMES = {"Leordo"}

# (name or None for a private practitioner, country, city, regions, languages, expertise, status)
DEFENDERS = [
    ("Centro de Derechos Humanos Tierra y Libertad", "MX", "Tlapa de Comonfort", "MX-GRO", "spa mix nah",
     "wage_hour recruitment_fraud locating_people", "active"),
    ("Colectivo Jornaleros Unidos de Oaxaca", "MX", "Oaxaca de Juárez", "MX-OAX MX-PUE", "spa zap mix trs",
     "wage_hour recruitment_fraud evidence declarations", "active"),
    ("Centro de Derechos Humanos del Sureste", "MX", "San Cristóbal de las Casas", "MX-CHP MX-TAB", "spa tzo tzh",
     "trafficking family_reunification locating_people", "active"),
    ("Defensoría Migrante del Bajío", "MX", "León", "MX-GUA MX-QUE MX-SLP", "spa",
     "wage_hour recruitment_fraud service_of_process", "active"),
    ("Red de Mujeres Trabajadoras de Michoacán", "MX", "Morelia", "MX-MIC MX-COL", "spa tsz",
     "trafficking wage_hour declarations", "active"),
    ("Centro de Apoyo al Trabajador Agrícola", "MX", "Culiacán", "MX-SIN MX-SON", "spa mix trs",
     "wage_hour evidence service_of_process", "active"),
    ("Colectivo Defensa Laboral Veracruzana", "MX", "Xalapa", "MX-VER", "spa nah top",
     "recruitment_fraud civil_records evidence", "active"),
    ("Centro de Derechos Humanos Fray Juan de Zacatecas", "MX", "Zacatecas", "MX-ZAC MX-AGU", "spa",
     "wage_hour recruitment_fraud immigration_evidence", "active"),
    ("Casa del Migrante Hidalguense", "MX", "Pachuca", "MX-HID MX-TLA", "spa oto nah",
     "family_reunification locating_people civil_records", "active"),
    ("Colectivo Maya Peninsular", "MX", "Mérida", "MX-YUC MX-CAM MX-ROO", "spa yua",
     "trafficking evidence declarations", "active"),
    ("Defensoría de los Pueblos de la Sierra Norte", "MX", "Zacapoaxtla", "MX-PUE", "spa nah top maz",
     "civil_records locating_people", "active"),
    ("Centro Jurídico Laboral del Noreste", "MX", "Monterrey", "MX-NLE MX-COA MX-TAM", "spa eng",
     "wage_hour service_of_process declarations", "active"),
    (None, "MX", "Durango", "MX-DUR MX-CHH", "spa", "service_of_process civil_records", "paused"),
    ("Centro de Derechos del Migrante Mexiquense", "MX", "Toluca", "MX-MEX MX-CMX MX-MOR", "spa maz2 oto",
     "recruitment_fraud immigration_evidence family_reunification", "active"),
    (None, "MX", "Guadalajara", "MX-JAL MX-NAY", "spa eng", "wage_hour evidence", "active"),
    (None, "MX", "Tapachula", "MX-CHP", "spa mam", "family_reunification immigration_evidence", "active"),
    ("Asociación de Abogados Mayas de Occidente", "GT", "Quetzaltenango", "GT-09 GT-08 GT-07", "spa quc mam",
     "wage_hour recruitment_fraud declarations", "active"),
    ("Colectivo Mam por la Justicia Laboral", "GT", "Huehuetenango", "GT-13 GT-12", "spa mam kjb knj jac cac",
     "recruitment_fraud locating_people family_reunification", "active"),
    ("Defensoría Indígena Q'eqchi'", "GT", "Cobán", "GT-16 GT-15 GT-17", "spa kek poh",
     "civil_records locating_people evidence", "active"),
    ("Centro de Acción Legal Kaqchikel", "GT", "Chimaltenango", "GT-04 GT-03", "spa cak",
     "service_of_process civil_records", "active"),
    ("Bufete Popular de Derechos Laborales", "GT", "Ciudad de Guatemala", "GT-01 GT-02 GT-05 GT-06", "spa eng",
     "wage_hour trafficking immigration_evidence declarations", "active"),
    ("Asociación Ixil de Desarrollo y Derechos", "GT", "Santa María Nebaj", "GT-14", "spa ixl quc",
     "family_reunification locating_people", "active"),
    (None, "GT", "Chiquimula", "GT-20 GT-19 GT-21 GT-22", "spa", "service_of_process evidence", "active"),
    ("Organización Garífuna Labuga", "GT", "Livingston", "GT-18", "spa cab kek eng",
     "trafficking locating_people", "active"),
    (None, "GT", "Mazatenango", "GT-10 GT-11", "spa quc", "wage_hour civil_records", "active"),
    (None, "GT", "San Marcos", "GT-12 MX-CHP", "spa mam", "locating_people service_of_process", "paused"),
    ("Centro de Defensa del Trabajador Salvadoreño", "SV", "San Salvador", "SV-SS SV-LI SV-CU SV-PA", "spa eng",
     "wage_hour recruitment_fraud declarations immigration_evidence", "active"),
    ("Asociación de Mujeres de Occidente", "SV", "Santa Ana", "SV-SA SV-AH SV-SO", "spa ppl",
     "trafficking family_reunification", "active"),
    (None, "SV", "San Miguel", "SV-SM SV-US SV-UN SV-MO", "spa", "service_of_process civil_records", "active"),
    (None, "SV", "Chalatenango", "SV-CH SV-CA", "spa", "locating_people evidence", "active"),
    ("Centro de Derechos Laborales del Valle de Sula", "HN", "San Pedro Sula", "HN-CR HN-YO HN-SB", "spa eng",
     "wage_hour recruitment_fraud trafficking", "active"),
    ("Organización Fraternal Garífuna de la Costa Norte", "HN", "La Ceiba", "HN-AT HN-CL HN-IB", "spa cab eng",
     "locating_people family_reunification civil_records", "active"),
    ("Asociación Miskitu de Gracias a Dios", "HN", "Puerto Lempira", "HN-GD", "spa miq pay tna",
     "locating_people civil_records", "active"),
    ("Defensoría del Pueblo Lenca", "HN", "La Esperanza", "HN-IN HN-LP HN-LE", "spa",
     "recruitment_fraud evidence", "active"),
    (None, "HN", "Tegucigalpa", "HN-FM HN-EP HN-CM HN-OL", "spa eng",
     "declarations service_of_process immigration_evidence", "active"),
    (None, "HN", "Choluteca", "HN-CH HN-VA", "spa", "wage_hour service_of_process", "paused"),
    (None, "HN", "Santa Rosa de Copán", "HN-CP HN-OC", "spa", "civil_records evidence", "active"),
    ("Centro Nicaragüense de Derechos Laborales", "NI", "Managua", "NI-MN NI-MS NI-GR NI-CA", "spa eng",
     "wage_hour recruitment_fraud declarations", "active"),
    ("Asociación de Pueblos Indígenas del Caribe Norte", "NI", "Bilwi", "NI-AN", "spa miq sum bzk",
     "locating_people civil_records trafficking", "active"),
    ("Colectivo Costa Caribe Sur", "NI", "Bluefields", "NI-AS", "spa rma cab bzk miq",
     "family_reunification evidence", "active"),
    (None, "NI", "León", "NI-LE NI-CI", "spa", "service_of_process civil_records", "active"),
    (None, "NI", "Estelí", "NI-ES NI-MD NI-NS", "spa", "wage_hour locating_people", "active"),
    (None, "NI", "Matagalpa", "NI-MT NI-JI NI-BO", "spa", "evidence declarations", "active"),
]

RATES = {"MXN": (350, 900), "GTQ": (150, 400), "USD": (25, 60), "HNL": (500, 1200), "NIO": (600, 1500)}
POSITIONS = ["Coordinadora jurídica", "Abogado litigante", "Directora", "Promotor comunitario", "Paralegal"]
EMPLOYERS = ["Agrícola del Valle Verde LLC", "Southern Pines Forestry Inc.", "Reclutadora Laboral del Norte",
             "Blue Crab Seafood Co.", "Agencia de Empleos Tierra Caliente", "Carolina Tobacco Growers Association"]

ADVOCATE_ORGS = [
    ("Farmworker Justice Project", "US", "Raleigh", "US-NC"),
    ("Southern Migrant Legal Services", "US", "Nashville", "US-TN"),
    ("Texas RioGrande Worker Center", "US", "Weslaco", "US-TX"),
    ("Northwest Worker Rights Clinic", "US", "Seattle", "US-WA"),
    ("Central Valley Legal Aid", "US", "Fresno", "US-CA"),
    ("Gulf Coast Workers' Law Center", "US", "New Orleans", "US-LA"),
    ("Migrant Farmworker Law Unit", "US", "Lansing", "US-MI"),
    ("Empire State Worker Justice", "US", "Albany", "US-NY"),
    ("Georgia Legal Services, Farmworker Rights", "US", "Tifton", "US-GA"),
    ("Florida Workers' Justice Clinic", "US", "Immokalee", "US-FL"),
    ("Bluegrass Labor Rights Partners", "US", "Lexington", "US-KY"),
    ("Chesapeake Seafood Workers Project", "US", "Baltimore", "US-MD"),
    ("Maple Legal Clinic", "CA", "Toronto", "CA-ON"),
    ("Fraser Valley Migrant Workers Law", "CA", "Abbotsford", "CA-BC"),
    ("Clinique juridique des travailleurs agricoles", "CA", "Montréal", "CA-QC"),
]

COORDINATORS = [("Lucía", "Ramírez Soto"), ("Andrés", "Velásquez Morán"), ("Marta", "Chávez de León")]


class Names:
    """Forenames and surnames: the shared name lists where present, else Faker, seeded."""

    def __init__(self, rng):
        self.rng = rng
        self.fakers = {loc: Faker(loc) for loc in ("es_MX", "es_ES", "en_US", "en_CA")}
        for i, f in enumerate(self.fakers.values()):
            f.seed_instance(SEED + i)
        self.forenames = {"MX": [], "US": [], "CA": []}
        self.surnames = {"MX": [], "GT": [], "US": [], "CA": []}
        forenames = NAMES_DIR / "common-forenames-by-country.csv"
        surnames = NAMES_DIR / "common-surnames-by-country.csv"
        if forenames.exists() and surnames.exists():
            with forenames.open(encoding="utf-8-sig") as fh:
                for row in csv.DictReader(fh):
                    if row["Country"] in self.forenames and row["Localized Name"] not in BAD_NAMES:
                        self.forenames[row["Country"]].append(row["Localized Name"])
            with surnames.open(encoding="utf-8-sig") as fh:
                for row in csv.DictReader(fh):
                    if row["Country"] in self.surnames:
                        self.surnames[row["Country"]].append(row["Localized Name"])

    def _pick(self, pool, fallback):
        # Half from the lists, half from Faker, so that names vary beyond the top-20 lists.
        if pool and self.rng.random() < 0.6:
            return self.rng.choice(pool)
        return fallback()

    def spanish(self, country):
        f = self.fakers["es_MX" if self.rng.random() < 0.7 else "es_ES"]
        given = self._pick(self.forenames["MX"], f.first_name)
        surname_pool = self.surnames["GT"] if country == "GT" and self.surnames["GT"] else self.surnames["MX"]
        first = self._pick(surname_pool, f.last_name)
        second = self._pick(self.surnames["MX"], f.last_name)
        while second == first:
            second = f.last_name()
        return given, f"{first} {second}"

    def english(self, country):
        code = "CA" if country == "CA" else "US"
        f = self.fakers["en_CA" if code == "CA" else "en_US"]
        return self._pick(self.forenames[code], f.first_name), self._pick(self.surnames[code], f.last_name)


def _totp_secret(rng):
    return base64.b32encode(bytes(rng.getrandbits(8) for _ in range(20))).decode()


def _user(email, role, first, last, password, **extra):
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(
        email=email, password=password, role=role, first_name=first, last_name=last, **extra
    )
    return user, True


def load(stdout):
    rng = random.Random(SEED)  # noqa: S311 - seeded on purpose: the same demo data on every run
    names = Names(rng)
    # Decide everything first, from the seeded generator alone, so that what exists already in the
    # database cannot change what the next rows look like.
    coordinator_secrets = [_totp_secret(rng) for _ in COORDINATORS]
    plans = []
    for i, (org, country, city, regions, langs, expertise, status) in enumerate(DEFENDERS, start=1):
        person = names.spanish(country)
        contact = names.spanish(country)
        currency = LOCAL_CURRENCY[country]
        low, high = RATES[currency]
        plans.append(
            {
                "i": i,
                "country": country,
                "city": city,
                "regions": regions.split(),
                "languages": langs.split(),
                "expertise": expertise.split(),
                "status": status,
                "person": person,
                "contact": contact,
                "name": org or f"Lic. {person[0]} {person[1]}",
                "kind": Defender.Kind.ORGANISATION if org else Defender.Kind.INDIVIDUAL,
                "capacity": rng.randint(2, 8) if org else rng.randint(1, 4),
                "rate": Money(Decimal(rng.randrange(low, high, 25)), currency),
                "phone_digits": "".join(str(rng.randint(0, 9)) for _ in range(8)),
                "position": rng.choice(POSITIONS),
                "conflict": rng.choice(EMPLOYERS) if rng.random() < 0.25 else None,
            }
        )
    advocate_plans = []
    for i in range(1, 31):
        org, country, city, jurisdiction = ADVOCATE_ORGS[(i - 1) % len(ADVOCATE_ORGS)]
        person = names.english(country) if rng.random() < 0.7 else names.spanish("MX")
        extra_bar = (
            rng.choice(["US-NC", "US-TX", "US-CA", "US-NY", "US-FL"])
            if country == "US" and rng.random() < 0.3
            else None
        )
        signed = rng.random() < 0.7
        advocate_plans.append(
            {
                "i": i,
                "org": org,
                "country": country,
                "city": city,
                "bars": [b for b in (jurisdiction, extra_bar) if b],
                "person": person,
                "signed": signed,
                "signed_days": rng.randint(30, 700),
                "spanish": rng.random() < 0.6,
            }
        )

    created = {"coordinators": 0, "defenders": 0, "advocates": 0}
    # Coordinators, each with an activated TOTP authenticator.
    for n, ((first, last), secret) in enumerate(zip(COORDINATORS, coordinator_secrets, strict=True), start=1):
        user, made = _user(
            f"coordinator{n}@{DOMAIN}", Role.COORDINATOR, first, last, DEMO_PASSWORD, language="es" if n == 2 else "en"
        )
        created["coordinators"] += made
        auth = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if auth is None:
            TOTP.activate(user, secret)
        else:
            secret = mfa_adapter().decrypt(auth.data["secret"])
        stdout.write(f"  TOTP secret for {user.email}: {secret}  (or: puente demo-totp {user.email})")

    regions = {r.code: r for r in Region.objects.all()}
    languages = {lang.code: lang for lang in Language.objects.all()}
    expertise = {e.code: e for e in Expertise.objects.all()}
    jurisdictions = {j.code: j for j in Jurisdiction.objects.all()}
    for p in plans:
        email = f"defender{p['i']}@{DOMAIN}"
        if User.objects.filter(email=email).exists():
            continue
        defender = Defender.objects.filter(name=p["name"], country=p["country"]).first()
        if defender is None:
            defender = Defender.objects.create(
                name=p["name"],
                kind=p["kind"],
                country=p["country"],
                city=p["city"],
                capacity=p["capacity"],
                hourly_rate=p["rate"],
                status=p["status"],
                email=f"contacto{p['i']}@{DOMAIN}",
                phone=_phone(p["country"], p["phone_digits"]),
                whatsapp=_phone(p["country"], p["phone_digits"]),
                bio=_bio(p),
            )
            defender.regions.set([regions[c] for c in p["regions"]])
            defender.languages.set([languages[c] for c in p["languages"]])
            defender.expertise.set([expertise[c] for c in p["expertise"]])
            if p["kind"] == Defender.Kind.ORGANISATION:
                DefenderContact.objects.create(
                    defender=defender,
                    name=" ".join(p["contact"]),
                    position=p["position"],
                    phone=_phone(p["country"], p["phone_digits"][::-1]),
                )
            if p["conflict"]:
                DefenderConflict.objects.create(
                    defender=defender,
                    party_kind=DefenderConflict.PartyKind.EMPLOYER,
                    party_name=p["conflict"],
                    note="Representó a la empresa en 2022.",
                )
            created["defenders"] += 1
        _user(email, Role.DEFENDER, *p["person"], DEMO_PASSWORD, defender=defender)

    now = datetime(2026, 6, 1, 12, 0, tzinfo=dt_timezone.utc)
    for p in advocate_plans:
        user, made = _user(f"advocate{p['i']}@{DOMAIN}", Role.ADVOCATE, *p["person"], DEMO_PASSWORD)
        if not made and Advocate.objects.filter(user=user).exists():
            continue
        advocate = Advocate.objects.create(
            user=user,
            organisation=p["org"],
            country=p["country"],
            city=p["city"],
            agreement_signed_at=now - timedelta(days=p["signed_days"]) if p["signed"] else None,
            agreement_version="2025-1" if p["signed"] else "",
        )
        advocate.jurisdictions.set([jurisdictions[c] for c in p["bars"] if c in jurisdictions])
        advocate.languages.set(
            [
                languages["eng"],
                *([languages["spa"]] if p["spanish"] else []),
                *([languages["fra"]] if p["country"] == "CA" and "Montréal" == p["city"] else []),
            ]
        )
        created["advocates"] += 1
    stdout.write(
        "network: %(coordinators)s Coordinators, %(defenders)s Defenders, %(advocates)s Advocates created" % created
    )


CALLING = {"MX": ("+52", 10), "GT": ("+502", 8), "SV": ("+503", 8), "HN": ("+504", 8), "NI": ("+505", 8)}


def _phone(country, digits):
    code, length = CALLING[country]
    digits = (digits * 2)[:length]
    # Mexican mobile numbers and Central American ones start with a plausible leading digit.
    digits = (
        ("55" + digits[2:])
        if country == "MX"
        else ("7" + digits[1:])
        if country in ("GT", "SV")
        else ("9" + digits[1:])
    )
    return normalise_phone(f"{code} {digits}", country)


def _bio(p):
    if p["kind"] == Defender.Kind.ORGANISATION:
        return (
            f"Organización con sede en {p['city']} que acompaña a personas trabajadoras migrantes y sus familias "
            "en reclamos laborales, documentos y búsqueda de personas."
        )
    return f"Abogada o abogado en ejercicio privado en {p['city']}; atiende notificaciones y diligencias en la región."
