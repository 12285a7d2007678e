"""What the apps above network may use of it (queries); changes go through ``network.actions``.

The directory's people and organisations (accounts, Defenders, Advocates) and its reference
data (countries, regions, languages, areas of expertise, bar jurisdictions) are read by every
app: for foreign keys, form choices, matching and reports. They import them from here, never
from ``puente.network.models`` (``[tool.importlinter]`` in pyproject.toml checks it), so that
what network offers is written in one place and its models can change behind it.

Querysets narrowed to what a user may see are in ``network.access`` (``visible_defenders`` ...).
"""

from .access import editable_advocates, editable_defenders, visible_advocates, visible_defenders, with_load
from .models import (
    LOCAL_CURRENCY, Advocate, Country, Defender, DefenderConflict, Expertise, Jurisdiction, Language, Region, User,
)

__all__ = [
    "LOCAL_CURRENCY", "Advocate", "Country", "Defender", "DefenderConflict", "Expertise", "Jurisdiction", "Language",
    "Region", "User", "editable_advocates", "editable_defenders", "visible_advocates", "visible_defenders", "with_load",
]
