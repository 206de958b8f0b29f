"""The fields an authority's record carries: those every format shares, and the format's counts.

A CSV header is the YAML keys flattened with `_`: `received: {housing: 3}` in YAML is the
column `received_housing` in CSV. Which groups of counts there are is the format's to say
(`formats/`); the engine only knows how groups are written and checked.
"""

from __future__ import annotations

from dataclasses import dataclass

RECIPIENT = ("name", "title", "email")
# What each field holds, and so which rule of `values.py` reads it: the shared fields of an
# authority (a count group's fields are all counts), and year.yaml's keys (a format's own keys
# are read by the format). The one table to grow a declaration of the fields from.
FIELD_KINDS = {
    "authority": "name", "authority_type": "text", "recipient_name": "text",
    "recipient_title": "text", "recipient_email": "email", "link_officer_email": "email",
    "monitoring_officer_email": "email", "specimen": "flag", "successor": "name",
    "predecessors": "names",
}
YEAR_KINDS = {
    "year": "reporting year", "format": "text", "letter_date": "date", "period_end": "date",
    "template": "template", "delivery": "text", "signatory.name": "text",
    "signatory.titles": "list of text", "prose": "figures", "previous": "reporting year",
    "copied_to": "list of roles",
}
# `successor`: the council that took over an abolished authority (its letter goes there);
# `predecessors`: the councils of the year before that a council took over ("; " in CSV).
TOP_LEVEL = ("authority", "authority_type", "specimen", "successor", "predecessors")
REQUIRED_TEXT = ("authority", "authority_type", "recipient_email")
DEFAULT_TITLE = "Chief Executive"
# Groups of keys every format has, nested in YAML and flattened in CSV.
SHARED_GROUPS: dict[str, tuple[str, ...]] = {"recipient": RECIPIENT, "link_officer": ("email",),
                                             "monitoring_officer": ("email",)}
# The roles `copied_to:` in year.yaml may name, each with the field that holds its address.
COPY_ROLES = {"link officer": "link_officer_email",
              "monitoring officer": "monitoring_officer_email"}


@dataclass(frozen=True)
class CountGroup:
    """Counts that belong together, e.g. `received`: each a whole number, in this order.

    With `total`, an optional `<name>_total` may be given, and must then equal the sum."""

    name: str
    keys: tuple[str, ...]
    total: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f"{self.name}_{key}" for key in self.keys)

    @property
    def yaml_keys(self) -> tuple[str, ...]:
        return (*self.keys, "total") if self.total else self.keys


class Schema:
    """Every field of a format's records, in the order its CSV columns run."""

    def __init__(self, counts: tuple[CountGroup, ...]):
        self.counts = counts
        self.groups: dict[str, tuple[str, ...]] = {
            "recipient": RECIPIENT, **{group.name: group.yaml_keys for group in counts},
            "link_officer": ("email",), "monitoring_officer": ("email",)}
        self.count_fields = tuple(field for group in counts for field in group.fields)
        self.required = (*REQUIRED_TEXT, *self.count_fields)
        self.all_fields = (
            "authority", "authority_type", *(f"recipient_{key}" for key in RECIPIENT),
            *COPY_ROLES.values(), "specimen", "successor", "predecessors",
            *(f"{group.name}_{key}" for group in counts for key in group.yaml_keys))

    def kind(self, field: str) -> str:
        """What the field holds (`FIELD_KINDS`): every field of a count group is a count."""
        return FIELD_KINDS.get(field, "count")

    def yaml_key(self, field: str) -> str:
        """The dotted YAML key of a flat field: `received_housing` -> `received.housing`."""
        for group, keys in self.groups.items():
            rest = field.removeprefix(f"{group}_")
            if rest != field and rest in keys:
                return f"{group}.{rest}"
        return field
