"""The API keeps its published contract: schemathesis generates requests from ``/api/schema/`` for every
operation, as anonymous, as the demo contributor and as the demo editor, on the demo data, and no answer
may be a 5xx or contradict the schema (status code, content type, body shape — a ``null`` where a string
is promised breaks a client generated from the schema).

Examples are few per operation and the database is never reset between them: the point is the kind of
input, not volume. The run stays well under a minute.
"""

from io import StringIO

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def demo(mailoutbox, settings):
    settings.ALLOWED_HOSTS = ["*"]
    for name in ("load_demo", "load_workshops", "load_consultation_demo"):
        call_command(name, stdout=StringIO())
    users = get_user_model().objects
    return {
        "anonymous": {},
        "contributor": {"Authorization": f"Token {Token.objects.create(user=users.get(username='operateur')).key}"},
        "editor": {"Authorization": f"Token {Token.objects.create(user=users.get(username='editrice')).key}"},
    }


@pytest.fixture
def wsgi_application():
    """Django's WSGI handler without its end-of-request connection clean-up, as Django's test client does:
    on PostgreSQL that clean-up closes the test's own connection, which sits in the test's transaction."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield WSGIHandler()
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def _failures_of(operation, headers) -> list[str]:
    failures = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as error:  # schemathesis reports its findings as one group
            failures.append(f"{operation.label}: " + " | ".join(line.strip() for line in str(error).splitlines()[:12] if line.strip()))

    check()
    return failures


def test_no_generated_request_gets_a_5xx_or_an_answer_the_schema_does_not_promise(demo, wsgi_application):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_application)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for persona, headers in demo.items():
        for operation in operations:
            failures.extend(f"[{persona}] {failure}" for failure in _failures_of(operation, headers))
    assert not failures, "\n".join(failures)
