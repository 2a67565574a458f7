"""Audit and event rows are append-only in the database too (issue 13), not only in the admin."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from serviceloop.core.audit import audit_record, trail_purge
from serviceloop.core.models import AuditEvent
from serviceloop.servicedesk.models import Category, RequestEvent
from serviceloop.servicedesk.services import servicerequest_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(world):
    audit_record(actor=world.city_admin, action="test.write", summary="写入")
    servicerequest_file(
        customer=world.shops["张湾1号线"][0], channel="phone", kind="complaint",
        category=Category.objects.filter(active=True).first(), text="送货员态度不好", actor=world.agent,
        now=timezone.now(),
    )  # fmt: skip
    return world


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers on PostgreSQL only (migration 0006)")
@pytest.mark.parametrize("model", [AuditEvent, RequestEvent])
def test_the_database_refuses_to_change_a_trail_row(trail, model):
    assert model.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.update(at=timezone.now())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers on PostgreSQL only (migration 0006)")
@pytest.mark.parametrize("model", [AuditEvent, RequestEvent])
def test_postgresql_refuses_to_delete_a_trail_row(trail, model):
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.all()._raw_delete(model.objects.db)
    n = model.objects.count()
    with trail_purge():
        model.objects.all()._raw_delete(model.objects.db)
    assert n and not model.objects.exists()
    # the switch ends with its transaction
    audit_record(actor=None, action="test.after")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.all()._raw_delete(AuditEvent.objects.db)
