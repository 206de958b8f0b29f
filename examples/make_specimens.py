"""Make the bundled years' specimen figures.

2017-18 (format tables-2018): every English council of 2018 but Bromsgrove.

Only Bromsgrove District Council's 2017-18 figures are known to us; every other council gets
made-up ("specimen") figures, marked `specimen: true`, so that a whole year can be built and
tested. The figures are reproducible (a fixed seed), plausible for each kind of council, and
scaled so that England's totals land near the real 2017-18 ones: 17,452 complaints and
enquiries received, 4,020 detailed investigations, 57% of them upheld. Two edge cases are
kept on purpose: a council with no complaints at all, and one with complaints but no detailed
investigations (so no uphold rate).

2018-19 (format headline-2019): every English council that existed during 2018-19 (the 353
of 2018), Bromsgrove included, all specimen, with the recommendations the later letters report;
the 15 abolished on 1 April 2019 name their `successor`, whose chief executive their letter
goes to (see specimens_2019.py). England's totals land exactly on
the published 2018-19 ones: 16,899 received, 4,234 detailed investigations, 2,456 upheld, 3,525
recommendations due and 3,504 complied with (about 8% of them late), 1,929 upheld complaints
remedied on our recommendation. The City of London has no detailed investigations, and Rutland
no recommendations due.

    python examples/make_specimens.py            # rewrites data/2017-18/authorities.csv
    python examples/make_specimens.py 2018-19    # rewrites data/2018-19/authorities.csv
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
COUNCILS = HERE / "councils-2018.csv"
TARGET = HERE.parent / "data" / "2017-18" / "authorities.csv"
SEED = 2018
REAL = {"Bromsgrove District Council": (11, 2, 1)}  # received, investigations, upheld
NATIONAL_RECEIVED, NATIONAL_INVESTIGATIONS, NATIONAL_UPHOLD = 17_452, 4_020, 0.57
NO_COMPLAINTS = "Council of the Isles of Scilly"
NO_INVESTIGATIONS = "City of London Corporation"

RECEIVED = ("adult_care_services", "benefits_and_tax", "corporate_and_other_services",
            "education_and_childrens_services", "environment_services",
            "highways_and_transport", "housing", "planning_and_development", "other")
DECIDED_EARLY = ("incomplete_or_invalid", "advice_given",
                 "referred_back_for_local_resolution", "closed_after_initial_enquiries")
EARLY_SHARES = (0.09, 0.04, 0.45, 0.42)
# Relative size of a council's complaint load, and the mix of its complaints, by kind.
VOLUME = {"county": 3.2, "metropolitan borough": 1.9, "London borough": 1.8, "unitary": 1.6,
          "district": 0.5, "City of London corporation": 0.3}
MIX = {
    "county": (38, 1, 6, 30, 3, 17, 1, 3, 1),
    "district": (0.5, 17, 10, 0.5, 12, 3, 22, 33, 2),
    "London borough": (13, 13, 8, 13, 7, 8, 28, 9, 1),
    "unitary": (16, 12, 8, 17, 8, 9, 14, 14, 2),
}
HEADER = ("authority", "authority_type", "recipient_name", "recipient_title", "recipient_email",
          "specimen", *(f"received_{key}" for key in RECEIVED), "received_total",
          *(f"decided_{key}" for key in (*DECIDED_EARLY, "not_upheld", "upheld")),
          "decided_total", "remedied_by_ombudsman", "remedied_by_authority_before_ombudsman")


def kind(authority_type: str) -> str:
    for name in VOLUME:
        if authority_type.startswith(name):
            return name
    return "unitary"  # the two sui generis councils: all-purpose, like a unitary


def apportion(total: int, weights: list[float]) -> list[int]:
    """Whole numbers in proportion to `weights` that add up to `total` exactly."""
    scale = sum(weights)
    if total == 0 or scale == 0:
        return [0] * len(weights)
    exact = [total * weight / scale for weight in weights]
    counts = [int(share) for share in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def specimen_rows(councils: list[dict[str, str]], rng: random.Random) -> list[dict]:
    weights = [VOLUME[kind(c["authority_type"])] * rng.lognormvariate(0, 0.35) for c in councils]
    for i, council in enumerate(councils):
        if council["official_name"] == NO_COMPLAINTS:
            weights[i] = 0.0
    known = sum(received for received, _, _ in REAL.values())
    received = apportion(NATIONAL_RECEIVED - known, weights)
    decided = [round(count * rng.uniform(0.9, 1.08)) for count in received]
    depth = [count * rng.uniform(0.15, 0.32) for count in decided]
    for i, council in enumerate(councils):
        if council["official_name"] == NO_INVESTIGATIONS:
            depth[i] = 0.0
    investigations = apportion(NATIONAL_INVESTIGATIONS - sum(v[1] for v in REAL.values()), depth)
    return [_row(council, received[i], decided[i], investigations[i], rng)
            for i, council in enumerate(councils)]


def _row(council: dict[str, str], received: int, decided: int, investigations: int,
         rng: random.Random) -> dict:
    mix = [share * rng.uniform(0.6, 1.4) for share in MIX.get(kind(council["authority_type"]),
                                                              MIX["unitary"])]
    early = apportion(max(decided - investigations, 0), [s * rng.uniform(0.7, 1.3)
                                                          for s in EARLY_SHARES])
    rate = min(max(rng.gauss(NATIONAL_UPHOLD, 0.12), 0.2), 0.95)
    upheld = round(investigations * rate)
    remedied = round(upheld * rng.uniform(0.7, 1.0))
    counts = [*apportion(received, mix), received, *early, investigations - upheld, upheld,
              sum(early) + investigations, remedied, round(upheld * rng.uniform(0.0, 0.2))]
    name = council["official_name"]
    values = [name, council["authority_type"], "", "Chief Executive",
              f"chief.executive@{slug(council['nice_name'])}.example.org", "true", *counts]
    return dict(zip(HEADER, values, strict=True))


def main_2017_18() -> int:
    with COUNCILS.open(encoding="utf-8", newline="") as stream:
        councils = [row for row in csv.DictReader(stream) if row["official_name"] not in REAL]
    rows = specimen_rows(councils, random.Random(SEED))
    with TARGET.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    received = sum(row["received_total"] for row in rows) + 11
    investigations = sum(row["decided_not_upheld"] + row["decided_upheld"] for row in rows) + 2
    upheld = sum(row["decided_upheld"] for row in rows) + 1
    print(f"Wrote {len(rows)} specimen councils to {TARGET}")
    print(f"England with Bromsgrove: {received:,} received, {investigations:,} detailed "
          f"investigations, {upheld / investigations:.0%} upheld")
    return 0


def main() -> int:
    if sys.argv[1:] == ["2018-19"]:
        from specimens_2019 import write_2018_19

        return write_2018_19()
    return main_2017_18()


if __name__ == "__main__":
    sys.exit(main())
