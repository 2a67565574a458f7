"""``manage.py compute_kpis [--month 2026-11] [--months 12] [--kpi CODE …]``: recompute KPI values now
(the job does the current month daily; this is for back-filling and month-end reruns)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from serviceloop.kpis.compute import kpivalues_compute, month_start


class Command(BaseCommand):
    help = "Recompute the monthly KPI values."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM, the last month to compute (default: this month)")
        parser.add_argument("--months", type=int, default=1, help="how many months up to --month")
        parser.add_argument("--kpi", action="append", help="only these KPI codes")

    def handle(self, *args, month=None, months=1, kpi=None, **options):
        now = timezone.now()
        try:
            last = dt.date.fromisoformat(f"{month}-01") if month else month_start(timezone.localdate())
        except ValueError as exc:
            raise CommandError("--month must look like 2026-11") from exc
        if not 1 <= months <= 60:
            raise CommandError("--months must be between 1 and 60")
        wanted = [last]
        while len(wanted) < months:
            wanted.insert(0, month_start(wanted[0] - dt.timedelta(days=1)))
        rows = kpivalues_compute(months=wanted, now=now, codes=kpi)
        self.stdout.write(f"{rows} KPI values for {wanted[0]:%Y-%m}…{wanted[-1]:%Y-%m}")
