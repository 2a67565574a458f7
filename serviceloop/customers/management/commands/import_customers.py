"""``manage.py import_customers FILE [--dry-run] [--user USERNAME]``: the upload page's engine, from a shell."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from serviceloop.customers.importing import ImportReport, import_customers_file
from serviceloop.customers.importing.columns import LABELS

MAX_ERRORS_SHOWN = 200


class Command(BaseCommand):
    help = "导入客户档案（xlsx 或 csv，UTF-8 / GB18030），按许可证号新增或更新；有任何错误则不写入。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="xlsx 或 csv 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告将会发生的变化，不写入数据库")
        parser.add_argument(
            "--keep-constant",
            action="append",
            default=[],
            metavar="FIELD",
            help="整列取值都相同的是/否列默认不导入；用此参数保留（如 quality_terminal），可重复",
        )
        parser.add_argument("--user", help="记在历史和审计记录上的操作人（用户名）；默认为系统")

    def handle(self, *args, file, dry_run, user, keep_constant, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"没有用户名为“{user}”的用户。")
        report = import_customers_file(
            file=path,
            filename=path.name,
            actor=actor,
            now=timezone.now(),
            dry_run=dry_run,
            keep_constant=keep_constant,
        )
        self.stdout.write(render(report))
        if report.errors:
            raise CommandError(
                f"导入失败：共 {report.error_count} 个错误（涉及 {report.error_lines} 行），未写入任何数据。"
            )


def render(report: ImportReport) -> str:
    """The report as Chinese text: what was read, what changed or would change, then the errors."""
    out = [f"文件：{report.filename}" + (f"（{report.file_format}）" if report.file_format else "")]
    if report.dry_run:
        out.append("试运行（--dry-run）：只检查，不写入数据库。")
    if report.ignored_columns:
        out.append(f"未识别的列（已忽略）：{'、'.join(report.ignored_columns)}")
    for c in report.constant_columns:
        what = "已保留（--keep-constant）" if c.kept else f"不导入；要导入请加 --keep-constant {c.field}"
        out.append(f"整列取值相同的列「{c.header}」（{c.label}）：每行都是“{c.value}”，{what}")
    verb = "将" if report.dry_run or report.errors else ""
    out.append(f"数据行：{report.rows}")
    out.append(f"{verb}新增客户：{report.created}")
    out.append(f"{verb}更新客户：{report.updated}")
    out.append(f"未变客户：{report.unchanged}")
    if report.field_changes:
        changes = "，".join(f"{LABELS.get(f, f)} {n}" for f, n in report.field_changes.most_common())
        out.append(f"变化的字段（客户数）：{changes}")
    if report.created_company:
        out.append(f"{verb}新建公司：{report.created_company}")
    for title, units in (
        ("县局", report.created_branches),
        ("市场部", report.created_stations),
        ("线路", report.created_routes),
    ):
        if units:
            out.append(f"{verb}新建{title} {len(units)} 个：")
            out.extend(f"  {unit}" for unit in units)
    if report.committed:
        out.append(f"写入历史记录：{report.history_rows} 条")
        out.append("导入完成。")
    elif report.errors:
        shown = report.errors[:MAX_ERRORS_SHOWN]
        out.append(f"错误 {report.error_count} 个（涉及 {report.error_lines} 行），未写入任何数据：")
        out.extend(f"  {error}" for error in shown)
        if report.error_count > len(shown):
            out.append(f"  ……只显示前 {len(shown)} 个，共 {report.error_count} 个错误。")
    elif report.dry_run:
        out.append("检查通过：没有错误。去掉 --dry-run 即可导入。")
    return "\n".join(out)
