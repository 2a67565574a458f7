"""Who sees and does what with trainings.

Reading: city-level staff see every session; branch-level staff their branch's; station-level staff (station
heads, account managers, inspectors of a station) their station's; anyone the sessions they train. Organising
(create, invite, hold, close, cancel): city admins anywhere, branch managers in their branch, station heads at
their station. Attendance is ticked by the organisers and the session's trainer. Topics: the city admin.
"""

from django.db.models import Q

from serviceloop.org.models import Role
from serviceloop.org.scope import NOTHING, is_city_level

ORGANISER_ROLES = {Role.CITY_ADMIN, Role.BRANCH_MANAGER, Role.STATION_HEAD}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def session_q(user, *, prefix: str = "") -> Q:
    if not _active(user):
        return NOTHING
    if user.is_superuser or is_city_level(user):
        return Q()
    own = Q(**{f"{prefix}trainer": user})
    if not user.role or user.role == Role.DEPARTMENT_STAFF:
        return own
    if user.unit_level == "branch":
        return Q(**{f"{prefix}branch_id": user.branch_id}) | own
    return Q(**{f"{prefix}station_id": user.station_id}) | own


def may_read(user) -> bool:
    return _active(user) and bool(user.is_superuser or user.role)


def may_organise(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in ORGANISER_ROLES)


def may_edit_topics(user) -> bool:
    return _active(user) and (user.is_superuser or user.role == Role.CITY_ADMIN)


def in_unit(user, *, branch_id, station_id) -> bool:
    """Whether a session's unit lies inside the organiser's own unit."""
    if user.is_superuser or user.role == Role.CITY_ADMIN:
        return True
    if user.role == Role.BRANCH_MANAGER:
        return branch_id == user.branch_id
    if user.role == Role.STATION_HEAD:
        return station_id is not None and station_id == user.station_id
    return False


def may_manage(user, session) -> bool:
    return may_organise(user) and in_unit(user, branch_id=session.branch_id, station_id=session.station_id)


def may_take_attendance(user, session) -> bool:
    return may_manage(user, session) or (_active(user) and session.trainer_id == user.pk)


def may_see_coverage(user) -> bool:
    """Coverage by station: the organisers, supervisors and market managers (and the city's readers)."""
    return _active(user) and (
        user.is_superuser or user.role in ORGANISER_ROLES | {Role.SUPERVISOR, Role.MARKET_MANAGER}
    )
