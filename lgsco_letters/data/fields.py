"""The fields every authority's record carries, whatever its format, each declared once (as
MkDocs declares its config options): its key, its kind (the rule that reads its value:
`values.py`, through `validate.py`), what a missing one should hold, its default, and what it
means. `validate.py` reads records by these declarations, `schema.py` lays them out as CSV
columns and YAML keys, and the README's table of fields is checked against them.

A format adds its counts (`schema.CountGroup`); these come with every format.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lgsco_letters.data.models import Authority, Year

DEFAULT_TITLE = "Chief Executive"
# The kinds of field, each read by its own rule (`validate.READERS`), with how YAML and a CSV
# cell write a value of it where that is not plain.
NAME, TEXT, EMAIL, FLAG, NAMES = "name", "text", "email", "flag", "names"
WRITTEN = {NAMES: ("[name, ...]", "names separated by `; `")}


@dataclass(frozen=True)
class Field:
    """One field: `key` within its group (`email` of `recipient`), or at the top."""

    key: str
    kind: str
    required: bool = False  # a CSV or workbook must have its column
    missing: str = ""  # a record without a value is wrong: what the value should be
    default: Any = ""  # its value when none is given
    role: str = ""  # the role `copied_to:` names for whoever is at this address
    # a rule beyond its kind: (value, the authority's name) -> what is wrong, or ""
    check: Callable[[Any, str | None], str] | None = None
    group: str = ""  # the group it is nested in, if any

    @property
    def name(self) -> str:
        """Its name as a CSV column: the YAML keys flattened with `_`."""
        return f"{self.group}_{self.key}" if self.group else self.key

    @property
    def yaml_key(self) -> str:
        return f"{self.group}.{self.key}" if self.group else self.key


@dataclass(frozen=True)
class Entry:
    """One key of an authority's YAML (one row of the README's table): a field, or a group of
    fields nested under it in YAML and flattened in CSV (`recipient_email`)."""

    key: str
    doc: str
    fields: tuple[Field, ...]
    nested: bool = False


def field(key: str, kind: str, doc: str, **rules: Any) -> Entry:
    return Entry(key, doc, (Field(key, kind, **rules),))


def group(key: str, doc: str, *fields: Field) -> Entry:
    return Entry(key, doc, tuple(dataclasses.replace(item, group=key) for item in fields),
                 nested=True)


def _not_itself(value: Any, authority: str | None) -> str:
    if value and value == authority:
        return "names the authority itself: expected the council that took it over"
    return ""


SHARED = (
    field("authority", NAME, "official name, unique; required", required=True,
          missing="the authority's official name"),
    field("authority_type", TEXT, "e.g. `district`; required", required=True,
          missing="the kind of authority, e.g. district"),
    group("recipient", "name may be empty (the letter then greets the title); title defaults "
                       f"to `{DEFAULT_TITLE}`; email required",
          Field("name", TEXT), Field("title", TEXT, default=DEFAULT_TITLE),
          Field("email", EMAIL, required=True)),
    group("link_officer", "optional: the council's complaints link officer, whom `send --cc "
                          "link_officer_email` copies",
          Field("email", EMAIL, role="link officer")),
    group("monitoring_officer", "optional: the council's monitoring officer, whom `send --cc "
                                "monitoring_officer_email` copies. A letter goes to each "
                                "address once: an officer's address that is the recipient's, "
                                "or the other officer's (in any case), is refused, and so is a "
                                "`send --cc` address that is a council's own",
          Field("email", EMAIL, role="monitoring officer")),
    field("specimen", FLAG, "`true` for made-up figures (default `false`); every page of such "
                            "a letter is marked SPECIMEN", default=False),
    field("successor", NAME, "optional: for an authority abolished since, the council that "
          "took it over. The letter is still the abolished authority's (its heading, figures "
          "and file name), addressed through the recipient fields to the successor's chief "
          "executive, with the successor's name in the address and a sentence saying that the "
          "successor has taken over from it, and that \"your authority\" in the letter means "
          "the abolished one. Checked as a name; it must be a council that goes on: one of the "
          "year's authorities that names a successor in turn (a chain, A to B to C: name C) or "
          "successors in a circle (A to B, B to A) are refused", check=_not_itself),
    field("predecessors", NAMES, "optional: the councils of the year before that this one "
          "took over (a register's `replaces`; `new-year` fills it in), whose figures are this "
          "council's own for the year before. Names, checked as names: never the authority "
          "itself, nor another authority of the same year; with `previous:` in year.yaml, each "
          "must be an authority of that year that went to no other council", default=()),
)

FIELDS = tuple(item for entry in SHARED for item in entry.fields)  # in the CSV's column order
TOP_LEVEL = tuple(entry.key for entry in SHARED if not entry.nested)
GROUPS = {entry.key: tuple(item.key for item in entry.fields)
          for entry in SHARED if entry.nested}
REQUIRED = tuple(item.name for item in FIELDS if item.required)
# The addresses a letter goes to (its recipient's, and those it may be copied to): each once.
ADDRESSES = tuple(item.name for item in FIELDS if item.kind == EMAIL)
# The roles `copied_to:` in year.yaml may name, each with the field that holds its address.
COPY_ROLES = {item.role: item.name for item in FIELDS if item.role}


def copied_to(year: Year, authority: Authority) -> list[str]:
    """The roles of `copied_to:` that this authority has given an address for: those that
    `send --cc` can copy the letter to, and no others (what its "Copied to" line names)."""
    return [role for role in year.copied_to if getattr(authority, COPY_ROLES[role])]
