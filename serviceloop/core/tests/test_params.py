"""Ids from query strings: only ASCII digits; past 64 bits an id no row has."""

import datetime as dt

import pytest

from serviceloop.core.params import ID_MAX, date_param, id_param


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        (5, 5),
        (str(ID_MAX), ID_MAX),
        (str(ID_MAX + 1), 0),
        ("317106406891756320072925184", 0),
        ("", None),
        (None, None),
        ("-3", None),
        ("²", None),
        ("１２", None),
        ("1e3", None),
        ("12abc", None),
    ],
)
def test_it_reads_ids_and_nothing_else(text, expected):
    assert id_param(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-11-02", dt.date(2026, 11, 2)), (" 2026-11-02 ", dt.date(2026, 11, 2)), ("2026-02-30", None),
     ("x", None), ("", None), (None, None)],
)  # fmt: skip
def test_it_reads_dates_and_nothing_else(text, expected):
    assert date_param(text) == expected


ODD = ["²", "１２", "-1", "317106406891756320072925184", "1e3"]
PAGES = [
    ("/tags/", "tag"), ("/tags/", "station"), ("/evaluation/grades/", "year"), ("/visits/cycle/", "manager"),
    ("/portal/cards/", "station"), ("/org/routes/", "station"), ("/trade/orders/", "customer"),
    ("/trade/points/", "station"), ("/guidance/", "station"), ("/supervision/risks/", "branch"),
    ("/evaluation/grades/", "station"), ("/customers/", "station"), ("/customers/", "route"), ("/guidance/", "route"),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "key"), PAGES)
def test_pages_answer_odd_ids_instead_of_failing(client, world, path, key):
    client.force_login(world.city_admin)
    for value in ODD:
        assert client.get(path, {key: value}).status_code < 500, (path, key, value)


@pytest.mark.django_db
def test_attaching_a_tag_from_an_odd_visit_id_answers(client, world):
    client.force_login(world.account_manager)
    shop = world.shops["张湾1号线"][0]
    for value in ODD:
        assert client.get(f"/tags/attach/{shop.pk}/", {"visit": value}).status_code < 500, value
