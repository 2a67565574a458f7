from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from serviceloop.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "从 backup 生成的归档文件恢复数据库和上传的文件（会替换当前数据库的内容），并核对每张表的行数。"

    def add_arguments(self, parser):
        parser.add_argument("archive", help="serviceloop-backup-….tar.gz")
        parser.add_argument("--yes", action="store_true", help="不再确认，直接替换当前数据")

    def handle(self, *args, archive, yes, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"找不到归档文件：{path}")
        if not yes and input("这会替换当前数据库中的全部数据。输入 yes 继续：").strip() != "yes":
            raise CommandError("已取消")
        try:
            manifest = backup_restore(archive=path)
        except BackupError as e:
            raise CommandError(str(e)) from e
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"已恢复 {manifest['created_at']} 的备份：{len(manifest['tables'])} 张表，{rows} 行，"
            f"{manifest['media_files']} 个上传文件。"
        )
