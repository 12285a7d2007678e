import pytest

from tests.access import Entry, check_entry, matrix_params
from tests.world import ROLES

EVERYONE = {r: 200 for r in ROLES}
es = lambda w: {"lang": "es"}  # noqa: E731  (the worker's pages name their language)
worker_report = lambda w: {"pk": w.worker_report.pk}  # noqa: E731 - one-line kwargs builder, as the matrix entries read

MATRIX = [
    # The workers' corner is public: no account, every role and nobody at all.
    Entry("voice:landing", kwargs=es, expect=EVERYONE),
    Entry("voice:landing", kwargs=lambda w: {"lang": "en"}, expect=EVERYONE, id="landing:en"),
    Entry("voice:check", kwargs=es, expect=EVERYONE),
    Entry("voice:report", kwargs=es, expect=EVERYONE),
    Entry("voice:add", kwargs=es, expect=EVERYONE),
    Entry("voice:rights", kwargs=es, expect=EVERYONE),
    Entry("voice:rights_visa", kwargs=lambda w: {"lang": "es", "visa": "j1"}, expect=EVERYONE),
    Entry("voice:rights_visa", kwargs=lambda w: {"lang": "en", "visa": "f1"}, expect={r: 404 for r in ROLES},
          id="rights_visa:unwritten"),
    # An empty public form comes back with its errors.
    Entry("voice:report", kwargs=es, method="post", expect={r: 400 for r in ROLES}),
    # The text-message webhook answers only requests signed with the provider's token.
    Entry("voice:twilio_webhook", method="post", expect={r: 403 for r in ROLES}),
    # Reviewing is the Coordinators'.
    Entry("voice:moderation", expect={"coordinator": 200}),
    Entry("voice:rights_edit", kwargs=lambda w: {"visa": "j1"}, expect={"coordinator": 200}),
    Entry("voice:review", kwargs=worker_report, expect={"coordinator": 200}),
    Entry("voice:discard", kwargs=worker_report, method="post", expect={"coordinator": 302}),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)
