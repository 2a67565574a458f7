"""Who may do what to a request they can see. Pages, API and services ask the same function."""

from serviceloop.org.models import Role

from .conf import conf
from .models import Kind, Status

DESK_ROLES = {Role.CITY_ADMIN, Role.AGENT, Role.BRANCH_MANAGER, Role.STATION_HEAD}

# action → the status it moves to (None: no status change, or decided by the service)
ACTIONS = {
    "acknowledge": Status.ACKNOWLEDGED,
    "answer": Status.ANSWERED,
    "dispatch": Status.DISPATCHED,
    "start": Status.IN_PROGRESS,
    "report": None,
    "resolve": Status.RESOLVED,
    "hold": Status.ON_HOLD,
    "resume": None,
    "merge": Status.MERGED,
    "cancel": Status.CANCELLED,
    "follow_up": None,
    "close": Status.CLOSED,
    "reopen": Status.REOPENED,
    "hand_back": None,
    "note": None,
}


def is_desk(user, request) -> bool:
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if request.kind == Kind.REPORT:
        return user.role in (Role.INSPECTOR, Role.CITY_ADMIN)
    return user.role in DESK_ROLES


def may_file_kind(user, kind) -> bool:
    """Inspectors (市场管理员/专卖) file reports (举报) only: other requests belong to the marketing side."""
    if user.is_superuser or user.role != Role.INSPECTOR:
        return True
    return kind == Kind.REPORT


def may_file(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and (
            user.is_superuser
            or user.role
            in (DESK_ROLES | {Role.ACCOUNT_MANAGER, Role.MARKET_MANAGER, Role.INSPECTOR, Role.SUPERVISOR})
        )
    )


def may(user, action: str, request) -> bool:
    """Role rule only; the caller has already checked the request is visible to the user."""
    desk = is_desk(user, request)
    owner = user is not None and request.owner_id == user.pk
    if action == "note":
        return True
    if action == "acknowledge":
        return desk or owner or (user.role == Role.ACCOUNT_MANAGER and request.kind != Kind.REPORT)
    if action in ("answer", "dispatch", "merge", "cancel"):
        return desk
    if action in ("start", "report", "resolve", "hold", "resume"):
        return desk or owner
    if action == "hand_back":
        # An owner outside the desk (an account manager who took a complaint at the shop, a department)
        # may give it back to the desk instead of being stuck with it; the desk simply dispatches again.
        return owner and not desk
    if action in ("follow_up", "reopen"):
        # The call-back (回访) may be made by the desk or, as an independent check, by a supervisor (督察考评
        # 中心: 投诉受理、检查督导); never by the person who handled the request (FOLLOW_UP_BY_OTHER).
        if (
            conf("FOLLOW_UP_BY_OTHER")
            and action == "follow_up"
            and user.pk in (request.handler_id, request.owner_id)
        ):
            return False
        return desk or user.role == Role.SUPERVISOR or user.is_superuser
    if action == "close":
        return desk  # closing the loop is the desk's act; supervisors check it, they do not run it
    return False


def status_allows(action: str, request) -> bool:
    s = request.status
    if action == "acknowledge":
        return s == Status.NEW
    if action == "answer":
        return s == Status.ACKNOWLEDGED and request.kind == Kind.INQUIRY
    if action == "dispatch":
        return s in (Status.ACKNOWLEDGED, Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED)
    if action == "start":
        return s in (Status.DISPATCHED, Status.REOPENED)
    if action == "report":
        return s in (Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED)
    if action == "resolve":
        return s == Status.IN_PROGRESS
    if action == "hold":
        return s in (Status.NEW, Status.ACKNOWLEDGED, Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED)
    if action == "resume":
        return s == Status.ON_HOLD
    if action == "merge":
        return s in (Status.NEW, Status.ACKNOWLEDGED)
    if action == "cancel":
        return s in (Status.NEW, Status.ACKNOWLEDGED, Status.DISPATCHED, Status.ON_HOLD)
    if action == "follow_up":
        return s in (Status.RESOLVED, Status.ANSWERED)
    if action == "close":
        return s == Status.FOLLOWED_UP
    if action == "reopen":
        return s in (Status.RESOLVED, Status.ANSWERED, Status.FOLLOWED_UP, Status.CLOSED)
    if action == "hand_back":
        return s in (Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED)
    return action == "note"


def allowed_actions(user, request) -> list[str]:
    return [a for a in ACTIONS if status_allows(a, request) and may(user, a, request)]
