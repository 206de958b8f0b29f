"""Where each letter stands on its way out: draft, approved, sent, held back or failed, and why.

Read from the manifest (what was built), the PDFs on disk, and the ledger (what was approved and
what was sent), and judged by the one decision `send` makes (`verdict.decide`); `status` reports
it, and the live preview shows it on each letter's page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from lgsco_letters.build.manifest import SENDABLE, built_from_other_data, read_previous
from lgsco_letters.data.models import Authority, Year
from lgsco_letters.digests import file_sha256
from lgsco_letters.errors import RenderError
from lgsco_letters.mail.ledger import Ledger, LetterRecord
from lgsco_letters.mail.message import approved_cover
from lgsco_letters.mail.verdict import Built, Reason, Verdict, decide
from lgsco_letters.render.templating import Templates


class LetterState(StrEnum):
    DRAFT = "draft"  # built, not approved
    APPROVED = "approved"  # approved with its current bytes and addresses, not yet sent
    SENT = "sent"
    HELD = "held back"  # cannot go until someone acts: rebuild, approve again, --resend
    FAILED = "failed"  # the server refused it, or the build did
    BOUNCED = "bounced"  # the server took it, and a notification came back: it never arrived


# Every other reason holds the letter back.
STATES = {Reason.NOT_APPROVED: LetterState.DRAFT, Reason.READY: LetterState.APPROVED,
          Reason.SENT: LetterState.SENT, Reason.REFUSED: LetterState.FAILED,
          Reason.TRY_AGAIN: LetterState.FAILED, Reason.BOUNCED: LetterState.BOUNCED,
          Reason.BUILD_FAILED: LetterState.FAILED}


@dataclass(frozen=True)
class Standing:
    authority: str
    slug: str
    specimen: bool
    state: LetterState
    reason: str
    kind: Reason  # what kind of reason, for grouping many alike
    approved_by: str | None = None
    approved_at: str | None = None
    sent_at: str | None = None
    sha256: str | None = None
    approved_for: dict[str, Any] | None = None  # the addresses the approval covers
    sent_to: dict[str, str] | None = None  # where the delivery that took it went
    warning: str | None = None
    bounce: dict[str, str] | None = None  # the notification that says it bounced
    successor: str = ""  # the council an abolished authority's letter goes to

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reason_code"] = str(data.pop("kind"))
        return data


def built_letter(year: Year, authority: Authority, row: dict | None, out_dir: Path,
                 cover: str | None = None) -> Built:
    if row is None or row["status"] not in SENDABLE:
        return Built(None, None, row["error"] if row and row["error"] else "")
    return Built(row["sha256"], file_sha256(out_dir / f"{authority.slug}.pdf"),
                 data_changed=built_from_other_data(row, year, authority), cover=cover)


def cover_now(templates: Templates | None, year: Year, authority: Authority) -> str | None:
    """The digest of the letter's cover note as an approval covers it; None if a template's
    fault keeps it from being rendered (send refuses the run then, saying where)."""
    if templates is None:
        return None
    try:
        return approved_cover(templates, year, authority).digest()
    except RenderError:
        return None


def standings(year: Year, out_dir: Path, ledger: Ledger,
              templates: Templates | None) -> list[Standing]:
    rows, records = read_previous(out_dir), ledger.records()
    return [standing_of(year, authority, rows.get(authority.slug), out_dir,
                        records.get(authority.slug, LetterRecord()), templates)
            for authority in year.authorities]


def standing_for(year: Year, out_dir: Path, ledger: Ledger, authority: Authority,
                 templates: Templates | None) -> Standing:
    """One letter's standing, reading only its own file."""
    return standing_of(year, authority, read_previous(out_dir).get(authority.slug), out_dir,
                       ledger.records().get(authority.slug, LetterRecord()), templates)


def standing_of(year: Year, authority: Authority, row: dict | None, out_dir: Path,
                record: LetterRecord, templates: Templates | None) -> Standing:
    cover = cover_now(templates, year, authority) if record.approval is not None else None
    built = built_letter(year, authority, row, out_dir, cover)
    verdict = decide(authority, built, record)
    approval, sent = record.approval, verdict.sent
    envelope = approval.envelope if approval else None
    latest = record.latest
    bounce = (record.notice(latest) if verdict.reason == Reason.BOUNCED and latest else None)
    return Standing(authority.name, authority.slug, authority.specimen,
                    STATES.get(verdict.reason, LetterState.HELD), verdict.words, verdict.reason,
                    approval.approved_by if approval else None,
                    approval.approved_at if approval else None,
                    sent.sent_at if sent else None, built.sha256,
                    envelope.as_dict() if envelope else None,
                    {"to": sent.recipient, "cc": sent.cc} if sent else None,
                    verdict.warning or None, bounce.as_dict() if bounce else None,
                    authority.successor)


def in_words(standing: Standing) -> str:
    """The state and why, as one line (the live preview's page)."""
    warning = f" (warning: {standing.warning})" if standing.warning else ""
    return f"{standing.state}: {standing.reason}{warning}"


__all__ = ["LetterState", "Standing", "Verdict", "in_words", "standing_for", "standings"]
