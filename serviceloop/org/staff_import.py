"""Staff import (day one of a real company): xlsx or csv with name, phone, role, unit and routes served.

    report = import_staff_file(file=path_or_bytes, actor=user, now=now, dry_run=True)

* Columns: 姓名, 手机 (or 电话), 角色 (客户经理, 市场经理, 站长, 县局负责人, 市级管理员, 客服人员, 督察考评,
  市场管理员 — or the English codes), 单位 (the company, a branch or a station by name), 服务线路 (route names
  separated by 、 , ; or spaces — only for account and market managers), 用户名 (optional; the phone number
  when empty).
* Upsert by user name: an existing account keeps its password; a new one gets no usable password (the
  administrator sets one, or single sign-on does). All or nothing; every bad row named with line, column and
  a Chinese reason, with the customer import's reader and cell helpers.
* Routes served: an account manager becomes the route's account manager, a market manager its market manager
  (the route must be in the person's station, or — for a market manager at a branch — in that branch).
  A route given to two people of the same role in one file is an error.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction

from serviceloop.core.audit import audit_record
from serviceloop.customers.importing import values as v
from serviceloop.customers.importing.columns import header_key
from serviceloop.customers.importing.reader import UnreadableFile, read_sheet
from serviceloop.customers.importing.report import RowError

from .models import ROLE_UNIT, Branch, Company, Role, Route, Station, User

# fmt: off
ALIASES = {
    "name": "姓名|员工姓名|name|full name|FULL_NAME|STAFF_NAME",
    "phone": "手机|手机号|手机号码|电话|联系电话|phone|mobile|PHONE",
    "role": "角色|岗位|职务|role|ROLE",
    "unit": "单位|所属单位|部门|服务站|市场部|县局|unit|UNIT",
    "routes": "服务线路|负责线路|线路|routes|ROUTES",
    "username": "用户名|登录名|账号|username|USERNAME",
}
# fmt: on
_LOOKUP = {header_key(a): f for f, text in ALIASES.items() for a in text.split("|")}
ROLE_NAMES = {
    "客户经理": Role.ACCOUNT_MANAGER, "市场经理": Role.MARKET_MANAGER, "站长": Role.STATION_HEAD,
    "服务站站长": Role.STATION_HEAD, "市场部经理": Role.STATION_HEAD, "县局负责人": Role.BRANCH_MANAGER,
    "营销部经理": Role.BRANCH_MANAGER, "市级管理员": Role.CITY_ADMIN, "系统管理员": Role.CITY_ADMIN,
    "客服人员": Role.AGENT, "客服": Role.AGENT, "电访员": Role.AGENT, "督察考评": Role.SUPERVISOR,
    "督察员": Role.SUPERVISOR, "市场管理员": Role.INSPECTOR, "专卖": Role.INSPECTOR,
}  # fmt: skip
ROLE_NAMES.update({r.value: r for r in Role})
LABELS = {
    "name": "姓名",
    "phone": "手机",
    "role": "角色",
    "unit": "单位",
    "routes": "服务线路",
    "username": "用户名",
}
_SPLIT = re.compile(r"[、,，;；\s]+")


@dataclass
class StaffReport:
    dry_run: bool = False
    file_format: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    routes_assigned: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False

    def error(self, line, reason, *, column=None, value=""):
        header, index = column if column else ("", -1)
        self.errors.append(RowError(line=line, column=header, value=v.text(value)[:60], reason=reason,
                                    column_index=index + 1))  # fmt: skip


def import_staff_file(*, file, actor, now, dry_run: bool = False) -> StaffReport:
    report = StaffReport(dry_run=dry_run)
    data = file if isinstance(file, bytes) else file.read()
    try:
        sheet = read_sheet(data, header_test=lambda cell: _LOOKUP.get(header_key(cell)) == "name")
        report.file_format = sheet.file_format
        rows = _parse(sheet.rows, report)
    except UnreadableFile as exc:
        report.error(0, str(exc))
        return report
    if report.errors or not rows:
        return report
    with transaction.atomic():
        plan = _plan(rows, report)
        if report.errors or dry_run:
            transaction.set_rollback(True)
            return report
        _write(plan, report, actor=actor, now=now)
        report.committed = True
    return report


def _parse(lines, report) -> list[dict]:
    header_line, columns = None, {}
    for line, cells in lines:
        found = {_LOOKUP.get(header_key(c)): (" ".join(str(c).split()), i) for i, c in enumerate(cells) if c}
        found.pop(None, None)
        if "name" in found:
            header_line, columns = line, found
            break
        if line > 10:
            break
    if header_line is None:
        report.error(0, "找不到表头：需要“姓名”“手机”“角色”“单位”等列。")
        return []
    for f in ("name", "role", "unit"):
        if f not in columns:
            report.error(header_line, f"缺少必填列“{LABELS[f]}”。")
    if report.errors:
        return []
    rows = []
    for line, cells in lines:
        if all(v.is_blank(c) for c in cells):
            continue
        report.rows += 1
        row = {"line": line, "cols": columns}
        for f, (_header, index) in columns.items():
            row[f] = cells[index] if index < len(cells) else None
        rows.append(row)
    return rows


class _Units:
    def __init__(self):
        self.company = Company.objects.order_by("pk").first()
        self.branches = {v.key(b.name): b for b in Branch.objects.all()}
        self.stations: dict[str, list[Station]] = {}
        for s in Station.objects.select_related("branch"):
            self.stations.setdefault(v.key(s.name), []).append(s)
        self.routes: dict[str, list[Route]] = {}
        for r in Route.objects.select_related("station__branch"):
            self.routes.setdefault(v.key(r.name), []).append(r)


def _plan(rows, report) -> list[tuple]:
    units = _Units()
    existing = {u.username: u for u in User.objects.all()}
    seen_usernames: dict[str, int] = {}
    route_owner: dict[tuple[int, str], int] = {}
    plan = []
    for row in rows:
        line, cols = row["line"], row["cols"]

        def bad(f, reason, line=line, cols=cols, row=row):
            report.error(line, reason, column=cols.get(f), value=row.get(f) or "")

        name = v.text(row.get("name"))
        if not name or len(name) > 50:
            bad("name", "姓名为空或超过50个字。")
            continue
        phone = ""
        if not v.is_blank(row.get("phone")):
            try:
                phone = v.phone(row["phone"])
            except v.Bad as exc:
                bad("phone", str(exc))
                continue
        role = ROLE_NAMES.get(v.text(row.get("role")))
        if role is None:
            bad(
                "role",
                "角色无法识别：应为客户经理、市场经理、站长、县局负责人、市级管理员、客服人员、督察考评或市场管理员。",
            )
            continue
        unit_key = v.key(row.get("unit"))
        company = branch = station = None
        if units.company and unit_key == v.key(units.company.name):
            company = units.company
        elif unit_key in units.branches:
            branch = units.branches[unit_key]
        elif len(units.stations.get(unit_key, [])) == 1:
            station = units.stations[unit_key][0]
            branch = station.branch
        elif units.stations.get(unit_key):
            bad("unit", "有多个同名的服务站，请在组织机构中改名后再导入。")
            continue
        else:
            bad("unit", "单位不存在：应为本公司、某个县局或某个服务站的名称（请先在组织机构中建好）。")
            continue
        level = "station" if station else "branch" if branch else "company"
        if level not in ROLE_UNIT[role]:
            bad("unit", f"{Role(role).label}不能设在这一级单位（{row.get('unit')}）。")
            continue
        username = v.text(row.get("username")) or phone
        if not username:
            bad("username", "没有用户名也没有手机号，无法建立账号。")
            continue
        if username in seen_usernames:
            bad("username", f"用户名“{username}”与第{seen_usernames[username]}行重复。")
            continue
        seen_usernames[username] = line
        routes = []
        names = [n for n in _SPLIT.split(v.text(row.get("routes"))) if n]
        if names and role not in (Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER):
            bad("routes", "只有客户经理和市场经理可以填写服务线路。")
            continue
        failed = False
        for route_name in names:
            candidates = [
                r for r in units.routes.get(v.key(route_name), [])
                if (station and r.station_id == station.pk) or (not station and branch and r.station.branch_id == branch.pk)
            ]  # fmt: skip
            if len(candidates) != 1:
                bad("routes", f"线路“{route_name}”不在{row.get('unit')}下（或不止一条同名线路）。")
                failed = True
                break
            route = candidates[0]
            key = (route.pk, role)
            if key in route_owner:
                bad("routes", f"线路“{route_name}”在第{route_owner[key]}行已分给另一位{Role(role).label}。")
                failed = True
                break
            route_owner[key] = line
            routes.append(route)
        if failed:
            continue
        user = existing.get(username)
        company = company or (branch.company if branch else units.company)
        values = {"full_name": name, "phone": phone, "role": role, "company": company, "branch": branch,
                  "station": station}  # fmt: skip
        plan.append((user, username, values, routes))
    return plan


def _write(plan, report, *, actor, now) -> None:
    from .services import contacts_changed

    contacts_changed()
    for user, username, values, routes in plan:
        if user is None:
            user = User(username=username, **values)
            user.set_unusable_password()
            user.save()
            report.created += 1
        elif any(getattr(user, f) != val for f, val in values.items()):
            for f, val in values.items():
                setattr(user, f, val)
            user.save()
            report.updated += 1
        else:
            report.unchanged += 1
        for route in routes:
            attr = "account_manager" if values["role"] == Role.ACCOUNT_MANAGER else "market_manager"
            if getattr(route, f"{attr}_id") != user.pk:
                setattr(route, attr, user)
                route.save(update_fields=[attr])
                report.routes_assigned += 1
    audit_record(actor=actor, action="org.staff.import", now=now,
                 summary=f"新增{report.created} 更新{report.updated} 线路分配{report.routes_assigned}",
                 data={"created": report.created, "updated": report.updated, "routes": report.routes_assigned})  # fmt: skip
