"""Whether a letter may go, and if not, why: the one decision `send`, `status` and the live
preview all make, in one vocabulary.

The reasons are checked in a fixed order, and a letter held back for several is held under the
first: what stops it soonest, then what a person must do first. So a specimen letter that is
also unapproved is counted as not approved (approving it comes first), and a dry run's counts
add up to the letters it holds back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lgsco_letters.data.addresses import visible, visible_address
from lgsco_letters.data.models import Authority
from lgsco_letters.mail.approvals import Approval
from lgsco_letters.mail.envelope import Envelope
from lgsco_letters.mail.ledger import INTERRUPTED, Delivery, LetterRecord, SendStatus
from lgsco_letters.mail.notifications import DELAYED, FAILED
from lgsco_letters.render.findings import failed_build


class Reason(StrEnum):
    """In the order they are checked."""

    NOT_BUILT = "not built"  # no sendable build of it
    BUILD_FAILED = "build failed"  # its last build failed (the layout check among the reasons)
    NOT_AS_BUILT = "not as built"  # the PDF on disk is not the one the manifest records
    BEING_SENT = "being sent"  # claimed by another run that is still going
    UNKNOWN = "unknown"  # handed over, no reply: the server may have it
    REFUSED = "refused"  # refused for good last time
    BOUNCED = "bounced"  # taken by the server, then reported failed by a notification
    SENT = "sent"
    CHANGED_SINCE_SENT = "changed since sent"
    DATA_CHANGED = "changed since built"  # its data changed since its PDF was built
    NOT_APPROVED = "not approved"
    APPROVAL_NOT_LOGGED = "approval not logged"  # the approval is not the log's latest entry
    CHANGED_SINCE_APPROVED = "changed since approved"
    ADDRESS_CHANGED = "address changed"
    COVER_CHANGED = "cover changed"  # the cover note reads otherwise than it was approved
    SPECIMEN = "specimen"
    TRY_AGAIN = "failed for now"  # a temporary failure before: it goes again
    READY = "ready"


MAY_GO = (Reason.TRY_AGAIN, Reason.READY)
RESEND_OVERRIDES = (Reason.UNKNOWN, Reason.REFUSED, Reason.BOUNCED, Reason.SENT,
                    Reason.CHANGED_SINCE_SENT)
SPECIMEN = "specimen letter (made-up figures): not sent without --allow-specimen"


@dataclass(frozen=True)
class Built:
    """A letter as built: the manifest's SHA-256 (None when it has no sendable build, with the
    build's error if any) and the SHA-256 of the bytes on disk."""

    sha256: str | None
    on_disk: str | None
    error: str = ""
    data_changed: str = ""  # built from other data than now (`built_from_other_data`'s say)
    cover: str | None = None  # the digest of its cover note now (None: it cannot be rendered)


@dataclass(frozen=True)
class Verdict:
    reason: Reason
    words: str  # why, as status and the live preview say it
    held: str = ""  # why, as send says it when it holds the letter back (else `words`)
    warning: str = ""  # something a person should know of a letter that went
    sent: Delivery | None = None  # the delivery that took it, for a letter sent

    @property
    def may_go(self) -> bool:
        return self.reason in MAY_GO

    @property
    def why_held(self) -> str:
        return self.held or self.words


def decide(authority: Authority, built: Built, record: LetterRecord, *, resend: bool = False,
           allow_specimen: bool = True) -> Verdict:
    """The letter's verdict. `resend` is a deliberate --resend (the ledger's past no longer
    holds it back); `allow_specimen` False holds specimen letters back (status and the preview
    leave that to `send`)."""
    for check in (_build, _ledger, _data, _approval):
        verdict = check(authority, built, record)
        if verdict is not None and not (resend and verdict.reason in RESEND_OVERRIDES):
            return verdict
    if authority.specimen and not allow_specimen:
        return Verdict(Reason.SPECIMEN, SPECIMEN)
    return _ready(record)


def _build(authority: Authority, built: Built, record: LetterRecord) -> Verdict | None:
    if built.sha256 is None:
        if built.error:
            return Verdict(Reason.BUILD_FAILED, failed_build(built.error))
        return Verdict(Reason.NOT_BUILT, "not built")
    if built.on_disk != built.sha256:
        return Verdict(Reason.NOT_AS_BUILT, "its PDF is not the one built (changed since the "
                                            "build): rebuild it with lgsco-letters build")
    return None


def _ledger(authority: Authority, built: Built, record: LetterRecord) -> Verdict | None:
    latest, sent = record.latest, record.last_sent
    if latest is not None and latest.claimed_live:
        return Verdict(Reason.BEING_SENT, _being_sent(authority, latest))
    if sent is not None:
        warning = _sent_warning(record, sent)
        if sent.sha256 == built.sha256:
            return Verdict(Reason.SENT, f"sent on {sent.sent_at}{_to(sent)}", warning=warning,
                           sent=sent)
        return _changed_since_sent(authority, built, record, sent, warning)
    if latest is None:
        return None
    if latest.status in (SendStatus.UNKNOWN, SendStatus.SENDING):
        return Verdict(Reason.UNKNOWN, f"outcome unknown: {_unknown(latest)}")
    if latest.status == SendStatus.BOUNCED:
        return _bounced(authority, built, record, latest)
    if latest.status == SendStatus.FAILED_PERMANENT:
        return Verdict(Reason.REFUSED, f"refused for good: {latest.reply}",
                       held=f"refused for good last time ({latest.reply}); not retried (use "
                            "--resend once it is fixed)")
    return None


def _bounced(authority: Authority, built: Built, record: LetterRecord,
             delivery: Delivery) -> Verdict:
    """What came back, and what to do: the address corrected in the data, the letter approved
    again for it (no rebuild: an address is not what a letter says), then a deliberate resend."""
    notice, now = record.notice(delivery), Envelope.of(authority)
    came_back = (f"{notice.explained()} (for {delivery.recipient}, notified {notice.day})"
                 if notice else f"for {delivery.recipient}")
    resend = f"send --resend {authority.slug}"
    if now.recipient.casefold() == delivery.recipient.casefold():
        hint = f"correct the address in the data, approve the letter again, then {resend}"
    elif _approval(authority, built, record) is None:
        hint = f"approved again for the corrected address ({now.recipient}): {resend} sends it"
    else:
        hint = (f"the address is corrected in the data (now {now.recipient}): approve the "
                f"letter again, then {resend}")
    return Verdict(Reason.BOUNCED, f"{came_back}: {hint}", held=f"it bounced: {came_back}: {hint}")


def _changed_since_sent(authority: Authority, built: Built, record: LetterRecord,
                        sent: Delivery, warning: str) -> Verdict:
    if _approval(authority, built, record) is None:  # approved as it is now
        return Verdict(Reason.CHANGED_SINCE_SENT,
                       f"changed since sent on {sent.sent_at} (--resend sends the new one)",
                       held=f"its PDF changed after it was sent on {sent.sent_at}; left alone "
                            "(use --resend to send the new one)", warning=warning, sent=sent)
    return Verdict(Reason.CHANGED_SINCE_SENT,
                   f"changed since sent on {sent.sent_at}, and not approved since: approve it "
                   "again, then send it with --resend",
                   held=f"its PDF changed after it was sent on {sent.sent_at}, and it is not "
                        "approved since: approve it again, then send it with --resend",
                   warning=warning, sent=sent)


def _data(authority: Authority, built: Built, record: LetterRecord) -> Verdict | None:
    """A PDF built from other data than now says what the data said then: approving or
    sending it would pass its old figures off as the data's."""
    if not built.data_changed:
        return None
    then = ("approve it again, then send" if record.approval is not None
            else "then approve it")
    if built.data_changed == "unrecorded":  # a manifest from before it was recorded
        return Verdict(Reason.DATA_CHANGED, "it was built before the manifest recorded the "
                       "data each letter is built from, so whether it still says what the data "
                       f"says cannot be told: rebuild it (lgsco-letters build), {then}")
    return Verdict(Reason.DATA_CHANGED, "its data changed since it was built (the PDF still "
                   f"says what the data said then): rebuild it (lgsco-letters build), {then}")


def _approval(authority: Authority, built: Built, record: LetterRecord) -> Verdict | None:
    approval, now = record.approval, Envelope.of(authority)
    if approval is None:
        return Verdict(Reason.NOT_APPROVED, "not approved",
                       held="not approved (lgsco-letters approve NAME --as PERSON)")
    if approval != record.logged:
        return Verdict(Reason.APPROVAL_NOT_LOGGED, "its approval in sent.sqlite is not the "
                       f"approval log's latest entry for it ({_log_says(record)}): the ledger "
                       "was changed by other means than lgsco-letters approve; find out who "
                       "changed it, then approve it again")
    if approval.sha256 != built.sha256:
        return Verdict(Reason.CHANGED_SINCE_APPROVED,
                       f"changed since approved by {approval.approved_by} on {approval.day}: "
                       "approve it again, then send")
    approved = approval.envelope
    if approved is None:
        return Verdict(Reason.ADDRESS_CHANGED, "approved before an approval covered the "
                       f"addresses: approve it again (now {now.describe()})")
    if not approved.same_as(now):
        return Verdict(Reason.ADDRESS_CHANGED, "the address changed since approval: approve it "
                       f"again (approved {approved.describe()}; now {now.describe()})")
    return _cover(approval, built)


def _cover(approval: Approval, built: Built) -> Verdict | None:
    """An approval covers the cover note as it reads (its subject, text and HTML)."""
    if approval.cover is None:
        return Verdict(Reason.COVER_CHANGED, "approved before cover notes were part of an "
                       "approval: approve it again")
    if built.cover is None:
        return Verdict(Reason.COVER_CHANGED, "its cover note cannot be rendered (a fault in "
                       "templates/email: lgsco-letters check says where)")
    if built.cover != approval.cover:
        return Verdict(Reason.COVER_CHANGED, "the cover note changed since approval: approve "
                       "it again")
    return None


def _ready(record: LetterRecord) -> Verdict:
    approval, latest = record.approval, record.latest
    if latest is not None and latest.status == SendStatus.FAILED_TEMPORARY \
            and record.last_sent is None:
        return Verdict(Reason.TRY_AGAIN, f"{latest.reply} (a re-run tries it again)")
    return Verdict(Reason.READY, f"approved by {approval.approved_by} on {approval.day}, "
                                 f"{approval.envelope.describe()}")


def _to(delivery: Delivery) -> str:
    copies = ", ".join(visible_address(cc.strip()) for cc in delivery.cc.split(","))
    return f" to {visible_address(delivery.recipient)}" + (f", cc {copies}" if delivery.cc
                                                          else "")


def _unknown(delivery: Delivery) -> str:
    """Why a delivery's outcome is unknown. One still `sending` whose run has ended (no live
    claim) was interrupted while it was handed over, whatever its reply said before."""
    if delivery.status == SendStatus.SENDING:
        return INTERRUPTED
    return delivery.reply or INTERRUPTED


def _being_sent(authority: Authority, latest: Delivery) -> str:
    claimant = latest.claimed_by
    words = f"being sent by another run ({claimant.describe()}): left to it"
    if claimant.here:
        return words
    return (f"{words}; if that run is gone (another machine, a container, a renamed host), "
            f"send --release \"{authority.name}\" gives its claim up (its outcome is then "
            "unknown: that run may have handed it over)")


def _sent_warning(record: LetterRecord, sent: Delivery) -> str:
    """What went wrong around a letter that did go: a refused or bounced Cc, a delivery delayed
    (until a later notification settles it), a resend that failed."""
    warnings = [sent.warning] if sent.warning else []
    notice = record.notice(sent)
    if notice is not None and notice.action == DELAYED:
        warnings.append(f"delivery delayed: {notice.explained()} (notified {notice.day}); a "
                        "later notification says whether it arrived")
    for copy in record.copies_noticed(sent):
        if copy.action == FAILED:
            warnings.append(f"the Cc {visible(copy.recipient)} bounced: {copy.explained()} "
                            f"(notified {copy.day})")
        elif copy.action == DELAYED:
            warnings.append(f"delivery to the Cc {visible(copy.recipient)} delayed: "
                            f"{copy.explained()} (notified {copy.day}); a later notification "
                            "says whether it arrived")
    later = record.latest
    if later is not None and later.id != sent.id and not later.claimed_live:
        when = later.last_attempt or later.first_attempt
        warnings.append(f"a resend on {when} may have been delivered or not "
                        f"({_outcome(record, later)})"
                        if later.status in (SendStatus.UNKNOWN, SendStatus.SENDING) else
                        f"a resend on {when} was not delivered ({_outcome(record, later)})")
    return "; ".join(warnings)


def _outcome(record: LetterRecord, delivery: Delivery) -> str:
    if delivery.status in (SendStatus.UNKNOWN, SendStatus.SENDING):
        return f"its outcome is unknown: {_unknown(delivery)}"
    notice = record.notice(delivery)
    if delivery.status == SendStatus.BOUNCED and notice is not None:
        return f"it bounced: {notice.explained()}"
    return f"it failed: {delivery.reply}"


def _log_says(record: LetterRecord) -> str:
    logged = record.logged
    if logged is None:
        return "the log has no approval of it in force"
    return f"the log has it approved by {logged.approved_by} on {logged.day}"
