"""Where imported shops go: finds or plans (unsaved) the company, branches, stations and routes named in a file.

Everything is read in a handful of queries up front; new units are kept as unsaved objects so that a dry
run or a failed import writes nothing, and are bulk-created, parents first, when the import commits.
"""

from collections import defaultdict

from serviceloop.org.models import Branch, Company, Route, Station

from .values import key

DEFAULT_COMPANY_NAME = "本市烟草公司"
_WEEKDAY_NAMES = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}
NO_VISIT_SUFFIX = "不访销"
UNSCHEDULED_SUFFIX = "未定访销日"
MAX_NAME = 100


def derived_route_name(station_name: str, order_cycle: str | None, weekday: int | None) -> str:
    """张湾市场部周一线 for Monday shops (weekly, odd or even weeks alike); 张湾市场部不访销 for none."""
    if order_cycle == "none":
        suffix = NO_VISIT_SUFFIX
    elif weekday:
        suffix = f"{_WEEKDAY_NAMES[weekday]}线"
    else:
        suffix = UNSCHEDULED_SUFFIX
    return station_name[: MAX_NAME - len(suffix)] + suffix


class OrgPlan:
    def __init__(self):
        self.company = Company.objects.order_by("pk").first()
        self.new_company = self.company is None
        if self.new_company:
            self.company = Company(name=DEFAULT_COMPANY_NAME)
        self.new_branches: list[Branch] = []
        self.new_stations: list[Station] = []
        self.new_routes: list[Route] = []
        self._branches: dict[str, Branch] = {}
        self._stations: dict[tuple[str, str], Station] = {}
        self._stations_by_name: dict[str, list[Station]] = defaultdict(list)
        self._routes: dict[tuple[str, str, str], Route] = {}
        self._routes_by_name: dict[str, list[Route]] = defaultdict(list)
        if self.new_company:
            return
        for branch in Branch.objects.filter(company=self.company):
            self._branches.setdefault(key(branch.name), branch)
        for station in Station.objects.filter(branch__company=self.company).select_related("branch"):
            self._add_station(station)
        for route in Route.objects.filter(station__branch__company=self.company).select_related(
            "station__branch"
        ):
            self._add_route(route)

    @staticmethod
    def _station_key(station: Station) -> tuple[str, str]:
        return key(station.branch.name), key(station.name)

    def _add_station(self, station: Station) -> None:
        self._stations.setdefault(self._station_key(station), station)
        self._stations_by_name[key(station.name)].append(station)

    def _add_route(self, route: Route) -> None:
        self._routes.setdefault((*self._station_key(route.station), key(route.name)), route)
        self._routes_by_name[key(route.name)].append(route)

    def branch(self, name: str) -> Branch:
        found = self._branches.get(key(name))
        if found is None:
            found = Branch(company=self.company, name=name)
            self._branches[key(name)] = found
            self.new_branches.append(found)
        return found

    def station(self, branch: Branch, name: str) -> Station:
        found = self._stations.get((key(branch.name), key(name)))
        if found is None:
            found = Station(branch=branch, name=name)
            self._add_station(found)
            self.new_stations.append(found)
        return found

    def route(self, station: Station, name: str) -> Route:
        found = self._routes.get((*self._station_key(station), key(name)))
        if found is None:
            found = Route(station=station, name=name)
            self._add_route(found)
            self.new_routes.append(found)
        return found

    def stations_named(self, name: str) -> list[Station]:
        return self._stations_by_name.get(key(name), [])

    def routes_named(self, name: str) -> list[Route]:
        return self._routes_by_name.get(key(name), [])

    def save(self) -> None:
        """Creates the planned units, parents first; bulk_create fills each child's parent id from the object."""
        if self.new_company:
            self.company.save()
        Branch.objects.bulk_create(self.new_branches)
        Station.objects.bulk_create(self.new_stations)
        Route.objects.bulk_create(self.new_routes)
