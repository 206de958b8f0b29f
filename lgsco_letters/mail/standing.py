"""Where each letter stands on its way out: draft, approved, sent, held back or failed, and why.

Read from the manifest (what was built), the PDFs on disk, and the ledger (what was approved and
what was sent); `status` reports it, and the live preview shows it on each letter's page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from lgsco_letters.build.manifest import SENDABLE, read_previous
from lgsco_letters.build.state import file_sha256
from lgsco_letters.data.models import Authority, Year
from lgsco_letters.mail.approvals import Approval, approvals
from lgsco_letters.mail.ledger import Entry, Ledger, SendStatus


class LetterState(StrEnum):
    DRAFT = "draft"  # built, not approved
    APPROVED = "approved"  # approved with its current bytes, not yet sent
    SENT = "sent"
    HELD = "held back"  # cannot go until someone acts: rebuild, approve again, --resend
    FAILED = "failed"  # the server refused it, or the build did


@dataclass(frozen=True)
class Standing:
    authority: str
    slug: str
    specimen: bool
    state: LetterState
    reason: str
    kind: str = ""  # what kind of reason, for grouping many alike
    approved_by: str | None = None
    approved_at: str | None = None
    sent_at: str | None = None
    sha256: str | None = None
    successor: str = ""  # the council an abolished authority's letter goes to

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("kind")
        return data


def standings(year: Year, out_dir: Path, ledger: Ledger) -> list[Standing]:
    rows, entries, signed = read_previous(out_dir), ledger.entries(), approvals(ledger)
    return [standing_of(authority, rows.get(authority.slug), out_dir,
                        entries.get(authority.slug), signed.get(authority.slug))
            for authority in year.authorities]


def standing_for(year: Year, out_dir: Path, ledger: Ledger, authority: Authority) -> Standing:
    """One letter's standing, reading only its own file."""
    return standing_of(authority, read_previous(out_dir).get(authority.slug), out_dir,
                       ledger.entries().get(authority.slug),
                       approvals(ledger).get(authority.slug))


def standing_of(authority: Authority, row: dict | None, out_dir: Path, entry: Entry | None,
                approval: Approval | None) -> Standing:
    state, reason, kind = _state(authority, row, out_dir, entry, approval)
    return Standing(authority.name, authority.slug, authority.specimen, state, reason,
                    kind, approval.approved_by if approval else None,
                    approval.approved_at if approval else None,
                    entry.sent_at if entry and entry.status == SendStatus.SENT else None,
                    row["sha256"] if row else None, authority.successor)


def _state(authority: Authority, row: dict | None, out_dir: Path, entry: Entry | None,
           approval: Approval | None) -> tuple[LetterState, str, str]:
    if row is None or row["status"] not in SENDABLE:
        why = f"the build failed: {row['error']}" if row and row["error"] else "not built"
        return LetterState.HELD, why, "not built"
    sha256 = row["sha256"]
    if file_sha256(out_dir / f"{authority.slug}.pdf") != sha256:
        return LetterState.HELD, "its PDF is not the one built: rebuild it", "not built"
    if entry is not None and entry.status != SendStatus.FAILED_TEMPORARY:
        return _sent_state(entry, sha256)
    if approval is None:
        return LetterState.DRAFT, "not approved", "draft"
    if approval.sha256 != sha256:
        return (LetterState.HELD, f"changed since approved by {approval.approved_by} on "
                                  f"{approval.day}", "changed since approved")
    if entry is not None:  # approved, and tried before: a re-run tries again
        return LetterState.FAILED, f"{entry.reply} (a re-run tries it again)", "failed"
    return LetterState.APPROVED, f"approved by {approval.approved_by} on {approval.day}", ""


def _sent_state(entry: Entry, sha256: str) -> tuple[LetterState, str, str]:
    if entry.status == SendStatus.SENT:
        if entry.sha256 == sha256:
            return LetterState.SENT, f"sent on {entry.sent_at}", ""
        return (LetterState.HELD, f"changed since sent on {entry.sent_at} (--resend sends the "
                                  "new one)", "changed since sent")
    if entry.status == SendStatus.FAILED_PERMANENT:
        return LetterState.FAILED, f"refused for good: {entry.reply}", "failed"
    return LetterState.HELD, f"outcome unknown: {entry.reply}", "unknown"
