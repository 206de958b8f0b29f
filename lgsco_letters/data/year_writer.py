"""Writing a new year's folder: `year.yaml` carried on from the last, and the authorities as
`authorities.csv` or a workbook, figures empty. The folder appears whole or not at all."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from lgsco_letters.cells import FORMULA_STARTS, spreadsheet_safe
from lgsco_letters.data.schema import Schema
from lgsco_letters.data.values import MAX_COUNT
from lgsco_letters.data.yamlfiles import Plain, read_yaml, yaml_meaning
from lgsco_letters.data.year_keys import DATES
from lgsco_letters.errors import LettersError, Problem, display_path
from lgsco_letters.files import write_new_folder

SHIFTED = DATES  # moved on by the years between the two labels
WORKBOOK_SHEET = "authorities"


def years_on(value: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February."""
    try:
        return value.replace(year=value.year + years)
    except ValueError:
        return value.replace(year=value.year + years, day=28)


def year_yaml(old: dict[str, Any], old_label: str, label: str, years: int) -> str:
    """The new `year.yaml`: the old one's keys in their order, the label, `previous:` and the
    dates moved on, the prose carried with a note to check each value."""
    lines = [f"# The year-wide values of {label}, started from {old_label} by lgsco-letters "
             "new-year.", f"# Everything but the label, the dates and previous: is carried from "
             f"{old_label}: check it.",
             _line("year", label, "the reporting year"),
             _line("previous", old_label, "the year before, whose folder is beside this one")]
    for key, value in old.items():
        if key in ("year", "previous"):
            continue
        if key in SHIFTED and (day := _date(value)):
            lines.append(_line(key, years_on(day, years), f"{old_label}'s, {years} year"
                               f"{'s' if years > 1 else ''} on: check it"))
        elif key == "prose" and isinstance(value, dict) and value:
            lines.append("prose:")
            lines += [_line(name, item, f"as in {old_label}: check it for {label}", "  ")
                      for name, item in value.items()]
        else:
            lines.append(_dump({key: value}).rstrip("\n"))
    return "\n".join(lines) + "\n"


class _Flow(dict):
    """A mapping written on one line, as year.yaml writes each comparison group."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda dumper, data: dumper.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=True))


def _represent_text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    """A value read as written is written back as written: `58` stays a figure, `2018-21`
    text; text that a YAML reader would take for something else if written plain (`0800`,
    `1e3`, `yes`, `null`, `2018-7-18`, `010`: `yamlfiles.yaml_meaning`), in quotes."""
    meaning = data.meaning if isinstance(data, Plain) else "str"
    if meaning != "str":
        return dumper.represent_scalar(f"tag:yaml.org,2002:{meaning}", str(data))
    style = "'" if yaml_meaning(str(data)) != "str" else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style=style)


_Dumper.add_representer(Plain, _represent_text)
_Dumper.add_representer(str, _represent_text)


def _date(value: Any) -> date | None:
    """A date of year.yaml, as read (a date written YYYY-MM-DD), or None."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _dump(value: dict[str, Any], width: int = 100) -> str:
    """`key: value` as YAML, in block style, but for mappings within mappings (one line each:
    `county: {label: county councils, types: [county]}`)."""
    value = {key: {name: _Flow(item) if isinstance(item, dict) else item
                   for name, item in inner.items()} if isinstance(inner, dict) else inner
             for key, inner in value.items()}
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=width)


def _line(key: str, value: Any, comment: str, indent: str = "") -> str:
    text = _dump({key: value}, width=10_000).rstrip("\n")
    if "\n" in text:  # a value over several lines: the comment goes above it
        return "\n".join([f"{indent}# {comment}", *(indent + line for line in text.split("\n"))])
    return f"{indent}{text:<28}  # {comment}"


def intended(old: dict[str, Any], old_label: str, label: str, years: int) -> dict[str, Any]:
    """What the new `year.yaml` must read back as."""
    new = {"year": label, "previous": old_label}
    for key, value in old.items():
        if key not in ("year", "previous"):
            day = _date(value) if key in SHIFTED else None
            new[key] = Plain(years_on(day, years).isoformat(), "timestamp") if day else value
    return new


def checked_yaml(text: str, expected: dict[str, Any], folder: Path) -> str:
    """The text, once it reads back as exactly what was meant (a bug if it does not)."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "year.yaml"
        path.write_text(text, encoding="utf-8")
        problems: list[Problem] = []
        loaded = read_yaml(path, problems)
    if loaded is None or _as_read(loaded[0]) != _as_read(expected):
        raise AssertionError(f"year.yaml for {display_path(folder)} would not read back as "
                             f"written: {problems or loaded}")
    return text


def _as_read(value: Any) -> Any:
    """A value as a data file's reader sees it: text with what YAML makes of it (`0800` in
    quotes is text; written plain, a number that `check` refuses as text)."""
    if isinstance(value, dict):
        return {_as_read(key): _as_read(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_read(item) for item in value]
    if isinstance(value, str):
        return (str(value), value.meaning if isinstance(value, Plain) else "str")
    return value


def authorities_csv(rows: list[dict[str, str]], schema: Schema) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(schema.all_fields)
    for row in rows:
        writer.writerow([spreadsheet_safe(row.get(column, "")) for column in schema.all_fields])
    return buffer.getvalue()


def authorities_xlsx(rows: list[dict[str, str]], schema: Schema) -> bytes:
    """The authorities as a workbook for figures to be typed in: headers bold and frozen with
    the names, count columns whole numbers from 0 to the limit."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = WORKBOOK_SHEET
    sheet.append(list(schema.all_fields))
    for row in rows:
        sheet.append([_cell(row.get(column, "")) for column in schema.all_fields])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            _as_text(cell)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    counts = [i for i, name in enumerate(schema.all_fields, 1) if name in _count_columns(schema)]
    whole = DataValidation(type="whole", operator="between", formula1="0",
                           formula2=str(MAX_COUNT), allow_blank=True, showErrorMessage=True,
                           errorTitle="A count", error=f"A whole number from 0 to {MAX_COUNT:,}")
    sheet.add_data_validation(whole)
    last = len(rows) + 1
    for index in counts:
        letter = get_column_letter(index)
        for (cell,) in sheet.iter_rows(min_row=2, max_row=last, min_col=index, max_col=index):
            cell.number_format = "0"
        whole.add(f"{letter}2:{letter}{max(last, 2)}")
    for index, name in enumerate(schema.all_fields, 1):
        sheet.column_dimensions[get_column_letter(index)].width = 44 if index == 1 else max(
            12, len(name) + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _count_columns(schema: Schema) -> set[str]:
    return {f"{group.name}_{key}" for group in schema.counts for key in group.yaml_keys}


def _cell(value: str) -> Any:
    if value in ("true", "false"):
        return value == "true"
    return value or None


def _exists(target: Path) -> LettersError:
    return LettersError(f"{display_path(target)} already exists: new-year writes a new folder "
                        "and never changes one; remove it, or give another with --to")


def _as_text(cell: Any) -> None:
    """Text stays text: openpyxl takes `=...` for a formula, and a program would run `+...` or
    `-...` typed again; stored as text, marked with Excel's apostrophe (`quotePrefix`)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)


def refuse_existing(target: Path) -> None:
    if target.exists() or target.is_symlink():
        raise _exists(target)


def write_folder(target: Path, files: dict[str, str | bytes]) -> None:
    """Write the files into a new folder at `target`, whole or not at all (`files.py`)."""
    try:
        write_new_folder(target, files)
    except FileExistsError as error:
        if error.filename != str(target):
            raise
        raise _exists(target) from None
