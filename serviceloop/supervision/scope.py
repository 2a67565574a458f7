"""Who sees and does what in supervision (docs/roles.md, supervision part).

Inspectors (市场管理员) work within their branch (or station); supervisors (督察考评) at city level see the whole
city, a branch supervisor their branch. Branch managers and city admins read the same as the supervisors of their
unit. Station heads see their station's risks and rectifications; anyone sees what is assigned to them.
"""

from django.db.models import Q

from serviceloop.org.models import Role
from serviceloop.org.scope import NOTHING, is_city_level

SUPERVISION_ROLES = {Role.SUPERVISOR, Role.INSPECTOR}
READER_ROLES = SUPERVISION_ROLES | {Role.BRANCH_MANAGER, Role.CITY_ADMIN}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_inspector(user) -> bool:
    """Inspectors and supervisors: they draw samples and record findings."""
    return _active(user) and (user.is_superuser or user.role in SUPERVISION_ROLES)


def may_read_plans(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in READER_ROLES)


def may_plan(user) -> bool:
    return is_inspector(user) or (_active(user) and user.role == Role.CITY_ADMIN)


def unit_q(user, *, branch: str, station: str) -> Q:
    """The units a supervision reader works in: the city, a branch or a station (by their own place)."""
    if not _active(user):
        return NOTHING
    if user.is_superuser or user.role == Role.CITY_ADMIN:
        return Q()
    if user.role in READER_ROLES:
        if user.unit_level == "company":
            return Q()
        if user.unit_level == "branch":
            return Q(**{branch: user.branch_id})
        return Q(**{station: user.station_id})
    if user.role == Role.STATION_HEAD:
        return Q(**{station: user.station_id})
    return NOTHING


def plan_q(user) -> Q:
    """City-wide plans and the plans of one's own branch (their items are still cut to one's unit)."""
    if not may_read_plans(user):
        return NOTHING
    if user.is_superuser or is_city_level(user):
        return Q()
    return Q(branch__isnull=True) | Q(branch_id=user.branch_id)


def rectification_q(user) -> Q:
    if not _active(user):
        return NOTHING
    unit = unit_q(user, branch="station__branch", station="station")
    # An empty Q is "everything", but OR-ing it keeps only the other side: return it as it is.
    return unit if not unit else unit | Q(owner=user)


def risk_q(user) -> Q:
    """City-level readers see the whole register; a branch reader the branch's (county and station) risks; a
    station head the station's; everyone the risks they own."""
    if not _active(user):
        return NOTHING
    own = Q(owner=user)
    if user.is_superuser or (user.role in READER_ROLES and user.unit_level == "company"):
        return Q()
    if user.role in READER_ROLES and user.unit_level == "branch":
        return Q(branch_id=user.branch_id) | own
    if user.role in READER_ROLES or user.role == Role.STATION_HEAD:
        return Q(station_id=user.station_id) | own
    return own


def may_read_register(user) -> bool:
    return _active(user) and (
        user.is_superuser or user.role in READER_ROLES or user.role == Role.STATION_HEAD
    )


def may_raise_risk(user) -> bool:
    return may_read_register(user)


def levels_for(user) -> list[str]:
    """The register levels a user may raise risks at."""
    if user.is_superuser or (user.role in READER_ROLES and user.unit_level == "company"):
        return ["city", "branch", "station"]
    if user.role in READER_ROLES and user.unit_level == "branch":
        return ["branch", "station"]
    if user.role in READER_ROLES or user.role == Role.STATION_HEAD:
        return ["station"]
    return []


def in_unit(user, *, branch_id, station_id) -> bool:
    """Whether a unit (branch and/or station; both None = the city) lies inside the user's unit."""
    if user.is_superuser or user.role == Role.CITY_ADMIN or user.unit_level == "company":
        return user.is_superuser or user.role in READER_ROLES
    if user.unit_level == "branch":
        return branch_id is not None and branch_id == user.branch_id
    return station_id is not None and station_id == user.station_id


def may_review_risk(user, risk) -> bool:
    """Review (close or send back) is the supervisors' and managers' word, never the owner's own."""
    if not _active(user) or (risk.owner_id == user.pk and not user.is_superuser):
        return False
    if user.is_superuser:
        return True
    if user.role not in READER_ROLES:
        return False
    return in_unit(user, branch_id=risk.branch_id, station_id=risk.station_id)


def may_work_risk(user, risk) -> bool:
    """The owner, or anyone who may raise risks at the risk's unit, records measures and submits for review."""
    if not _active(user):
        return False
    if user.is_superuser or risk.owner_id == user.pk:
        return True
    if risk.level not in levels_for(user):
        return False
    if user.role == Role.STATION_HEAD:
        return risk.station_id == user.station_id
    return in_unit(user, branch_id=risk.branch_id, station_id=risk.station_id)
