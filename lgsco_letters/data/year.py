"""A year's folder: `year.yaml` and the authorities, loaded into typed records or refused whole."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from lgsco_letters.data.addresses import control_problem
from lgsco_letters.data.models import Signatory, Year
from lgsco_letters.data.sources import read_authority_yaml, read_csv, read_yaml
from lgsco_letters.data.validate import authorities_from, found
from lgsco_letters.errors import DataError, LettersError, Problem, display_path
from lgsco_letters.words import suggest

YEAR_FILE = "year.yaml"
AUTHORITIES_CSV = "authorities.csv"
AUTHORITIES_DIR = "authorities"
# A reporting year, April to March: also the output folder's name, so nothing else will do.
REPORTING_YEAR = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
YEAR_KEYS = ("year", "letter_date", "period_end", "template", "delivery", "signatory", "prose")


def load_year(folder: Path) -> Year:
    """Load and validate a whole year; raise `DataError` listing every problem found."""
    folder = Path(folder)
    _refuse_a_folder_of_years(folder)
    if not folder.is_dir():
        raise LettersError(f"{display_path(folder)}: no such year folder (expected a folder "
                           f"holding {YEAR_FILE} and {AUTHORITIES_CSV} or {AUTHORITIES_DIR}/)")
    problems: list[Problem] = []
    settings = _year_settings(folder / YEAR_FILE, problems)
    records = _authority_records(folder, problems)
    authorities = authorities_from(records, problems)
    if problems or settings is None:
        raise DataError(problems)
    authorities.sort(key=lambda authority: authority.name.casefold())
    return Year(folder=folder, authorities=tuple(authorities), **settings)


def _refuse_a_folder_of_years(folder: Path) -> None:
    """`--data data` names the folder that holds the years: say which years it holds."""
    if not folder.is_dir() or (folder / YEAR_FILE).exists():
        return
    years = sorted(child for child in folder.iterdir() if (child / YEAR_FILE).is_file())
    if years:
        listed = ", ".join(display_path(year) for year in years)
        raise LettersError(f"{display_path(folder)} holds years, not one year's {YEAR_FILE}: "
                           f"give one of them with --data: {listed}")


def _authority_records(folder: Path, problems: list[Problem]) -> list:
    csv_path, yaml_dir = folder / AUTHORITIES_CSV, folder / AUTHORITIES_DIR
    records = read_csv(csv_path, problems) if csv_path.is_file() else []
    for path in sorted(yaml_dir.glob("*.y*ml")) if yaml_dir.is_dir() else []:
        record = read_authority_yaml(path, problems)
        if record is not None:
            records.append(record)
    if not records and not problems:
        problems.append(Problem(folder, f"holds no authorities: expected {AUTHORITIES_CSV} "
                                        f"or {AUTHORITIES_DIR}/*.yaml"))
    return records


def _year_settings(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    if not path.is_file():
        problems.append(Problem(path, "is missing: every year folder needs one"))
        return None
    loaded = read_yaml(path, problems)
    if loaded is None:
        return None
    values, lines = loaded
    before = len(problems)
    for key in values:
        if key not in YEAR_KEYS:
            problems.append(Problem(path, f"unknown key{suggest(key, YEAR_KEYS)}", lines[key],
                                    field=key))
    reader = _SettingReader(path, values, lines, problems)
    settings = {
        "label": reader.reporting_year(path.parent.name),
        "letter_date": reader.date("letter_date"),
        "period_end": reader.date("period_end"),
        "template": reader.text("template"),
        "delivery": reader.text("delivery"),
        "signatory": reader.signatory(),
        "prose": reader.prose(),
    }
    return settings if len(problems) == before else None


class _SettingReader:
    """Reads `year.yaml` values, reporting each bad one with its key and line."""

    def __init__(self, path: Path, values: dict, lines: dict[str, int], problems: list[Problem]):
        self.path, self.values, self.lines, self.problems = path, values, lines, problems

    def report(self, key: str, message: str) -> None:
        parent = key.rsplit(".", 1)[0]
        line = self.lines.get(key, self.lines.get(parent))
        self.problems.append(Problem(self.path, message, line, field=key))

    def get(self, key: str) -> Any:
        value: Any = self.values
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self.get(key)
        if value is None and default is not None:
            return default
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return self.plain(key, str(value).strip())
        self.report(key, "is missing: expected text" if value is None
                    else f"expected text, found {found(value)}")
        return ""

    def plain(self, key: str, text: str) -> str:
        """The text, if it holds no control character; the problem reported otherwise."""
        if control := control_problem(text):
            self.report(key, control)
        return text

    def reporting_year(self, folder_name: str) -> str:
        """`year:` (or the folder's name): a reporting year such as 2017-18."""
        label = self.text("year", default=folder_name)
        match = REPORTING_YEAR.fullmatch(label)
        if label and not (match and (int(match[1]) + 1) % 100 == int(match[2])):
            source = "" if "year" in self.values else " (the folder's name, as year: is not given)"
            self.report("year", f"expected a reporting year such as 2017-18, found "
                                f"{found(label)}{source}")
        return label

    def date(self, key: str) -> date:
        value = self.get(key)
        if isinstance(value, date):
            return value
        self.report(key, "expected a date written as YYYY-MM-DD, e.g. 2018-07-18, "
                         f"found {'nothing' if value is None else found(value)}")
        return date.min

    def signatory(self) -> Signatory:
        titles = self.get("signatory.titles")
        if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
            self.report("signatory.titles", "expected a list of lines, e.g. "
                        "'- Local Government and Social Care Ombudsman'")
            titles = []
        for index, title in enumerate(titles):
            self.plain(f"signatory.titles[{index + 1}]", title)
        return Signatory(self.text("signatory.name"), tuple(titles))

    def prose(self) -> dict[str, Any]:
        prose = self.get("prose") or {}
        if not isinstance(prose, dict):
            self.report("prose", "expected 'name: value' lines of the figures the letter quotes")
            return {}
        for key, value in prose.items():
            if isinstance(value, dict | list | bytes) or value is None:
                self.report(f"prose.{key}", f"expected a single value, found {found(value)}")
            elif isinstance(value, str):
                self.plain(f"prose.{key}", value)
        return prose
