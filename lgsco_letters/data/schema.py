"""The fields an authority's record carries: those every format shares (`fields.py`), and the
format's counts.

A CSV header is the YAML keys flattened with `_`: `received: {housing: 3}` in YAML is the
column `received_housing` in CSV. Which groups of counts there are is the format's to say
(`formats/`); the engine only knows how groups are written and checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from lgsco_letters.data.fields import FIELDS, GROUPS, REQUIRED

KINDS = {field.name: field.kind for field in FIELDS}  # each shared field's, as declared


@dataclass(frozen=True)
class CountGroup:
    """Counts that belong together, e.g. `received`: each a whole number, in this order.

    With `total`, an optional `<name>_total` may be given, and must then equal the sum."""

    name: str
    keys: tuple[str, ...]
    total: bool = False
    doc: str = ""  # what it counts, for the README's table of fields

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f"{self.name}_{key}" for key in self.keys)

    @property
    def yaml_keys(self) -> tuple[str, ...]:
        return (*self.keys, "total") if self.total else self.keys


class Schema:
    """Every field of a format's records, in the order its CSV columns run: the shared fields
    (`fields.py`), then the format's counts."""

    def __init__(self, counts: tuple[CountGroup, ...]):
        self.counts = counts
        self.groups: dict[str, tuple[str, ...]] = {
            **GROUPS, **{group.name: group.yaml_keys for group in counts}}
        self.count_fields = tuple(field for group in counts for field in group.fields)
        self.required = (*REQUIRED, *self.count_fields)
        self.all_fields = (
            *(field.name for field in FIELDS),
            *(f"{group.name}_{key}" for group in counts for key in group.yaml_keys))
        # Each flat field by the group that owns it: `service_improvements_implemented` is
        # the group service_improvements' key implemented, found whole, never by splitting
        # the name at an underscore. A name two groups would both make is kept apart.
        self.owners: dict[str, tuple[str, str]] = {}
        self.clashes: list[str] = []
        for group, keys in self.groups.items():
            for key in keys:
                field = f"{group}_{key}"
                if field in self.owners:
                    self.clashes.append(field)
                self.owners.setdefault(field, (group, key))

    def locate(self, field: str) -> tuple[str, str] | None:
        """The group and key of a flat field (`received_housing` -> received, housing), or
        None for a field of no group."""
        return self.owners.get(field)

    def kind(self, field: str) -> str:
        """What the field holds (its declaration's kind, `fields.py`): every field of a count
        group is a count."""
        return KINDS.get(field, "count")

    def yaml_key(self, field: str) -> str:
        """The dotted YAML key of a flat field: `received_housing` -> `received.housing`."""
        located = self.locate(field)
        return f"{located[0]}.{located[1]}" if located else field
