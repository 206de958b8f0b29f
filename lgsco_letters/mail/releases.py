"""Giving up a claim that another run left behind (`send --release NAME`).

A claim from another host cannot be checked from here, so it holds its letter back for as long
as it stands: a run in a container, on a renamed host or on a machine that crashed leaves its
letters "being sent by another run" for good. Releasing such a claim is a person's decision,
and it never pretends to know more than it does: that run may have handed the letter over, so
the letter's outcome becomes unknown (check with the recipient, then `--resend`). A claim of a
process on this host that still runs is never released.
"""

from __future__ import annotations

from lgsco_letters.errors import LettersError
from lgsco_letters.mail.ledger import Delivery, Ledger, LetterRecord
from lgsco_letters.mail.ledger_schema import now


def releasable(name: str, record: LetterRecord) -> tuple[Delivery | None, str]:
    """The delivery whose claim may be released, or why there is none."""
    latest = record.latest
    if latest is None or not latest.claimed_live:
        return None, f"{name}: no run holds a claim on it: nothing to release"
    if latest.claimed_by.here:
        return None, (f"{name}: it is being sent by {latest.claimed_by.describe()} on this "
                      "host, which is still running: its claim is not released (let that run "
                      "finish, or stop it)")
    return latest, ""


def release_claims(ledger: Ledger, letters: dict[str, str]) -> list[tuple[str, Delivery]]:
    """Release the claims on these letters (slug: authority), all or none, in one transaction
    that judges each afresh; return each letter's name with the delivery it released."""
    released, problems = [], []
    with ledger.transaction() as db:
        for slug, name in letters.items():
            delivery, why = releasable(name, ledger.record(slug))
            if delivery is None:
                problems.append(why)
            else:
                released.append((name, delivery))
        if problems:
            raise LettersError("\n".join(problems) + "\nNothing was released.")
        for _, delivery in released:
            db.execute("UPDATE deliveries SET status = 'unknown', reply = ?, claimed_by = NULL "
                       "WHERE id = ?", (released_reply(delivery), delivery.id))
    return released


def released_reply(delivery: Delivery) -> str:
    return (f"its claim by {delivery.claimed_by.describe()} was released with send --release "
            f"on {now()}: that run may have handed it over (check with the recipient, then "
            "--resend to send it again)")
