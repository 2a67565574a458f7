from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from serviceloop.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库和上传的文件到一个归档文件（SQLite 在线备份；PostgreSQL 用 pg_dump）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "folder", nargs="?", default="backups", help="归档文件存放的文件夹（默认 backups/）"
        )

    def handle(self, *args, folder, **options):
        try:
            archive = backup_create(destination=Path(folder))
        except BackupError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(str(archive))
