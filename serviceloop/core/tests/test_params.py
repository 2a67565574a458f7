"""Ids from query strings: only ASCII digits; past 64 bits an id no row has."""

import pytest

from serviceloop.core.params import ID_MAX, id_param


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
