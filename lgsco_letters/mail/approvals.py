"""Sign-off: who approved which bytes of which letter, and when, kept in the year's ledger.

An approval holds for exactly the PDF it was given for (its SHA-256): a letter rebuilt with other
figures is no longer approved. Every approval and revocation is also logged, never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from lgsco_letters.mail.ledger import Ledger, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
    slug TEXT PRIMARY KEY,
    authority TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS approval_log (
    at TEXT NOT NULL,
    slug TEXT NOT NULL,
    authority TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('approved', 'revoked')),
    person TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Approval:
    slug: str
    authority: str
    sha256: str
    approved_by: str
    approved_at: str

    @property
    def day(self) -> str:
        return self.approved_at[:10]


def approvals(ledger: Ledger) -> dict[str, Approval]:
    ledger.db.executescript(SCHEMA)
    rows = ledger.db.execute("SELECT slug, authority, sha256, approved_by, approved_at "
                             "FROM approvals")
    return {row[0]: Approval(*row) for row in rows}


def approve(ledger: Ledger, letters: list[tuple[str, str, str]], person: str) -> list[str]:
    """Approve each (slug, authority, sha256) as `person`; return the authorities whose
    approval is new (not already approved with these bytes)."""
    held = approvals(ledger)
    fresh = [letter for letter in letters
             if letter[0] not in held or held[letter[0]].sha256 != letter[2]]
    at = now()
    with ledger.db:
        ledger.db.execute("BEGIN IMMEDIATE")
        for slug, authority, sha256 in fresh:
            ledger.db.execute("INSERT OR REPLACE INTO approvals VALUES (?, ?, ?, ?, ?)",
                              (slug, authority, sha256, person, at))
            _log(ledger, at, slug, authority, sha256, "approved", person)
    return [authority for _, authority, _ in fresh]


def revoke(ledger: Ledger, slugs: list[str], person: str) -> list[str]:
    """Withdraw the approvals of these letters; return the authorities that had one."""
    held = approvals(ledger)
    gone = [held[slug] for slug in slugs if slug in held]
    at = now()
    with ledger.db:
        ledger.db.execute("BEGIN IMMEDIATE")
        for approval in gone:
            ledger.db.execute("DELETE FROM approvals WHERE slug = ?", (approval.slug,))
            _log(ledger, at, approval.slug, approval.authority, approval.sha256, "revoked",
                 person)
    return [approval.authority for approval in gone]


def _log(ledger: Ledger, at: str, slug: str, authority: str, sha256: str, action: str,
         person: str) -> None:
    ledger.db.execute("INSERT INTO approval_log VALUES (?, ?, ?, ?, ?, ?)",
                      (at, slug, authority, sha256, action, person))
