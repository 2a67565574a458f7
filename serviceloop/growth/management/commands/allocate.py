"""python manage.py allocate SHEET [--json OUT] [--week YYYY-MM-DD] [--save]

Runs a weekly allocation sheet against the customer archive with the same engine as the pages and
prints, per product, code, name, method, target, allocated total, error and the per-grade (or
per-region × grade) quantities. Bad sheets are refused with every problem listed (exit status 1).
``--save`` also stores the run (as the upload page does, with no user)."""

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from serviceloop.growth.sheet import SheetError


class Command(BaseCommand):
    help = "Allocate a weekly sheet of scarce products against the customer archive."

    def add_arguments(self, parser):
        parser.add_argument("sheet", help="the weekly allocation sheet (xlsx)")
        parser.add_argument("--json", dest="json_out", help="write the result as JSON to this file")
        parser.add_argument(
            "--week", help="any date of the ordering week (default: the sheet's YEAR/MONTH/WEEK_SEQ)"
        )
        parser.add_argument("--save", action="store_true", help="store the run like the upload page")

    def handle(self, *args, sheet, json_out=None, week=None, save=False, **options):
        from serviceloop.growth.services import allocationrun_create, compute_sheet

        path = Path(sheet)
        if not path.is_file():
            raise CommandError(f"找不到文件：{sheet}")
        try:
            week_of = dt.date.fromisoformat(week) if week else None
        except ValueError:
            raise CommandError(f"--week 应为日期，如 2025-09-15（收到「{week}」）") from None
        now = timezone.now()
        content = path.read_bytes()
        try:
            _sheet, results = compute_sheet(content, week_of=week_of, today=timezone.localdate(now))
        except SheetError as e:
            raise CommandError(str(e)) from None
        if save:
            run = allocationrun_create(
                content=content, filename=path.name, week_of=week_of, actor=None, now=now
            )
            self.stdout.write(f"已保存为第 {run.pk} 次分配")
        out = self.stdout
        out.write(
            f"{'编码':<10} {'名称':<16} {'投放方式':<10} {'目标量':>8} {'分配量':>8} {'误差':>6}  档位条数"
        )
        totals: dict[str, list[int]] = {}
        for r in results:
            s = r.spec
            if not r.handled:
                out.write(
                    f"{s.code:<10} {s.name:<16} {s.method_label:<10} {s.target:>8} {'—':>8} {'—':>6}  本方法不处理"
                )
                continue
            t = totals.setdefault(s.method_label, [0, 0, 0])
            t[0] += 1
            t[1] += s.target
            t[2] += abs(r.error)
            tables = "；".join(
                (f"{name}: " if name else "") + " ".join(f"{g}={q}" for g, q in table.items() if q)
                for name, table in r.tables.items()
            )
            out.write(
                f"{s.code:<10} {s.name:<16} {s.method_label:<10} {s.target:>8} {r.allocated:>8} {r.error:>6}  {tables}"
            )
        out.write("")
        out.write("按投放方式汇总：")
        for label, (count, target, error) in totals.items():
            out.write(f"  {label}：{count} 种，目标 {target} 条，总误差 {error} 条")
        skipped = sum(not r.handled for r in results)
        if skipped:
            out.write(f"  按价位段自选投放（带区域）：{skipped} 种，本方法不处理")
        if json_out:
            data = {"sheet": path.name, "products": [r.as_json() for r in results]}
            Path(json_out).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            out.write(f"JSON 已写入 {json_out}")
