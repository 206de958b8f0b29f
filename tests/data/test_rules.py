"""A format's rules read a record's counts through the group that owns each field."""

from __future__ import annotations

from pathlib import Path

from lgsco_letters.data.rules import RecordRules
from lgsco_letters.data.schema import CountGroup, Schema
from lgsco_letters.data.sources import RawRecord

IMPROVEMENTS = CountGroup("service_improvements", ("recommended", "implemented"))
SERVICE = CountGroup("service", ("improvements_other",))  # a group named like the other's start


def rules_for(counts: dict) -> RecordRules:
    schema = Schema((IMPROVEMENTS, SERVICE))
    record = RawRecord(Path("authorities.csv"), 2, {"authority": "Adur District Council"},
                       schema)
    return RecordRules(record, counts, [], schema)


def test_a_group_named_with_an_underscore_is_found_whole():
    """Split at the first underscore, `service_improvements_implemented` was the group
    `service`'s key `improvements_implemented`: no such count, so the rule never ran, and 9
    implemented of 1 recommended passed."""
    rules = rules_for({"service_improvements": {"recommended": 1, "implemented": 9},
                       "service": {"improvements_other": 4}})
    assert rules.count("service_improvements_implemented") == 9
    assert rules.count("service_improvements_other") == 4
    rules.at_most(("service_improvements_implemented",), "service_improvements_recommended",
                  "recommended")
    assert [problem.located() for problem in rules.problems] == [  # (the file as found)
        ", line 2 (Adur District Council), service_improvements_implemented: "
        "expected no more than the 1 recommended (service_improvements_recommended), found 9"]


def test_a_field_two_groups_would_make_is_a_clash():
    schema = Schema((CountGroup("a_b", ("c",)), CountGroup("a", ("b_c",))))
    assert schema.clashes == ["a_b_c"]
