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
    (1, 199, 1), (199, 1, 100 - 1),
])
def test_uphold_rate_is_a_whole_percentage_rounded_half_up(upheld, not_upheld, rate):
    assert uphold_rate(upheld, upheld + not_upheld) == rate


@pytest.mark.parametrize(("part", "whole", "rate"), [
    (249, 250, 99), (999, 1000, 99), (199, 200, 99),  # 99.6, 99.9, 99.5: short of all
    (1, 250, 1), (1, 400, 1), (1, 1000, 1),  # 0.4, 0.25, 0.1: more than none
    (250, 250, 100), (0, 250, 0), (1, 1, 100), (0, 1, 0), (995, 1000, 99), (985, 1000, 99),
])
def test_a_rate_is_100_only_for_all_and_0_only_for_none(part, whole, rate):
    """249 of 250 complied with is not 100%: a letter that printed 100% beside "a rate below
    100% is rare, and should be scrutinised" contradicted itself."""
    assert uphold_rate(part, whole) == rate


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
