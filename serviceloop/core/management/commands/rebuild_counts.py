from django.core.management.base import BaseCommand

from serviceloop.core.counts import counts_rebuild


class Command(BaseCommand):
    help = "从原始数据重新计算首页、走访达标等页面读取的预汇总计数（每小时任务也会执行）。"

    def handle(self, *args, **options):
        self.stdout.write(counts_rebuild())
