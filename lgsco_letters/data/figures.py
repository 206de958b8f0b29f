"""Figures derived from an authority's counts: never typed in, always computed here."""

from __future__ import annotations

from dataclasses import dataclass

from lgsco_letters.data.models import Authority


def uphold_rate(upheld: int, not_upheld: int) -> int | None:
    """Upheld as a whole percentage of detailed investigations, rounded half up (1 of 8 -> 13).

    Integer arithmetic avoids float rounding (12.5 must become 13, not 12). With no detailed
    investigations there is no rate at all, rather than a misleading 0%.
    """
    investigations = upheld + not_upheld
    if investigations == 0:
        return None
    return (200 * upheld + investigations) // (2 * investigations)


@dataclass(frozen=True)
class Figures:
    received: dict[str, int]
    received_total: int
    decided: dict[str, int]
    decided_total: int
    detailed_investigations: int
    uphold_rate: int | None
    remedied: dict[str, int]


def figures_for(authority: Authority) -> Figures:
    decided = authority.decided
    return Figures(
        received=authority.received,
        received_total=sum(authority.received.values()),
        decided=decided,
        decided_total=sum(decided.values()),
        detailed_investigations=decided["upheld"] + decided["not_upheld"],
        uphold_rate=uphold_rate(decided["upheld"], decided["not_upheld"]),
        remedied=authority.remedied,
    )
