"""Reading `year.yaml`: the year-wide values, each bad one reported with its key and line.

Each key is read by the rule for its kind (`schema.YEAR_KINDS`, the rules in `values.py`).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from lgsco_letters.data.models import Signatory
from lgsco_letters.data.schema import COPY_ROLES
from lgsco_letters.data.values import Refused, date_of, figure_of, found, text_of
from lgsco_letters.errors import Problem, display_path
from lgsco_letters.words import Hints, suggest

# A reporting year, April to March: also the output folder's name, so nothing else will do.
REPORTING_YEAR = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
SIGNATORY_KEYS = ("name", "titles")


class SettingReader:
    """Reads `year.yaml` values, reporting each bad one with its key and line."""

    def __init__(self, path: Path, values: dict, lines: dict[str, int], problems: list[Problem]):
        self.path, self.values, self.lines, self.problems = path, values, lines, problems
        self.hints = Hints()  # "did you mean" for the first few unknown keys

    def report(self, key: str, message: str) -> None:
        parent = key.rsplit("[", 1)[0] if key.endswith("]") else key.rsplit(".", 1)[0]
        line = self.lines.get(key, self.lines.get(parent))
        self.problems.append(Problem(self.path, message, line, field=key))

    def get(self, key: str) -> Any:
        value: Any = self.values
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def known_keys(self, key: str, keys: tuple[str, ...]) -> None:
        """Report every key under `key` that is not one of `keys`."""
        value = self.get(key)
        for name in value if isinstance(value, dict) else ():
            if name not in keys:
                self.report(f"{key}.{name}", f"unknown key{self.hints(name, keys)}")

    def read(self, key: str, rule: Any, value: Any) -> Any:
        """`value` by `rule` (`values.py`), or None with the problem reported."""
        try:
            return rule(value)
        except Refused as refused:
            self.report(key, str(refused))
            return None

    def text(self, key: str, default: str | None = None) -> str:
        value = self.get(key)
        if value is None and default is not None:
            return default
        if isinstance(value, str) and not value.strip():
            self.report(key, "expected text, found nothing but spaces")
            return ""
        return self.text_value(key, value)

    def text_value(self, key: str, value: Any) -> str:
        if value is None:
            self.report(key, "is missing: expected text")
            return ""
        return self.read(key, lambda value: text_of(value, key), value) or ""

    def reporting_year(self, folder_name: str) -> str:
        """`year:` (or the folder's name): a reporting year such as 2017-18."""
        value = self.get("year")
        label = str(value).strip() if isinstance(value, str) else folder_name
        match = REPORTING_YEAR.fullmatch(label)
        if not (match and (int(match[1]) + 1) % 100 == int(match[2])):
            source = "" if "year" in self.values else " (the folder's name, as year: is not given)"
            shown = found(value) if "year" in self.values else found(label)
            self.report("year", f"expected a reporting year such as 2017-18, found {shown}"
                                f"{source}")
        return label

    def previous(self, label: str) -> str:
        """`previous:`, the year before: a reporting year earlier than this one, whose folder
        is beside this year's."""
        value = self.get("previous")
        if value is None:
            return ""
        # a reporting year, whatever YAML would make of it: no other text passes the pattern
        previous = str(value).strip() if isinstance(value, str) else ""
        match = REPORTING_YEAR.fullmatch(previous)
        if not (match and (int(match[1]) + 1) % 100 == int(match[2])):
            self.report("previous", f"expected the reporting year before this one, such as "
                                    f"2017-18, found {found(value)}")
            return ""
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
        return self.read(key, date_of, self.get(key)) or date.min

    def template(self, default: str, templates: Path | None) -> str:
        """`template:`: a template's name in the templates folder, never a path out of it."""
        name = self.text("template", default=default)
        path = PurePosixPath(name)
        if "\\" in name or path.is_absolute() or ".." in path.parts:
            self.report("template", f"expected the name of a template in the templates folder, "
                                    f"such as {default}, found {found(name)}: a template is "
                                    "never taken from outside that folder")
        elif templates is not None and name and not (templates / name).is_file():
            known = sorted(path.name for path in templates.glob("*.html"))
            self.report("template", f"no template {name} in {display_path(templates)}"
                                    f"{suggest(name, known)}; the templates there are: "
                                    f"{', '.join(known)}")
        return name

    def signatory(self) -> Signatory:
        self.known_keys("signatory", SIGNATORY_KEYS)
        titles = self.get("signatory.titles")
        if not isinstance(titles, list):
            self.report("signatory.titles", "expected a list of lines, e.g. "
                        "'- Local Government and Social Care Ombudsman'")
            titles = []
        lines = [self.text_value(f"signatory.titles[{index + 1}]", title)
                 for index, title in enumerate(titles)]
        return Signatory(self.text("signatory.name"), tuple(lines))

    def prose(self) -> dict[str, Any]:
        prose = self.get("prose") or {}
        if not isinstance(prose, dict):
            self.report("prose", "expected 'name: value' lines of the figures the letter quotes")
            return {}
        return {str(key): self.read(f"prose.{key}", lambda value, key=key: figure_of(value, key),
                               value) for key, value in prose.items()}
