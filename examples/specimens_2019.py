"""The 2018-19 specimen year (format headline-2019), used by `make_specimens.py 2018-19`.

Every total is apportioned exactly, so England's figures are the published ones to the unit;
each council's share follows its kind and a seeded random spread, as for 2017-18.
"""

from __future__ import annotations

import csv
import random

from make_specimens import (
    EARLY_SHARES,
    HEADER,
    HERE,
    MIX,
    VOLUME,
    apportion,
    kind,
    slug,
)

COUNCILS = HERE / "councils-2019.csv"
TARGET = HERE.parent / "data" / "2018-19" / "authorities.csv"
SEED = 2019
RECEIVED_TOTAL, INVESTIGATIONS, UPHELD = 16_899, 4_234, 2_456
DUE, COMPLIED, LATE_SHARE, REMEDIED_BY_US = 3_525, 3_504, 0.08, 1_929
NO_COMPLAINTS = "Council of the Isles of Scilly"
NO_INVESTIGATIONS = "City of London Corporation"
NO_RECOMMENDATIONS = "Rutland County Council"
HEADER_2019 = (*HEADER, "recommendations_due", "recommendations_complied_on_time",
               "recommendations_complied_late")


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
                  f"chief.executive@{slug(council['nice_name'])}.example.org", "true", *counts]
        rows.append(dict(zip(HEADER_2019, values, strict=True)))
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with TARGET.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=HEADER_2019, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"Wrote {len(rows)} specimen councils to {TARGET}")
    print(f"England: {sum(received):,} received, {sum(investigations):,} detailed "
          f"investigations, {sum(upheld):,} upheld, {sum(due):,} recommendations due, "
          f"{sum(complied):,} complied with ({sum(late):,} late)")
    return 0
