"""The README's tables of an authority's fields and of year.yaml's keys are the declarations'
(`data/fields.py`, `data/year_keys.py`, a format's own keys): each key is declared once, and its
documentation cannot drift from it. A failure prints the table the README should hold."""

from __future__ import annotations

import dataclasses
import re

from helpers import ROOT
from lgsco_letters.data.fields import SHARED, WRITTEN
from lgsco_letters.data.models import Year
from lgsco_letters.data.year_keys import YEAR_KEYS
from lgsco_letters.formats import all_formats, get_format

README = (ROOT / "README.md").read_text(encoding="utf-8")
INDENT = "  "  # the tables sit in the list of a year's files


def _row(*cells: str) -> str:
    return f"{INDENT}| {' | '.join(cells)} |"


def _shared_row(entry) -> str:
    names = ", ".join(f"`{field.name}`" for field in entry.fields)
    kinds = ", ".join(dict.fromkeys(field.kind for field in entry.fields))
    if entry.nested:
        return _row(f"`{entry.key}: {{{', '.join(f.key for f in entry.fields)}}}`", names,
                    kinds, entry.doc)
    (field,) = entry.fields
    yaml, csv = WRITTEN.get(field.kind, ("", ""))
    return _row(f"`{entry.key}: {yaml}`" if yaml else f"`{entry.key}`",
                f"{names}, {csv}" if csv else names, kinds, entry.doc)


def _counts_row(group) -> str:
    columns = [f"{group.name}_{key}" for key in group.yaml_keys]
    return _row(f"`{group.name}: {{{', '.join(group.yaml_keys)}}}`",
                f"`{columns[0]}` ... `{columns[-1]}`", "counts",
                group.doc + ("; `total` optional" if group.total else ""))


def fields_table() -> str:
    counts = get_format("tables-2018").counts
    return "\n".join([_row("YAML", "CSV column", "kind", ""), f"{INDENT}|---|---|---|---|",
                      *map(_shared_row, SHARED), *map(_counts_row, counts)]).replace("|  |", "| |")


def keys_table() -> str:
    rows = [_row(f"`{key.key}`", key.kind, ("optional: " if key.optional else "") + key.doc)
            for key in YEAR_KEYS]
    return "\n".join([_row("key", "kind", ""), f"{INDENT}|---|---|---|", *rows]).replace(
        "|  |", "| |")


def test_the_readmes_table_of_fields_is_the_declarations():
    assert fields_table() in README, f"The README's table of fields should be:\n{fields_table()}"


def test_the_readmes_table_of_year_keys_is_the_declarations():
    assert keys_table() in README, f"The README's table of year.yaml keys should be:\n" \
                                   f"{keys_table()}"


def test_each_formats_own_keys_are_the_readmes():
    for name, letter_format in all_formats().items():
        row = next(line for line in README.splitlines() if line.startswith(f"| `{name}`"))
        said = re.findall(r"`([a-z_]+)`", row.rsplit("|", 2)[-2])
        assert said == [setting.key for setting in letter_format.settings], name


def test_every_year_key_is_a_value_of_the_year():
    named = {field.name for field in dataclasses.fields(Year)}
    stored = {key.attr for key in YEAR_KEYS if key.key != "format"}
    assert stored == named - {"folder", "authorities", "format", "settings", "shared",
                              "before"}  # the year `previous` names, loaded
