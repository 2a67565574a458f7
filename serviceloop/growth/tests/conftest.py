import datetime as dt
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "real"
REAL_SHEET = DATA / "allocation_week.xlsx"
REAL_ARCHIVE = DATA / "customers_15020.xlsx"
NOW = timezone.make_aware(dt.datetime(2025, 9, 12, 9, 0))


@pytest.fixture(scope="module")
def real_archive(django_db_setup, django_db_blocker):
    """The real 15,020-shop archive, imported once per module inside a transaction rolled back at the end
    (each test's own transaction is a savepoint inside it)."""
    if not REAL_ARCHIVE.exists() or not REAL_SHEET.exists():
        pytest.skip("real data not available")
    from serviceloop.core.testing import make_user
    from serviceloop.customers.importing import import_customers_file
    from serviceloop.org.models import Company, Role

    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            report = import_customers_file(file=REAL_ARCHIVE, filename=REAL_ARCHIVE.name, actor=None, now=NOW)
            assert report.committed, report.errors[:3]
            admin = make_user("real_admin", Role.CITY_ADMIN, company=Company.objects.get())
            yield admin
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)
