"""Reading `year.yaml`: each key declared once by the kind of value it holds (`year_keys.py`, as
MkDocs declares its config options), each bad value reported with its key and line.

A kind of key is a `Setting`: what it reads (`read`), the words the README's table says it in
(`kind`), whether it must be given. A format declares its own keys the same way.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from lgsco_letters.data.models import Signatory
from lgsco_letters.data.values import Refused, date_of, figure_of, found, text_of
from lgsco_letters.errors import Problem, display_path
from lgsco_letters.words import Hints, suggest

# A reporting year, April to March: also the output folder's name, so nothing else will do.
REPORTING_YEAR = re.compile(r"(\d{4})-(\d{2})", re.ASCII)


def is_reporting_year(text: str) -> bool:
    match = REPORTING_YEAR.fullmatch(text)
    return bool(match and (int(match[1]) + 1) % 100 == int(match[2]))


class SettingReader:
    """Reads `year.yaml` values, reporting each bad one with its key and line. `read` holds
    the values read so far, by key, for a rule that depends on another key's value."""

    def __init__(self, path: Path, values: dict, lines: dict[str, int], problems: list[Problem],
                 templates: Path | None = None):
        self.path, self.values, self.lines, self.problems = path, values, lines, problems
        self.templates = templates  # the templates folder, when known
        self.read: dict[str, Any] = {}
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

    def ruled(self, key: str, rule: Any, value: Any) -> Any:
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
        return self.ruled(key, lambda value: text_of(value, key), value) or ""


class Setting:
    """A key of year.yaml: `read` gives its value (reporting what is wrong with it), `kind`
    names the kind of value, `doc` says what it means; `attr` is its name on the `Year`."""

    kind = "text"

    def __init__(self, key: str, doc: str, attr: str | None = None, optional: bool = False):
        self.key, self.doc, self.attr, self.optional = key, doc, attr or key, optional

    def read(self, reader: SettingReader) -> Any:
        return reader.text(self.key)


class ReadBy(Setting):
    """A key read by a function of the reader: a kind of value a format has of its own."""

    def __init__(self, key: str, doc: str, kind: str, read: Any, **options: Any):
        super().__init__(key, doc, **options)
        self.kind, self._read = kind, read

    def read(self, reader: SettingReader) -> Any:
        return self._read(reader)


class Text(Setting):
    def __init__(self, key: str, doc: str, default: str | None = None, **options: Any):
        super().__init__(key, doc, **options)
        self.default = default

    def read(self, reader: SettingReader, default: str | None = None) -> str:
        return reader.text(self.key, default=default or self.default)


class FormatName(Text):
    kind = "format name"


class Date(Setting):
    kind = "date"

    def read(self, reader: SettingReader) -> date:
        return reader.ruled(self.key, date_of, reader.get(self.key)) or date.min


class ReportingYear(Setting):
    """`year:` (or the folder's name): a reporting year such as 2017-18."""

    kind = "reporting year"

    def read(self, reader: SettingReader) -> str:
        value, given = reader.get(self.key), self.key in reader.values
        label = str(value).strip() if isinstance(value, str) else reader.path.parent.name
        if not is_reporting_year(label):
            source = "" if given else " (the folder's name, as year: is not given)"
            shown = found(value) if given else found(label)
            reader.report(self.key, f"expected a reporting year such as 2017-18, found {shown}"
                                    f"{source}")
        return label


class PreviousYear(Setting):
    """The year before: a reporting year earlier than this one, whose folder is beside it."""

    kind = "reporting year"

    def read(self, reader: SettingReader) -> str:
        value, label = reader.get(self.key), reader.read.get("year", "")
        if value is None:
            return ""
        # a reporting year, whatever YAML would make of it: no other text passes the pattern
        previous = str(value).strip() if isinstance(value, str) else ""
        if not is_reporting_year(previous):
            reader.report(self.key, f"expected the reporting year before this one, such as "
                                    f"2017-18, found {found(value)}")
            return ""
        beside = reader.path.parent.parent / previous
        if previous >= label:
            reader.report(self.key, f"expected a year before {label}, found {previous}")
        elif not (beside / reader.path.name).is_file():
            reader.report(self.key, f"no year folder {previous} beside this one (expected "
                                    f"{display_path(beside / reader.path.name)})")
        return previous


class Roles(Setting):
    """A list of roles, each one of `roles` and given once."""

    kind = "list of roles"

    def __init__(self, key: str, doc: str, roles: tuple[str, ...], **options: Any):
        super().__init__(key, doc, **options)
        self.roles = roles

    def read(self, reader: SettingReader) -> tuple[str, ...]:
        value = reader.get(self.key)
        if value is None:
            return ()
        roles = ", ".join(self.roles)
        if not isinstance(value, list) or not all(isinstance(role, str) for role in value):
            reader.report(self.key, f"expected a list of the roles copied, from: {roles}")
            return ()
        for index, role in enumerate(value):
            where = f"{self.key}[{index + 1}]"
            if role not in self.roles:
                reader.report(where, f"{found(role)} is not a role a letter is copied to"
                                     f"{suggest(role, list(self.roles))}; the roles: {roles}")
            elif role in value[:index]:
                reader.report(where, f"{found(role)} is given twice")
        return tuple(value)


class TemplateName(Setting):
    """A template's name in the templates folder, never a path out of it; by default the
    format's (`default`, given when read)."""

    kind = "template name"

    def read(self, reader: SettingReader, default: str = "") -> str:
        name = reader.text(self.key, default=default)
        path = PurePosixPath(name)
        if "\\" in name or path.is_absolute() or ".." in path.parts:
            reader.report(self.key, f"expected the name of a template in the templates folder, "
                                    f"such as {default}, found {found(name)}: a template is "
                                    "never taken from outside that folder")
        elif reader.templates is not None and name and not (reader.templates / name).is_file():
            known = sorted(path.name for path in reader.templates.glob("*.html"))
            reader.report(self.key, f"no template {name} in {display_path(reader.templates)}"
                                    f"{suggest(name, known)}; the templates there are: "
                                    f"{', '.join(known)}")
        return name


class SignatoryKeys(Setting):
    kind = "name and titles"
    KEYS = ("name", "titles")

    def read(self, reader: SettingReader) -> Signatory:
        reader.known_keys(self.key, self.KEYS)
        titles = reader.get(f"{self.key}.titles")
        if not isinstance(titles, list):
            reader.report(f"{self.key}.titles", "expected a list of lines, e.g. "
                          "'- Local Government and Social Care Ombudsman'")
            titles = []
        lines = [reader.text_value(f"{self.key}.titles[{index + 1}]", title)
                 for index, title in enumerate(titles)]
        return Signatory(reader.text(f"{self.key}.name"), tuple(lines))


class Figures(Setting):
    """`name: value` lines, each a figure: a count, or text."""

    kind = "figures"

    def read(self, reader: SettingReader) -> dict[str, Any]:
        prose = reader.get(self.key) or {}
        if not isinstance(prose, dict):
            reader.report(self.key, "expected 'name: value' lines of the figures the letter "
                                    "quotes")
            return {}
        return {str(key): reader.ruled(f"{self.key}.{key}",
                                       lambda value, key=key: figure_of(value, key), value)
                for key, value in prose.items()}
