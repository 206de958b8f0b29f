"""The 2018-19 specimen year (format headline-2019), used by `make_specimens.py 2018-19`.

Every total is apportioned exactly, so England's figures are the published ones to the unit;
each council's share follows its kind and a seeded random spread, as for 2017-18.

The councils are those that existed during 2018-19, the 353 of `councils-2018.csv`. The figures
are first made for the 343 councils of `councils-2019.csv` (so that the 338 councils of both
lists keep the figures they have always had); then the figures of each of the five councils
created on 1 April 2019 are shared out, count by count, among the councils it replaces
(`replaces`), by their kind, so that England's totals stay exactly as they were. Each of those
15 abolished councils names its `successor`, and its letter goes to the successor's chief
executive.
"""

from __future__ import annotations

import csv
import random

from make_specimens import (
    DECIDED_EARLY,
    EARLY_SHARES,
    HEADER,
    HERE,
    MIX,
    RECEIVED,
    VOLUME,
    apportion,
    kind,
    slug,
)

COUNCILS = HERE / "councils-2019.csv"
COUNCILS_2018 = HERE / "councils-2018.csv"
TARGET = HERE.parent / "data" / "2018-19" / "authorities.csv"
SEED = 2019
RECEIVED_TOTAL, INVESTIGATIONS, UPHELD = 16_899, 4_234, 2_456
DUE, COMPLIED, LATE_SHARE, REMEDIED_BY_US = 3_525, 3_504, 0.08, 1_929
NO_COMPLAINTS = "Council of the Isles of Scilly"
NO_INVESTIGATIONS = "City of London Corporation"
NO_RECOMMENDATIONS = "Rutland County Council"
HEADER_2019 = (*HEADER[:6], "successor", *HEADER[6:], "recommendations_due",
               "recommendations_complied_on_time", "recommendations_complied_late")
SPLIT_SEED = 20190401  # a generator of its own, so that the 343 councils' figures stay put


def capped(total: int, weights: list[float], caps: list[int]) -> list[int]:
    """Like `apportion`, but no share above its cap; what a cap cuts goes to the others."""
    counts = [0] * len(weights)
    left = total
    while left:
        room = [w if counts[i] < caps[i] else 0.0 for i, w in enumerate(weights)]
        if not any(room):
            raise ValueError(f"{left} cannot be placed under the caps")
        extra = apportion(left, room)
        for i, add in enumerate(extra):
            counts[i] += min(add, caps[i] - counts[i])
        left = total - sum(counts)
    return counts


def write_2018_19() -> int:
    with COUNCILS.open(encoding="utf-8", newline="") as stream:
        councils = list(csv.DictReader(stream))
    rng = random.Random(SEED)
    names = [c["official_name"] for c in councils]
    weights = [0.0 if n == NO_COMPLAINTS else VOLUME[kind(c["authority_type"])]
               * rng.lognormvariate(0, 0.35) for n, c in zip(names, councils, strict=True)]
    received = apportion(RECEIVED_TOTAL, weights)
    decided = [round(count * rng.uniform(0.9, 1.08)) for count in received]
    depth = [0.0 if n == NO_INVESTIGATIONS else d * rng.uniform(0.15, 0.32)
             for n, d in zip(names, decided, strict=True)]
    investigations = capped(INVESTIGATIONS, depth, [max(d, 1) if w else 0
                                                    for d, w in zip(decided, weights,
                                                                    strict=True)])
    upheld = capped(UPHELD, [i * min(max(rng.gauss(0.58, 0.12), 0.2), 0.95)
                             for i in investigations], investigations)
    due = capped(DUE, [0.0 if n == NO_RECOMMENDATIONS else u * rng.uniform(1.0, 2.0)
                       for n, u in zip(names, upheld, strict=True)],
                 [0 if n == NO_RECOMMENDATIONS else 4 * u + 2
                  for n, u in zip(names, upheld, strict=True)])
    missed = capped(DUE - COMPLIED, [rng.random() for _ in due], due)
    complied = [d - m for d, m in zip(due, missed, strict=True)]
    late = capped(round(DUE * LATE_SHARE), [c * rng.random() for c in complied], complied)
    by_us = capped(REMEDIED_BY_US, [u * rng.uniform(0.6, 1.0) for u in upheld], upheld)
    by_council = [round((u - b) * rng.uniform(0.0, 0.5)) for u, b in zip(upheld, by_us,
                                                                         strict=True)]
    rows = []
    for i, council in enumerate(councils):
        mix = [share * rng.uniform(0.6, 1.4)
               for share in MIX.get(kind(council["authority_type"]), MIX["unitary"])]
        early = apportion(max(decided[i] - investigations[i], 0),
                          [s * rng.uniform(0.7, 1.3) for s in EARLY_SHARES])
        counts = [*apportion(received[i], mix), received[i], *early,
                  investigations[i] - upheld[i], upheld[i], sum(early) + investigations[i],
                  by_us[i], by_council[i], due[i], complied[i] - late[i], late[i]]
        values = [council["official_name"], council["authority_type"], "", "Chief Executive",
                  f"chief.executive@{slug(council['nice_name'])}.example.org", "true", "",
                  *counts]
        rows.append(dict(zip(HEADER_2019, values, strict=True)))
    rows = councils_of_2018_19(rows, councils)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with TARGET.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=HEADER_2019, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"Wrote {len(rows)} specimen councils to {TARGET}, "
          f"{sum(1 for row in rows if row['successor'])} of them with a successor")
    print(f"England: {sum(received):,} received, {sum(investigations):,} detailed "
          f"investigations, {sum(upheld):,} upheld, {sum(due):,} recommendations due, "
          f"{sum(complied):,} complied with ({sum(late):,} late)")
    return 0


# ---- the councils of 2018-19: the five created on 1 April 2019 as the 15 they replaced ------

def councils_of_2018_19(rows: list[dict], councils: list[dict[str, str]]) -> list[dict]:
    """The rows of the councils of 2018-19, in the order of `councils-2018.csv`."""
    with COUNCILS_2018.open(encoding="utf-8", newline="") as stream:
        before = {c["official_name"]: c for c in csv.DictReader(stream)}
    by_name = {row["authority"]: row for row in rows}
    rng = random.Random(SPLIT_SEED)
    for council in councils:
        if council["replaces"]:
            row = by_name.pop(council["official_name"])
            olds = [before[name.strip()] for name in council["replaces"].split(";")]
            for old, part in zip(olds, split(row, olds, rng), strict=True):
                by_name[old["official_name"]] = part
    assert set(by_name) == set(before), set(by_name) ^ set(before)
    return [by_name[name] for name in before]


def split(row: dict, olds: list[dict[str, str]], rng: random.Random) -> list[dict]:
    """The new council's counts shared among the councils it replaced: each received category
    by their kind's mix, the rest by their size; every rule of the format still holds."""
    sizes = [VOLUME[kind(old["authority_type"])] * rng.lognormvariate(0, 0.35) for old in olds]
    parts = [{"authority": old["official_name"], "authority_type": old["authority_type"],
              "recipient_name": row["recipient_name"], "recipient_title": row["recipient_title"],
              "recipient_email": row["recipient_email"], "specimen": "true",
              "successor": row["authority"]} for old in olds]

    def share(field: str, weights: list[float] | None = None, caps: list[int] | None = None):
        counts = capped(row[field], weights or sizes, caps) if caps else apportion(
            row[field], weights or sizes)
        for part, count in zip(parts, counts, strict=True):
            part[field] = count

    for index, category in enumerate(RECEIVED):
        share(f"received_{category}", [size * MIX.get(kind(old["authority_type"]),
                                                      MIX["unitary"])[index]
                                       for size, old in zip(sizes, olds, strict=True)])
    for key in (*DECIDED_EARLY, "upheld", "not_upheld", "recommendations_due"):
        share(key if key.startswith("rec") else f"decided_{key}")
    upheld = [part["decided_upheld"] for part in parts]
    share("remedied_by_ombudsman", caps=upheld)
    share("remedied_by_authority_before_ombudsman",
          caps=[u - part["remedied_by_ombudsman"] for u, part in zip(upheld, parts, strict=True)])
    share("recommendations_complied_on_time", caps=[part["recommendations_due"] for part in parts])
    share("recommendations_complied_late", caps=[part["recommendations_due"]
                                                 - part["recommendations_complied_on_time"]
                                                 for part in parts])
    for part in parts:
        part["received_total"] = sum(part[f"received_{c}"] for c in RECEIVED)
        part["decided_total"] = sum(part[f"decided_{k}"] for k in (*DECIDED_EARLY, "not_upheld",
                                                                   "upheld"))
    return [{field: part[field] for field in HEADER_2019} for part in parts]
