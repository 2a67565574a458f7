"""Standing test (issue 13): every route of the URLconf × every actor (anonymous, a user with no role, each
role, and an account manager of another branch), on an object in scope and one out of scope, must answer
the status written here. A route without an entry fails the test: whoever adds a route decides who may
open it. Statuses: 200, 403, 404, 405, "L" (sent to the log-in page), "R" (another redirect), 401, 429.

The rules behind the table are docs/roles.md. GET only: posting is covered by each app's own tests
(outsiders refused); a GET on a POST-only route must not do anything (405 or a redirect).
"""

import os

import pytest
from django.test import Client

from .matrix import ACTORS, build, paths, routes

pytestmark = pytest.mark.django_db

# route → (statuses in scope, statuses out of scope or None), one character group per actor in ACTORS order:
# anonymous, no_role, city_admin, branch_manager, station_head, market_manager, account_manager, agent,
# supervisor, inspector, outsider
EXPECTED: dict[str, tuple[str, str | None]] = {}


def status_of(response) -> str:
    if response.status_code in (301, 302):
        return "L" if "/login/" in response["Location"] else "R"
    return str(response.status_code)


def observe(world):
    from serviceloop.core.testing import make_user

    fx = build(world)
    users = {name: getattr(world, name) for name in ACTORS[2:]}
    users["no_role"] = make_user("no_role", "", company=world.company)
    table = {}
    for name, (path_in, path_out) in sorted(paths(fx).items()):
        row = []
        for path in (path_in, path_out):
            if path is None:
                row.append(None)
                continue
            codes = []
            for actor in ACTORS:
                client = Client(REMOTE_ADDR="10.0.0.1")
                if actor != "anonymous":
                    client.force_login(users[actor])
                codes.append(status_of(client.get(path)))
            row.append(" ".join(codes))
        table[name] = tuple(row)
    return table


def test_every_route_has_an_entry_in_the_matrix(world):
    fx_paths = paths(build(world))
    assert routes() - set(fx_paths) == set(), "routes without a path in matrix.paths()"
    if not os.environ.get("MATRIX_PRINT"):
        assert routes() - set(EXPECTED) == set(), (
            "routes without an entry in EXPECTED: decide who may open them"
        )


def test_every_actor_gets_the_expected_status_on_every_route(world):
    observed = observe(world)
    if os.environ.get("MATRIX_PRINT"):
        for name, (row_in, row_out) in observed.items():
            print(f"    {name!r}: ({row_in!r}, {row_out!r}),")
        return
    wrong = []
    for name, (row_in, row_out) in observed.items():
        want = EXPECTED.get(name)
        if want is None:
            continue
        for label, got, expected in (("in", row_in, want[0]), ("out", row_out, want[1])):
            if got != expected:
                pairs = [
                    f"{actor}: {g} (expected {e})"
                    for actor, g, e in zip(
                        ACTORS, (got or "").split(), (expected or "").split(), strict=False
                    )
                    if g != e
                ]
                wrong.append(f"{name} [{label}]: " + ", ".join(pairs))
    assert not wrong, "\n".join(wrong)
