"""Derived figures: totals and the uphold rate, rounded half up, absent without investigations."""

from __future__ import annotations

import pytest

from helpers import BUNDLED_YEAR
from lgsco_letters.data.names import select_authorities
from lgsco_letters.formats.base import rate as uphold_rate
from lgsco_letters.formats.tables_2018 import figures as tables_figures
from lgsco_letters.project import load_year


@pytest.mark.parametrize(("upheld", "not_upheld", "rate"), [
    (1, 1, 50), (1, 7, 13), (3, 5, 38), (1, 2, 33), (2, 1, 67), (0, 4, 0), (5, 0, 100),
    (1, 199, 1), (1, 399, 0),
])
def test_uphold_rate_is_a_whole_percentage_rounded_half_up(upheld, not_upheld, rate):
    assert uphold_rate(upheld, upheld + not_upheld) == rate


def test_no_detailed_investigations_means_no_rate():
    assert uphold_rate(0, 0) is None


def test_bromsgrove_figures():
    year = load_year(BUNDLED_YEAR)
    (bromsgrove,) = select_authorities(year, ["Bromsgrove District Council"])
    figures = tables_figures(year, bromsgrove)
    assert list(figures.received.values()) == [0, 2, 0, 0, 1, 0, 0, 8, 0]
    assert figures.received_total == 11
    assert figures.decided_total == 11
    assert figures.detailed_investigations == 2
    assert figures.uphold_rate == 50


def test_bundled_specimens_land_near_the_national_figures():
    year = load_year(BUNDLED_YEAR)
    figures = [tables_figures(year, authority) for authority in year.authorities]
    investigations = sum(f.detailed_investigations for f in figures)
    upheld = sum(f.decided["upheld"] for f in figures)
    assert sum(f.received_total for f in figures) == 17_452
    assert investigations == 4_020
    assert round(100 * upheld / investigations) == 57
