"""Sign-off: who approved which bytes of which letter, for which addresses, with which cover
note, and when, kept in the year's ledger.

An approval holds for exactly the PDF it was given for (its SHA-256), exactly the envelope
(the recipient and the Cc fields' addresses) and exactly the cover note (the SHA-256 of the
email's subject, text and HTML): a letter rebuilt with other figures, whose address has
changed, or whose cover note reads otherwise now, is no longer approved. Every approval and
revocation is also logged, never overwritten; `send` relies only on an approval that is the
log's latest entry for its letter, so that an approval written into the ledger by other means
shows.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lgsco_letters.data.models import Authority
from lgsco_letters.mail.envelope import Envelope
from lgsco_letters.mail.ledger_schema import check_row, now

if TYPE_CHECKING:
    from lgsco_letters.mail.ledger import Ledger


@dataclass(frozen=True)
class Approval:
    slug: str
    authority: str
    sha256: str
    approved_by: str
    approved_at: str
    recipient: str | None  # None: given before approvals covered the envelope
    cc: str | None
    cover: str | None = None  # None: given before approvals covered the cover note

    @property
    def day(self) -> str:
        return self.approved_at[:10]

    @property
    def envelope(self) -> Envelope | None:
        return Envelope.from_columns(self.recipient, self.cc)


FIELDS = "slug, authority, sha256, approved_by, approved_at, recipient, cc, cover"
LOGGED = "slug, authority, sha256, person, at, recipient, cc, cover"


def read_approvals(db: sqlite3.Connection, slug: str | None = None) -> dict[str, Approval]:
    where, args = ("WHERE slug = ?", (slug,)) if slug is not None else ("", ())
    rows = db.execute(f"SELECT {FIELDS} FROM approvals {where}", args)
    return {row[0]: Approval(*_checked("approvals", row, FIELDS)) for row in rows}


def read_latest_log(db: sqlite3.Connection, slug: str | None = None) -> dict[str, Approval]:
    """Each letter's latest approval_log entry, when that entry is an approval (a revocation,
    or no entry, gives nothing)."""
    where, args = ("WHERE slug = ?", (slug,)) if slug is not None else ("", ())
    rows = db.execute(f"SELECT action, {LOGGED} FROM approval_log WHERE rowid IN (SELECT "
                      f"MAX(rowid) FROM approval_log {where} GROUP BY slug)", args)
    return {row[1]: Approval(*_checked("approval_log", row[1:], LOGGED)) for row in rows
            if row[0] == "approved"}


def _checked(table: str, row: tuple, fields: str) -> tuple:
    check_row(table, row, tuple(fields.split(", ")), optional=("recipient", "cc", "cover"))
    return row


def approve(ledger: Ledger, letters: list[tuple[Authority, str, str]],
            person: str) -> list[tuple[str, Envelope]]:
    """Approve each (authority, sha256, cover digest) as `person`, for the authority's envelope
    as the data has it now; return the authorities whose approval is new (not already approved
    with these bytes, for these addresses, with this cover note), each with its envelope."""
    at, fresh = now(), []
    with ledger.transaction() as db:
        held, logged = read_approvals(db), read_latest_log(db)
        for authority, sha256, cover in letters:
            envelope = Envelope.of(authority)
            if _holds(held.get(authority.slug), logged, sha256, envelope, cover):
                continue
            row = (authority.slug, authority.name, sha256, person, at, envelope.recipient,
                   envelope.cc_column(), cover)
            db.execute(f"INSERT OR REPLACE INTO approvals ({FIELDS}) VALUES "
                       "(?, ?, ?, ?, ?, ?, ?, ?)", row)
            _log(db, "approved", row)
            fresh.append((authority.name, envelope))
    return fresh


def _holds(approval: Approval | None, logged: dict[str, Approval], sha256: str,
           envelope: Envelope, cover: str) -> bool:
    """Whether the letter is already approved as it is, with the log's agreement."""
    return (approval is not None and approval.sha256 == sha256
            and approval == logged.get(approval.slug) and approval.envelope is not None
            and approval.envelope.same_as(envelope) and approval.cover == cover)


def revoke(ledger: Ledger, slugs: list[str], person: str) -> list[str]:
    """Withdraw the approvals of these letters; return the authorities that had one."""
    at = now()
    with ledger.transaction() as db:
        held = read_approvals(db)
        gone = [held[slug] for slug in slugs if slug in held]
        for approval in gone:
            db.execute("DELETE FROM approvals WHERE slug = ?", (approval.slug,))
            _log(db, "revoked", (approval.slug, approval.authority, approval.sha256, person, at,
                                 approval.recipient, approval.cc, approval.cover))
    return [approval.authority for approval in gone]


def _log(db: sqlite3.Connection, action: str, row: tuple) -> None:
    db.execute(f"INSERT INTO approval_log (action, {LOGGED}) VALUES "
               "(?, ?, ?, ?, ?, ?, ?, ?, ?)", (action, *row))
