"""`summary`: England's totals and measures, and each comparison group's, from the year's data,
for staff to check against the published annual review before a mass run."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from lgsco_letters.cells import spreadsheet_safe
from lgsco_letters.data.models import Year


def summarise(year: Year) -> dict[str, Any]:
    """The year's figures, as the format computes them: `england` and `groups` by key."""
    figures = year.format.summary(year)
    summary = {"year": year.label, "format": year.format.name, "england": figures["england"],
               "groups": figures["groups"], "measures": figures.get("measures", {})}
    if "previous" in figures:  # the year before, keyed the same (`previous:`)
        summary["previous"] = figures["previous"]
    return summary


def _rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    england = {"area": "england", "label": "England", **summary["england"]}
    return [england, *({"area": key, **group} for key, group in summary["groups"].items())]


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns


def as_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=1, ensure_ascii=False)


def _years(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The year's summary, and the year before's (`previous`) as a summary of its own."""
    before = summary.get("previous")
    if not before:
        return [summary]
    return [summary, {**summary, **before,
                      "format": f"the year before, by the {summary['format']} measures"}]


def as_csv(summary: dict[str, Any]) -> str:
    """One row per area, the year before's after this year's, each with its year."""
    rows = [(year["year"], row) for year in _years(summary) for row in _rows(year)]
    columns = _columns([row for _, row in rows])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["year", *columns])
    for label, row in rows:
        writer.writerow([label, *(spreadsheet_safe(row.get(column)) for column in columns)])
    return buffer.getvalue().rstrip("\n")


def _cell(column: str, value: Any, summary: dict[str, Any]) -> str:
    if value is None:
        return "n/a"
    if column in summary["measures"]:  # a rate is a measure's, whatever its key
        return f"{value}%"
    return f"{value:,}" if isinstance(value, int) else str(value)


def as_text(summary: dict[str, Any]) -> str:
    """One line per figure: England's, then each group's beside it; the year before's
    (`previous`) in a table of its own after."""
    tables = [_table(year) for year in _years(summary)]
    if defined := [words for words in summary["measures"].values() if words["definition"]]:
        tables.append("\n".join(f"{words['title']}: {words['definition']}" for words in defined))
    return "\n\n".join(tables)


def _table(summary: dict[str, Any]) -> str:
    rows = _rows(summary)
    columns = [column for column in _columns(rows) if column not in ("area", "label")]
    names = [row["label"] for row in rows]
    width = max(len(_label(column, summary)) for column in columns) + 2
    cells = [[_cell(column, row.get(column), summary) for row in rows] for column in columns]
    widths = [max(len(names[i]), *(len(line[i]) for line in cells)) for i in range(len(rows))]
    what = "England and its comparison groups" if summary["groups"] else "England"
    lines = [f"{summary['year']} ({summary['format']}): {what}", "",
             " " * width + "  ".join(name.rjust(w) for name, w in zip(names, widths,
                                                                           strict=True))]
    for column, line in zip(columns, cells, strict=True):
        lines.append(_label(column, summary).ljust(width) + "  ".join(
            cell.rjust(w) for cell, w in zip(line, widths, strict=True)))
    return "\n".join(lines)


def _label(column: str, summary: dict[str, Any]) -> str:
    """A figure's name: a measure's as the Ombudsman names it, else its key in words."""
    words = summary["measures"].get(column)
    return words["title"] if words else column.replace("_", " ")
