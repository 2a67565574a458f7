"""Standing test (issue 13): schemathesis over /api/schema/ with a bounded number of examples per operation —
no server error, no response outside the schema (status codes, bodies, content types)."""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

pytestmark = pytest.mark.django_db

EXAMPLES = 15
# The same examples on every run, so that a build is repeatable (Hypothesis' advice for CI): a random run found a
# new 500 now and then, and a failure nobody saw before must not stop what has landed from landing. Exploring is
# one variable away — SCHEMA_FUZZ_EXPLORE=1 draws new examples each run; fix what it finds and add its input here.
EXPLORE = bool(os.environ.get("SCHEMA_FUZZ_EXPLORE"))


@pytest.fixture
def wsgi_in_test_transaction():
    """Calling the WSGI handler directly fires request_started/finished, whose close_old_connections would close
    the test transaction's connection (PostgreSQL then answers "the connection is closed"); Django's test client
    unhooks it the same way for each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world, wsgi_in_test_transaction):
    from django.utils import timezone

    from serviceloop.servicedesk.models import Category
    from serviceloop.servicedesk.services import servicerequest_file

    servicerequest_file(
        customer=world.shops["张湾1号线"][0], channel="phone", kind="complaint",
        category=Category.objects.filter(active=True).first(), text="送货员态度不好", actor=world.agent,
        now=timezone.now(),
    )  # fmt: skip
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.city_admin).key
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", get_wsgi_application(), headers={"Authorization": f"Token {token}"}
    )
    schema.token = token
    return schema


def test_the_api_answers_inside_its_schema(api_schema, world):
    token = api_schema.token
    failures = []
    for operation in api_schema.get_all_operations():
        op = operation.ok()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=not EXPLORE,
        )
        @given(case=op.as_strategy())
        def check(case):
            # "0 server errors, 0 schema violations": a schema-valid body may still be refused (an id that does
            # not exist, an empty licence number…), so positive-data acceptance is not asked for.
            # identity: schemathesis' WSGI transport asks for gzip (GZipMiddleware answers it) but cannot inflate
            case.call_and_validate(
                headers={"Authorization": f"Token {token}", "Accept-Encoding": "identity"},
                excluded_checks=[positive_data_acceptance, negative_data_rejection],
            )

        try:
            check()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - collect every operation's failures, then report all
            failures.append(f"{op.method.upper()} {op.path}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
