"""Reading `year.yaml`: the year-wide values, each bad one reported with its key and line."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from lgsco_letters.data.addresses import control_problem
from lgsco_letters.data.models import Signatory
from lgsco_letters.data.schema import COPY_ROLES
from lgsco_letters.data.validate import found
from lgsco_letters.errors import Problem, display_path
from lgsco_letters.words import suggest

# A reporting year, April to March: also the output folder's name, so nothing else will do.
REPORTING_YEAR = re.compile(r"(\d{4})-(\d{2})", re.ASCII)


class SettingReader:
    """Reads `year.yaml` values, reporting each bad one with its key and line."""

    def __init__(self, path: Path, values: dict, lines: dict[str, int], problems: list[Problem]):
        self.path, self.values, self.lines, self.problems = path, values, lines, problems

    def report(self, key: str, message: str) -> None:
        parent = key.rsplit("[", 1)[0] if key.endswith("]") else key.rsplit(".", 1)[0]
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

    def previous(self, label: str) -> str:
        """`previous:`, the year before: a reporting year earlier than this one, whose folder
        is beside this year's."""
        if self.get("previous") is None:
            return ""
        previous = self.text("previous")
        match = REPORTING_YEAR.fullmatch(previous)
        if not (match and (int(match[1]) + 1) % 100 == int(match[2])):
            self.report("previous", f"expected the reporting year before this one, such as "
                                    f"2017-18, found {found(previous)}")
        elif previous >= label:
            self.report("previous", f"expected a year before {label}, found {previous}")
        elif not (self.path.parent.parent / previous / self.path.name).is_file():
            beside = self.path.parent.parent / previous
            self.report("previous", f"no year folder {previous} beside this one (expected "
                                    f"{display_path(beside / self.path.name)})")
        return previous

    def copied_to(self) -> tuple[str, ...]:
        """`copied_to:`, the roles each letter says it is copied to, as a list."""
        value = self.get("copied_to")
        if value is None:
            return ()
        roles = ", ".join(COPY_ROLES)
        if not isinstance(value, list) or not all(isinstance(role, str) for role in value):
            self.report("copied_to", f"expected a list of the roles copied, from: {roles}")
            return ()
        for index, role in enumerate(value):
            if role not in COPY_ROLES:
                self.report(f"copied_to[{index + 1}]", f"{found(role)} is not a role a letter "
                            f"is copied to{suggest(role, list(COPY_ROLES))}; the roles: {roles}")
            elif role in value[:index]:
                self.report(f"copied_to[{index + 1}]", f"{found(role)} is given twice")
        return tuple(value)

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
