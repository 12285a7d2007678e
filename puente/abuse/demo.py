"""Demo data for recruitment abuse: fictitious recruiters (with aliases, phones, places and the
employers they recruit for) and reports about them filed by the demo Defenders and Advocates,
some under other spellings of the recruiters' names so that the review list has work.

Idempotent: nothing is created when the first demo recruiter exists. Skipped when the network
demo (defenderN@demo.puente.org) has not run. Every name here is invented.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from djmoney.money import Money

from puente.network.api import Region, User

from . import actions
from .models import Incident, Recruiter, TraffickingIndicator

DOMAIN = "demo.puente.org"

# (name, kind, country, regions, municipalities, aliases, phones, employers [(name, programme)])
RECRUITERS = [
    ("Reclutadora del Norte, S.A. de C.V.", "agency", "MX", ["MX-NLE", "MX-SLP"], "Monterrey, Matehuala",
     ["RDN Reclutamiento", "Agencia El Norteño"], ["81 1234 5678"],
     [("Blue Mesa Orchards LLC", "H-2A"), ("Carolina Sweet Potato Growers Inc", "H-2A")]),
    ("Lic. José Pérez Gómez", "person", "MX", ["MX-OAX", "MX-PUE"], "Tlaxiaco, Huajuapan de León",
     ["El Licenciado Pérez"], ["953 111 2233"], [("Gulf Coast Seafood Processors LLC", "H-2B")]),
    ("Servicios Laborales Mam", "agency", "GT", ["GT-13", "GT-12"], "Cuilco, San Pedro Necta",
     ["SLM Guatemala"], ["5555 1234"], [("Pacific Berry Farms Inc", "H-2A")]),
    ("Contrataciones Agrícolas Tzoc", "agency", "GT", ["GT-09", "GT-08"], "Quetzaltenango",
     [], ["4444 9876"], [("Northern Apple Growers Cooperative", "H-2A")]),
    ("Agencia Internacional de Empleo Lempira", "agency", "HN", ["HN-LE", "HN-IN"], "Gracias, La Esperanza",
     ["AIEL"], ["9988 7766"], [("Maple Valley Greenhouses Ltd", "TFWP")]),
    ("Don Chepe Ramírez", "person", "MX", ["MX-MIC"], "Zamora",
     ["José Ramírez 'Don Chepe'"], ["351 555 0101"], [("Sunrise Nursery LLC", "H-2B")]),
    ("Empleos Canadá-Nicaragua", "agency", "NI", ["NI-LE", "NI-CI"], "León, Chinandega",
     [], ["8888 1212"], [("Prairie Harvest Farms Ltd", "SAWP")]),
]
# Other spellings used in reports: resolution links the exact ones and queues the doubtful ones.
SPELLINGS = {
    "Reclutadora del Norte, S.A. de C.V.": ["RECLUTADORA DEL NORTE", "Reclutadora Del Norte S. de R.L."],
    "Lic. José Pérez Gómez": ["JOSE PERES GOMEZ"],
    "Servicios Laborales Mam": ["SERVICIOS LABORALES MAM S.A."],
}
LOCAL = {"MX": "MXN", "GT": "GTQ", "HN": "HNL", "NI": "NIO", "SV": "USD"}
FEE_RANGE = {
    "MXN": (5000, 40000), "GTQ": (2000, 15000), "HNL": (10000, 60000), "NIO": (8000, 30000), "USD": (300, 2500),
}
GIVEN = ["Juan Carlos", "María Guadalupe", "José Luis", "Rosa María", "Pedro", "Ana Lucía", "Marvin", "Francisco",
         "Elvia", "Santiago", "Dolores", "Eduardo"]
SURNAMES = ["Hernández", "López", "Tzoc", "Xol", "Chuc", "Cux", "Ajanel", "Ramírez", "Martínez", "Pérez", "García",
            "Tzul"]


def load(stdout):
    if Recruiter.objects.filter(name=RECRUITERS[0][0]).exists():
        stdout.write("abuse: demo data already loaded")
        return
    defenders = list(User.objects.filter(role="defender", email__endswith=f"@{DOMAIN}").order_by("email"))
    advocates = list(User.objects.filter(role="advocate", email__endswith=f"@{DOMAIN}").order_by("email"))
    coordinator = User.objects.filter(role="coordinator", email__endswith=f"@{DOMAIN}").order_by("email").first()
    if not defenders or coordinator is None:
        stdout.write("abuse: skipped (no demo Defenders: run the network demo first)")
        return
    rng = random.Random(2026)  # noqa: S311  (demo data, reproducible on purpose; nothing secret)
    regions = {r.code: r for r in Region.objects.all()}

    recruiters = []
    for name, kind, country, codes, towns, aliases, phones, employers in RECRUITERS:
        recruiter = actions.do_create_recruiter(
            acting_user=coordinator, name=name, kind=kind, country=country,
            regions=[regions[c] for c in codes if c in regions], municipalities=towns, aliases=aliases, phones=phones,
        )
        for employer, programme in employers:
            actions.do_add_employer(recruiter, acting_user=coordinator, employer_name=employer, programme=programme)
        recruiters.append((recruiter, country, codes, employers))

    # Defenders file in their own country when they can.
    by_country = {}
    for user in defenders:
        by_country.setdefault(user.defender.country, []).append(user)

    reports = 0
    start = date(2023, 1, 1)
    weights = [9, 6, 7, 4, 3, 3, 2]
    for _ in range(60):
        recruiter, country, codes, employers = rng.choices(recruiters, weights=weights)[0]
        reporter = rng.choice(by_country.get(country) or defenders)
        if advocates and rng.random() < 0.15:
            reporter = rng.choice(advocates)
        spelling = rng.choice([recruiter.name, *SPELLINGS.get(recruiter.name, [])])
        region = regions.get(rng.choice(codes))
        occurred = start + timedelta(days=rng.randrange(0, 1000))
        named = rng.random() < 0.7
        employer, programme = rng.choice(employers)
        report = actions.do_file_report(
            acting_user=reporter, recruiter_names=[spelling], employer_name=employer, programme=programme,
            occurred_from=occurred, region=region, municipality=rng.choice(recruiter.municipalities.split(", ")),
            new_worker={"given_names": rng.choice(GIVEN), "surname_1": rng.choice(SURNAMES),
                        "surname_2": rng.choice(SURNAMES)} if named else None,
            narrative="Relato de demostración: el reclutador cobró por la visa y prometió un trabajo.",
        )
        currency = LOCAL[country]
        low, high = FEE_RANGE[currency]
        for _n in range(rng.choice([1, 1, 1, 2])):
            actions.do_add_incident(
                report, acting_user=reporter, kind=Incident.Kind.FEE,
                amount=Money(Decimal(rng.randrange(low, high, 100)), currency), paid_to=spelling,
                paid_on=occurred - timedelta(days=rng.randrange(10, 90)),
            )
        extra = rng.random()
        if extra < 0.3:
            actions.do_add_incident(
                report, acting_user=reporter, kind=Incident.Kind.FRAUD, job_did_not_exist=True, money_taken=True,
            )
        elif extra < 0.5:
            actions.do_add_incident(
                report, acting_user=reporter, kind=Incident.Kind.DOCUMENT_RETENTION, documents="Pasaporte",
            )
        elif extra < 0.65:
            actions.do_add_incident(report, acting_user=reporter, kind=Incident.Kind.THREATS)
        elif extra < 0.75:
            actions.do_add_incident(report, acting_user=reporter, kind=Incident.Kind.RETALIATION, blacklisted=True)
        elif extra < 0.82:
            actions.do_add_incident(
                report, acting_user=reporter, kind=Incident.Kind.TRAFFICKING,
                indicators=rng.sample(list(TraffickingIndicator.values), 3),
            )
        reports += 1

    # A Defender who once acted for a recruiter.
    conflicted = next((u.defender for u in defenders if u.defender.country == "GT"), defenders[0].defender)
    actions.do_add_conflict(recruiters[2][0], conflicted, acting_user=coordinator, note="Asesoró a la agencia en 2021.")
    result = actions.do_run_resolution(acting_user=coordinator)
    stdout.write(f"abuse: {len(recruiters)} recruiters, {reports} reports, {result.queued} pairs to review")
