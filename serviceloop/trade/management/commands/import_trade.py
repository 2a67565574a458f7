from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from serviceloop.trade.importing import import_trade_file
from serviceloop.trade.models import BatchKind, BatchSource, BatchStatus


class Command(BaseCommand):
    help = "Imports products, orders, deliveries or settlements from an xlsx or csv file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", required=True, choices=BatchKind.values)
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args, file: Path, kind: str, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"文件不存在：{file}")
        translation.activate(settings.LANGUAGE_CODE)
        batch = import_trade_file(
            file=file, kind=kind, now=timezone.now(), dry_run=dry_run, source=BatchSource.COMMAND
        )
        self.stdout.write(
            f"批次 #{batch.pk} {batch.get_status_display()}：读取 {batch.rows} 行（{batch.file_format}），"
            f"新增 {batch.created}，更正 {batch.replaced}，未变 {batch.unchanged}，取消 {batch.cancelled}，"
            f"用时 {batch.seconds:.1f} 秒"
        )
        for error in batch.errors:
            where = f"第{error['line']}行" if error["line"] else "文件"
            if error["column"]:
                where += f" {error['letter']}列「{error['column']}」"
            value = f" 值「{error['value']}」" if error["value"] else ""
            self.stderr.write(f"{where}{value}：{error['reason']}")
        if batch.error_count > len(batch.errors):
            self.stderr.write(f"……共 {batch.error_count} 处错误，以上只列出前 {len(batch.errors)} 处。")
        if batch.status == BatchStatus.REFUSED:
            raise CommandError("导入被拒绝，未写入任何数据。")
        if dry_run:
            self.stdout.write("（仅检查，未写入任何数据）")
