import datetime as dt
import os

import pytest
from django.utils import timezone

from serviceloop.core.jobs import schedule
from serviceloop.trade.jobs import pick_up_drop_folder
from serviceloop.trade.models import BatchSource, BatchStatus, ImportBatch, Order
from serviceloop.trade.testing import ORDER_HEADER, csv_bytes, make_products, order_rows

pytestmark = pytest.mark.django_db


def test_the_job_imports_dropped_files_once_and_moves_them_aside(world, tmp_path):
    make_products()
    inbox = tmp_path / "orders"
    inbox.mkdir()
    shop = world.shops["张湾1号线"][0]
    good = inbox / "20250915.csv"
    good.write_bytes(
        csv_bytes(ORDER_HEADER, order_rows(shop, "F1", dt.date(2025, 9, 15), [("31020002", 1, 1)]))
    )
    bad = inbox / "20250916.csv"
    rows = order_rows(shop, "F2", dt.date(2025, 9, 16), [("31020002", 1, 1)])
    rows[0][4] = "99999999"  # not in the catalogue: the whole file is refused
    bad.write_bytes(csv_bytes(ORDER_HEADER, rows))
    fresh = inbox / "20250917.csv"  # still being written: left for the next run
    fresh.write_bytes(good.read_bytes())
    now = timezone.now()
    for path in (good, bad):
        os.utime(path, (now.timestamp() - 600, now.timestamp() - 600))
    os.utime(fresh, (now.timestamp(), now.timestamp()))
    result = pick_up_drop_folder(now, folder=tmp_path)
    assert "20250915.csv" in result and "20250916.csv" in result and "20250917" not in result
    batches = ImportBatch.objects.filter(source=BatchSource.FOLDER).order_by("pk")
    assert [b.status for b in batches] == [BatchStatus.COMMITTED, BatchStatus.REFUSED]
    assert (inbox / "done" / f"20250915.batch{batches[0].pk}.csv").exists()
    assert (inbox / "refused" / f"20250916.batch{batches[1].pk}.csv").exists()
    assert fresh.exists() and Order.objects.count() == 1
    assert pick_up_drop_folder(now, folder=tmp_path) == "nothing to import"
    assert "20250917.csv" in pick_up_drop_folder(now + dt.timedelta(minutes=5), folder=tmp_path)
    assert "trade_drop_folder" in {job.name for job in schedule()}
