"""The fields an authority's record carries, in the order the letter's tables show them.

A CSV header is the YAML keys flattened with `_`: `received: {housing: 3}` in YAML is the
column `received_housing` in CSV.
"""

from __future__ import annotations

RECEIVED = (
    "adult_care_services",
    "benefits_and_tax",
    "corporate_and_other_services",
    "education_and_childrens_services",
    "environment_services",
    "highways_and_transport",
    "housing",
    "planning_and_development",
    "other",
)
DECIDED = (
    "incomplete_or_invalid",
    "advice_given",
    "referred_back_for_local_resolution",
    "closed_after_initial_enquiries",
    "not_upheld",
    "upheld",
)
REMEDIED = ("by_ombudsman", "by_authority_before_ombudsman")
RECIPIENT = ("name", "title", "email")

# Groups of keys that YAML nests and CSV flattens.
GROUPS: dict[str, tuple[str, ...]] = {
    "recipient": RECIPIENT,
    "received": (*RECEIVED, "total"),
    "decided": (*DECIDED, "total"),
    "remedied": REMEDIED,
    "link_officer": ("email",),
}
TOP_LEVEL = ("authority", "authority_type", "specimen")

COUNT_FIELDS = (
    *(f"received_{key}" for key in RECEIVED),
    *(f"decided_{key}" for key in DECIDED),
    *(f"remedied_{key}" for key in REMEDIED),
)
REQUIRED_TEXT = ("authority", "authority_type", "recipient_email")

ALL_FIELDS = (
    "authority",
    "authority_type",
    *(f"recipient_{key}" for key in RECIPIENT),
    "link_officer_email",
    "specimen",
    *COUNT_FIELDS[: len(RECEIVED)],
    "received_total",
    *COUNT_FIELDS[len(RECEIVED) : len(RECEIVED) + len(DECIDED)],
    "decided_total",
    *COUNT_FIELDS[len(RECEIVED) + len(DECIDED) :],
)
DEFAULT_TITLE = "Chief Executive"


def yaml_key(field: str) -> str:
    """The dotted YAML key of a flat field: `received_housing` -> `received.housing`."""
    group, _, rest = field.partition("_")
    if group in GROUPS and rest in GROUPS[group]:
        return f"{group}.{rest}"
    return field
