"""``manage.py demo [--customers N] [--seed S] [--reset] [--logins]``: load the demo city (once)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from serviceloop.core.demo import (
    COMPANY_NAME,
    COUNT_LABELS,
    DEFAULT_CUSTOMERS,
    DEFAULT_SEED,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    MAX_CUSTOMERS,
    ROLE_ZH,
    DemoError,
    demo_build,
    demo_exists,
    demo_reset,
)


class Command(BaseCommand):
    help = "生成演示城市（县局、市场部、线路、各角色员工、零售客户及其变更记录）；同一种子得到相同数据。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=DEFAULT_CUSTOMERS, help="零售客户数（默认 %(default)s）"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子（默认 %(default)s）")
        parser.add_argument(
            "--reset", action="store_true", help="先删除已有的演示公司及其下全部数据，再重新生成"
        )
        parser.add_argument("--logins", action="store_true", help="只打印演示登录账号，不生成数据")

    def handle(self, *args, customers, seed, reset, logins, **options):
        if logins:
            self.print_logins()
            return
        if not 1 <= customers <= MAX_CUSTOMERS:
            raise CommandError(f"--customers 须在 1 到 {MAX_CUSTOMERS} 之间。")
        if demo_exists() and not reset:
            self.stdout.write(f"演示数据已存在（{COMPANY_NAME}），未做任何更改。如需重建，请加 --reset。")
            return
        started = time.monotonic()
        # Reset and rebuild in one transaction: a failed build leaves the old demo in place.
        with transaction.atomic():
            deleted = {}
            if reset:
                try:
                    deleted = demo_reset()
                except DemoError as exc:
                    raise CommandError(
                        f"无法安全删除演示数据：{exc} 如需从头开始，请删除数据库后重新执行 migrate 和 demo。"
                    ) from exc
            try:
                counts = demo_build(customers=customers, seed=seed, now=timezone.now())
            except DemoError as exc:
                raise CommandError(f"未生成演示数据：{exc}") from exc
        if deleted:
            self.stdout.write(
                "已删除原演示数据：" + "，".join(f"{COUNT_LABELS[k]} {v:,}" for k, v in deleted.items())
            )
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"演示数据已生成（种子 {seed}，用时 {seconds:.1f} 秒）："))
        for key, label in COUNT_LABELS.items():
            self.stdout.write(f"  {label}：{counts[key]:,}")
        self.print_logins()

    def print_logins(self):
        self.stdout.write(
            f"演示登录账号（密码均为 {DEMO_PASSWORD}；其他员工账号如 am001、sh001 也用此密码）："
        )
        width = max(len(username) for username, _, _ in DEMO_LOGINS)
        for username, role, description in DEMO_LOGINS:
            self.stdout.write(f"  {username:<{width}}  {ROLE_ZH[role]}  {description}")
