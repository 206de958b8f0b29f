"""An abolished authority's letter goes to its successor, so the successor must be a council
that goes on: a cycle of successors, or a successor itself taken over, is refused by `check`."""

from __future__ import annotations

from helpers import ADUR_ROW, CSV_HEADER


def row(name: str, successor: str = "") -> str:
    return ADUR_ROW.replace("Adur District Council", name).replace(",true,", ",true,", 1) + (
        f",{successor}")


def year_of(make_year, *rows: str):
    return make_year(csv="\n".join([CSV_HEADER + ",successor", *rows]) + "\n")


def check(run, folder) -> list[str]:
    result = run("check", "--data", folder)
    assert result.exit_code == 2, result.output
    return result.output.splitlines()


def test_successors_in_a_circle_are_refused(run, make_year):
    """Adur taken over by Worthing, and Worthing by Adur: `check` said "No problems", and each
    letter went to a council abolished too."""
    folder = year_of(make_year, row("Adur District Council", "Worthing Borough Council"),
                     row("Worthing Borough Council", "Adur District Council"),
                     row("Arun District Council"))
    assert check(run, folder)[1:] == [
        "  line 2 (Adur District Council), successor: the successors go round in a circle "
        '("Adur District Council" to "Worthing Borough Council" to "Adur District Council"): '
        "each names a council that in turn is taken over, and no letter would reach a council "
        "that goes on; name the council that took over in the end, or take the successor away "
        "from the one that goes on",
        "1 problem in 1 file."]


def test_a_successor_taken_over_in_turn_is_refused(run, make_year):
    folder = year_of(make_year, row("Adur District Council", "Arun District Council"),
                     row("Arun District Council", "West Sussex Council"),
                     row("Worthing Borough Council"))
    assert check(run, folder)[1:] == [
        '  line 2 (Adur District Council), successor: names "Arun District Council", which is '
        'taken over in turn (its successor is "West Sussex Council"): a letter goes to a '
        'council that goes on; name the council that took over in the end ("West Sussex '
        'Council")',
        "1 problem in 1 file."]


def test_a_successor_that_goes_on_is_fine(run, make_year):
    """Adur taken over by Worthing, which goes on: the letter goes to Worthing."""
    folder = year_of(make_year, row("Adur District Council", "Worthing Borough Council"),
                     row("Worthing Borough Council"))
    result = run("check", "--data", folder)
    assert result.exit_code == 0, result.output
