"""Schemathesis against the served OpenAPI document (/api/v1/schema/), through the WSGI
application in this process, as several roles (a Coordinator's, an Advocate's and a Defender's
token, and no token), a bounded number of generated requests per operation: no 500, every
response's status, content type and body as the document says.

One test builds one world and walks every operation, so that it runs in CI in a couple of
minutes (on a loaded 2-core machine); PUENTE_SCHEMATHESIS_EXAMPLES raises the bound locally.
"""

import os

import pytest
from django.core import signals
from django.db import close_old_connections
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.helpers import ALL_WRITE, make_token

EXAMPLES = int(os.environ.get("PUENTE_SCHEMATHESIS_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ["coordinator", "advocate", "defender", None]


@pytest.fixture
def api_schema(world):
    """The document as served by the WSGI application. Django closes the database connection at
    the end of each request; the test's transaction lives on it, so (as Django's test client does)
    the connection is kept open while the application answers here."""
    from puente.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _runner(operation, headers):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    return run


def test_every_operation_answers_as_documented(world, api_schema):
    headers_by_role = {}
    for role in ROLES:
        if role is None:
            headers_by_role[role] = {}
        else:
            _t, secret = make_token(getattr(world, role), scopes=ALL_WRITE)
            headers_by_role[role] = {"Authorization": f"Bearer {secret}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    failures = []
    for operation in operations:
        for role, headers in headers_by_role.items():
            run = _runner(operation, headers)

            try:
                run()
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - hypothesis raises exception groups; report every operation's
                failures.append(f"{operation.label} as {role or 'anonymous'}: {str(exc)[:1200]}")
    assert not failures, "\n\n".join(failures)
