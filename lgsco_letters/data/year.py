"""A year's folder: `year.yaml` and the authorities, loaded into typed records or refused whole."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from lgsco_letters.data.limits import MAX_YAML_FILES
from lgsco_letters.data.models import Year
from lgsco_letters.data.schema import YEAR_KINDS, Schema
from lgsco_letters.data.sources import read_authority_yaml, read_csv
from lgsco_letters.data.spreadsheets import read_workbook
from lgsco_letters.data.validate import authorities_from
from lgsco_letters.data.yamlfiles import read_yaml
from lgsco_letters.data.year_settings import SettingReader
from lgsco_letters.errors import DataError, LettersError, Problem, display_path
from lgsco_letters.formats import DEFAULT_FORMAT, all_formats, get_format
from lgsco_letters.formats.base import Format
from lgsco_letters.words import suggest

YEAR_FILE = "year.yaml"
AUTHORITIES_CSV = "authorities.csv"
AUTHORITIES_DIR = "authorities"
WORKBOOKS = (".xlsx", ".ods")
AUTHORITY_FILES = (".csv", *WORKBOOKS)
YEAR_KEYS = tuple(dict.fromkeys(key.partition(".")[0] for key in YEAR_KINDS))


def load_year(folder: Path, templates: Path | None = None) -> Year:
    """Load and validate a whole year; raise `DataError` listing every problem found.
    With `templates`, the letter template year.yaml names must be in that folder."""
    folder = Path(folder)
    _refuse_a_folder_of_years(folder)
    if not folder.is_dir():
        raise LettersError(f"{display_path(folder)}: no such year folder (expected a folder "
                           f"holding {YEAR_FILE} and {AUTHORITIES_CSV} or {AUTHORITIES_DIR}/)")
    problems: list[Problem] = []
    reader = _read_year_yaml(folder / YEAR_FILE, problems)
    letter_format = _format_of(reader) if reader else None
    if letter_format is None:  # without its format, no authority can be read
        raise DataError(problems)
    settings = _year_settings(reader, letter_format, templates)
    records = _authority_records(folder, letter_format.schema, problems)
    earlier = _previous_names(folder, settings, records)
    authorities = authorities_from(records, letter_format, problems, earlier)
    if settings is not None:
        letter_format.check_year(settings["settings"], authorities, problems)
    if problems or settings is None:
        raise DataError(problems)
    authorities.sort(key=lambda authority: authority.name.casefold())
    year = Year(folder=folder, authorities=tuple(authorities), format=letter_format,
                **settings)
    return dataclasses.replace(year, shared=letter_format.year_figures(year))


def _previous_names(folder: Path, settings: dict[str, Any] | None,
                    records: list) -> tuple[str, set[str]] | None:
    """The label and authorities' names of the year before (`previous:`), when a council of
    this year names its predecessors: its files read for names alone (that year's own check
    judges the rest); None when there is nothing to check, or nothing there can be read."""
    previous = settings.get("previous") if settings else ""
    if not previous or not any(record.values.get("predecessors") for record in records):
        return None
    found = _authority_records(folder.parent / previous, Schema(()), [])
    names = {record.name for record in found if record.name}
    return (previous, names) if names else None


def _refuse_a_folder_of_years(folder: Path) -> None:
    """`--data data` names the folder that holds the years: say which years it holds."""
    if not folder.is_dir() or (folder / YEAR_FILE).exists():
        return
    years = sorted(child for child in folder.iterdir() if (child / YEAR_FILE).is_file())
    if years:
        listed = ", ".join(display_path(year) for year in years)
        raise LettersError(f"{display_path(folder)} holds years, not one year's {YEAR_FILE}: "
                           f"give one of them with --data: {listed}")


def _authority_records(folder: Path, schema: Schema, problems: list[Problem]) -> list:
    """Every authority the folder holds, from each kind of file it may hold them in; any other
    file is reported, so that nothing in a year's folder is silently passed over."""
    records = []
    for path in _year_files(folder, problems):
        if path.suffix.lower() == ".csv":
            records += read_csv(path, schema, problems)
        elif path.suffix.lower() in WORKBOOKS:
            records += read_workbook(path, schema, problems)
        elif (record := read_authority_yaml(path, schema, problems)) is not None:
            records.append(record)
    if not records and not problems:
        problems.append(Problem(folder, f"holds no authorities: expected {AUTHORITIES_CSV}, "
                                        f"authorities.xlsx, authorities.ods or "
                                        f"{AUTHORITIES_DIR}/*.yaml"))
    return records


def _year_files(folder: Path, problems: list[Problem]) -> list[Path]:
    """The files with authorities in them; every other file reported."""
    found = []
    for path in sorted(folder.iterdir(), key=lambda path: (path.is_dir(), path.name)):
        if _passed_over(path) or path.name == YEAR_FILE:
            continue
        if path.name == AUTHORITIES_DIR and path.is_dir():
            found += _yaml_files(path, problems)
        elif path.stem == "authorities" and path.suffix.lower() in AUTHORITY_FILES:
            found.append(path)
        else:
            problems.append(Problem(path, _unread(path)))
    return found


def _yaml_files(folder: Path, problems: list[Problem]) -> list[Path]:
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in (".yaml", ".yml") and path.is_file():
            found.append(path)
        elif not _passed_over(path):
            problems.append(Problem(path, f"is not read: {AUTHORITIES_DIR}/ holds one "
                                          ".yaml file per authority"))
        if len(found) > MAX_YAML_FILES:
            problems.append(Problem(folder, f"holds more than {MAX_YAML_FILES:,} files: a year "
                                            "has a few hundred authorities (is it the right "
                                            "folder?)"))
            return []
    return found


def _passed_over(path: Path) -> bool:
    """Hidden files and the lock files office programs leave beside an open workbook."""
    return path.name.startswith((".", "~$"))


def _unread(path: Path) -> str:
    kinds = ", ".join(sorted(AUTHORITY_FILES))
    if path.stem == "authorities":
        return (f"is not a kind of file lgsco-letters reads: the authorities may be in "
                f"authorities{kinds.replace(', ', ', authorities')} files, or "
                f"{AUTHORITIES_DIR}/*.yaml (save it as one of those)")
    return (f"is not read: a year's folder holds {YEAR_FILE}, the authorities "
            f"(authorities.csv, .xlsx or .ods, and/or {AUTHORITIES_DIR}/*.yaml), and nothing "
            "else; move it elsewhere")


def _read_year_yaml(path: Path, problems: list[Problem]) -> SettingReader | None:
    if not path.is_file():
        problems.append(Problem(path, "is missing: every year folder needs one"))
        return None
    loaded = read_yaml(path, problems)
    return SettingReader(path, *loaded, problems) if loaded is not None else None


def _format_of(reader: SettingReader) -> Format | None:
    """The year's format: `format:`, or the first format when the key is absent."""
    name = reader.text("format", default=DEFAULT_FORMAT)
    letter_format = get_format(name)
    if letter_format is None and name:
        known = ", ".join(sorted(all_formats()))
        hint = suggest(name, list(all_formats()))
        reader.report("format", f'no format is called "{name}"{hint}; the formats are: {known}')
    return letter_format


def _year_settings(reader: SettingReader, letter_format: Format,
                   templates: Path | None) -> dict[str, Any] | None:
    before = len(reader.problems)
    keys = (*YEAR_KEYS, *letter_format.settings)
    for key in reader.values:
        if key not in keys:
            reader.report(key, f"unknown key{reader.hints(key, keys)}")
    label = reader.reporting_year(reader.path.parent.name)
    settings = {
        "label": label,
        "letter_date": reader.date("letter_date"),
        "period_end": reader.date("period_end"),
        "template": reader.template(letter_format.template, templates),
        "delivery": reader.text("delivery"),
        "signatory": reader.signatory(),
        "prose": reader.prose(),
        "previous": reader.previous(label),
        "copied_to": reader.copied_to(),
        "settings": {key: read(reader) for key, read in letter_format.settings.items()},
    }
    return settings if len(reader.problems) == before else None
