"""Demo people and a reunification project (run by `puente demo`; idempotent).

Names come from the shared name lists (../shared/data/names from the repository) when present,
else from Faker es_MX. Nothing here is a real person.
"""

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings

from puente.network.api import Region, User

from . import actions
from .models import ContactAttempt, ReunificationProject, SearchStatus

PROJECT_NAME = "Demo: separated parents, Ms. L. v. ICE (2018)"
NAMES_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "names"


def _names():
    given = {"M": [], "F": []}
    surnames = []
    if NAMES_DIR.exists():
        with (NAMES_DIR / "common-forenames-by-country.csv").open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if row["Country"] in ("MX", "SV", "GT", "HN", "NI") and row["Gender"] in given:
                    given[row["Gender"]].append(row["Localized Name"])
        with (NAMES_DIR / "common-surnames-by-country.csv").open(encoding="utf-8-sig") as fh:
            surnames = [
                row["Localized Name"] for row in csv.DictReader(fh) if row["Country"] in ("MX", "SV", "GT", "HN", "NI")
            ]
    if not given["M"] or not given["F"] or not surnames:
        from faker.providers.person.es_MX import Provider

        given = {"M": list(Provider.first_names_male), "F": list(Provider.first_names_female)}
        surnames = list(Provider.last_names)
    surnames += ["Tzoc", "Xol", "Chuc", "Cux", "Ajanel", "Tzul", "Caal"]
    return given, surnames


def load(stdout):
    # Project names are encrypted: compared in Python, not in SQL.
    if any(p.name == PROJECT_NAME for p in ReunificationProject.objects.only("name")):
        stdout.write("locate: demo people already loaded")
        return
    coordinator = (
        User.objects.filter(role="coordinator", email__endswith="@demo.puente.org").order_by("email").first()
        or User.objects.filter(role="coordinator").order_by("pk").first()
    )
    if coordinator is None:
        stdout.write("locate: no Coordinator; demo people skipped")
        return
    rng = random.Random(2026)  # noqa: S311 - made-up demo people, not a secret
    given, surnames = _names()
    regions = list(Region.objects.filter(country__in=["MX", "GT", "SV", "HN", "NI"]).order_by("code"))
    people = []
    for _i in range(40):
        sex = rng.choice("MF")
        region = rng.choice(regions) if regions else None
        country = region.country if region else rng.choice(["MX", "GT", "SV", "HN", "NI"])
        born = date(1965, 1, 1) + timedelta(days=rng.randint(0, 365 * 35))
        phone = {
            "MX": "+52951{:07d}",
            "GT": "+5025{:07d}",
            "SV": "+5037{:07d}",
            "HN": "+5043{:07d}",
            "NI": "+5058{:07d}",
        }[country].format(rng.randint(0, 9_999_999))
        g = rng.choice(given[sex]) + ((" " + rng.choice(given[sex])) if rng.random() < 0.3 else "")
        people.append(
            actions.do_create_person(
                acting_user=coordinator,
                given_names=g,
                surname_1=rng.choice(surnames),
                surname_2=rng.choice(surnames),
                sex=sex,
                birth_date=born.isoformat() if rng.random() < 0.8 else str(born.year),
                country=country,
                region=region,
                phone=phone if rng.random() < 0.6 else "",
                consent_to_search=rng.random() < 0.7,
            )
        )
    project = actions.do_create_project(
        acting_user=coordinator,
        name=PROJECT_NAME,
        court="U.S. District Court, S.D. California",
        docket_number="18-cv-00428",
    )
    defenders = [
        u.defender
        for u in User.objects.filter(role="defender", email__endswith="@demo.puente.org", defender__isnull=False)
        .select_related("defender")
        .order_by("email")
    ]
    attempts = [
        (ContactAttempt.Result.NO_ANSWER, "phone"),
        (ContactAttempt.Result.REACHED, "home_visit"),
        (ContactAttempt.Result.MESSAGE_LEFT, "whatsapp"),
        (ContactAttempt.Result.REFUSED, "community_leader"),
    ]
    for n, person in enumerate(people[:16]):
        defender = defenders[n % len(defenders)] if defenders else None
        entry = actions.do_add_to_project(
            project, person, acting_user=coordinator, defender=defender, auto_assign=False
        )
        if defender is None:
            continue
        user = defender.users.order_by("pk").first() or coordinator
        if n % 4 == 3:
            continue  # not yet searched
        result, method = attempts[n % len(attempts)]
        actions.do_log_contact_attempt(
            entry, acting_user=user, date=date(2026, 10, 1) + timedelta(days=n), method=method, result=result
        )
        if result == ContactAttempt.Result.REACHED:
            actions.do_record_preference(
                entry, acting_user=user, preference=rng.choice(["home_country", "stays_us", "undecided"]), method=method
            )
        if n % 7 == 5:
            actions.do_set_status(entry, SearchStatus.UNREACHABLE, acting_user=user)
    stdout.write(
        f"locate: {len(people)} demo people, project with {project.people.count()} to find "
        f"({'assigned to ' + str(len(defenders)) + ' Defenders' if defenders else 'no demo Defenders'})"
    )
