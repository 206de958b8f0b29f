"""A year's folder: `year.yaml` and the authorities, loaded into typed records or refused whole."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from lgsco_letters.data.before import before
from lgsco_letters.data.limits import MAX_YAML_FILES
from lgsco_letters.data.models import Before, Formats, LetterFormat, Year
from lgsco_letters.data.schema import Schema
from lgsco_letters.data.sources import read_authority_yaml, read_csv
from lgsco_letters.data.spreadsheets import read_workbook
from lgsco_letters.data.validate import authorities_from
from lgsco_letters.data.yamlfiles import read_yaml
from lgsco_letters.data.year_keys import FORMAT, TEMPLATE, YEAR_KEYS
from lgsco_letters.data.year_settings import SettingReader, is_reporting_year
from lgsco_letters.errors import DataError, LettersError, Problem, display_path
from lgsco_letters.words import suggest

YEAR_FILE = "year.yaml"
AUTHORITIES_CSV = "authorities.csv"
AUTHORITIES_DIR = "authorities"
WORKBOOKS = (".xlsx", ".ods")
AUTHORITY_FILES = (".csv", *WORKBOOKS)


def read_year(folder: Path, formats: Formats, templates: Path | None = None, *,
              with_before: bool = True) -> Year:
    """Load and validate a whole year, in the format its year.yaml names among `formats`;
    raise `DataError` listing every problem found. With `templates`, the letter template
    year.yaml names must be in that folder. The year `previous:` names is loaded with it
    (`Year.before`), unless not `with_before` (that year's own year before is never needed)."""
    folder = Path(folder)
    _refuse_a_folder_of_years(folder)
    if not folder.is_dir():
        raise LettersError(f"{display_path(folder)}: no such year folder (expected a folder "
                           f"holding {YEAR_FILE} and {AUTHORITIES_CSV} or {AUTHORITIES_DIR}/)")
    problems: list[Problem] = []
    reader = _read_year_yaml(folder / YEAR_FILE, problems, templates)
    letter_format = _format_of(reader, formats) if reader else None
    if letter_format is None:  # without its format, no authority can be read
        raise DataError(problems)
    settings = _year_settings(reader, letter_format)
    records = _authority_records(folder, letter_format.schema, problems)
    authorities = authorities_from(records, letter_format, problems)
    if settings is not None:
        letter_format.check_year(settings["settings"], authorities, problems)
    if problems or settings is None:
        raise DataError(problems)
    authorities.sort(key=lambda authority: authority.name.casefold())
    year = Year(folder=folder, authorities=tuple(authorities), format=letter_format,
                **settings)
    if with_before and year.previous:
        year = dataclasses.replace(year, before=_the_year_before(year, formats, reader))
    return dataclasses.replace(year, shared=letter_format.year_figures(year))


def _the_year_before(year: Year, formats: Formats, reader: SettingReader) -> Before:
    """The year `previous:` names, whole, its authorities matched to this year's; a year that
    does not load is a problem at `previous`, its own problems listed after it."""
    folder = year.folder.parent / year.previous
    try:
        earlier = read_year(folder, formats, with_before=False)
    except DataError as error:
        reader.report("previous", f"the year before, {year.previous}, does not load (its "
                                  f"problems, in {display_path(folder)}, are listed too)")
        raise DataError([*reader.problems, *error.problems]) from None
    except LettersError as error:
        reader.report("previous", f"the year before, {year.previous}, does not load: {error}")
        raise DataError(reader.problems) from None
    if earlier.label != year.previous:
        reader.report("previous", f"the folder {display_path(folder)} holds the year "
                                  f"{earlier.label} (its year.yaml's year:), not {year.previous}")
    found = before(year, earlier, reader.problems)
    if reader.problems:
        raise DataError(reader.problems)
    return found


def previous_folder(folder: Path) -> Path | None:
    """The folder of the year before that `folder`'s year.yaml names, if it names one that
    is there; read leniently, for a watcher that must follow it even while the year is wrong
    (reading the year says what is wrong)."""
    try:  # every value as text: a date that does not exist must not stop the watcher
        values = yaml.load((folder / YEAR_FILE).read_text(encoding="utf-8"),
                           Loader=yaml.BaseLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    previous = values.get("previous") if isinstance(values, dict) else None
    if not isinstance(previous, str) or not is_reporting_year(previous.strip()):
        return None
    beside = folder.parent / previous.strip()
    return beside if beside.is_dir() else None


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


def _read_year_yaml(path: Path, problems: list[Problem],
                    templates: Path | None) -> SettingReader | None:
    if not path.is_file():
        problems.append(Problem(path, "is missing: every year folder needs one"))
        return None
    loaded = read_yaml(path, problems)
    return SettingReader(path, *loaded, problems, templates) if loaded is not None else None


def _format_of(reader: SettingReader, formats: Formats) -> LetterFormat | None:
    """The year's format: `format:`, or the default format when the key is absent."""
    name = FORMAT.read(reader, default=formats.default)
    letter_format = formats.get(name)
    if letter_format is None and name:
        known = ", ".join(sorted(formats.names()))
        hint = suggest(name, formats.names())
        reader.report("format", f'no format is called "{name}"{hint}; the formats are: {known}')
    return letter_format


def _year_settings(reader: SettingReader, letter_format: LetterFormat
                   ) -> dict[str, Any] | None:
    """The year's values by their names on `Year`, its format's own by key under `settings`;
    None if any is wrong (each reported)."""
    before = len(reader.problems)
    own = letter_format.settings
    keys = (*(setting.key for setting in YEAR_KEYS), *(setting.key for setting in own))
    for key in reader.values:
        if key not in keys:
            reader.report(key, f"unknown key{reader.hints(key, keys)}")
    settings = {}
    for setting in YEAR_KEYS:
        if setting is FORMAT:
            continue  # read first: it says how to read the rest
        value = (TEMPLATE.read(reader, default=letter_format.template) if setting is TEMPLATE
                 else setting.read(reader))
        reader.read[setting.key] = settings[setting.attr] = value
    settings["settings"] = {setting.key: setting.read(reader) for setting in own}
    return settings if len(reader.problems) == before else None
