from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from serviceloop.core.jobs import run_due_jobs, run_forever


class Command(BaseCommand):
    help = "运行后台任务（数据库即队列）。--once 运行一轮到期任务后退出；--now 指定当前时间（ISO-8601）。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="运行一轮后退出")
        parser.add_argument("--now", help="当前时间，ISO-8601，例如 2026-11-23T08:00:00+08:00")
        parser.add_argument("--force", action="store_true", help="不看计划，立即运行每个任务一次")

    def handle(self, *args, once, now, force, **options):
        at = None
        if now:
            try:
                at = datetime.fromisoformat(now)
            except ValueError as e:
                raise CommandError(f"--now 不是有效的 ISO-8601 时间：{now}") from e
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        if once or at:
            results = run_due_jobs(at or timezone.now(), force=force)
            for name, result in results.items():
                self.stdout.write(f"{name}: {result}")
            if not results:
                self.stdout.write("没有到期的任务。")
            return
        self.stdout.write("后台任务运行中（Ctrl+C 停止）…")
        run_forever()
