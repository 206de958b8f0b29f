"""A ledger's deliveries as a run makes them: a letter claimed for this process (the one
decision taken again inside the transaction), each attempt and the handing over committed before
it happens, the outcome, and a run that ended mid-message found afterwards. Part of `Ledger`
(`ledger.py`), whose transactions and records these use."""

from __future__ import annotations

from collections.abc import Callable

from lgsco_letters.mail.claims import Claimant, is_live, this_process
from lgsco_letters.mail.ledger_records import Claimed, LetterRecord, Sending
from lgsco_letters.mail.ledger_schema import SendStatus, now

NOT_HANDED_OVER = "interrupted before the message was handed over"
INTERRUPTED = ("interrupted while handing the message over: the server may have it "
               "(check with the recipient, then --resend to send it again)")


class DeliveryLog:
    """What `Ledger` records of its deliveries (its `transaction`, `record` and
    `write_marker` do the rest)."""

    def mark_interrupted(self) -> list[str]:
        """Deliveries a run that has ended left `sending` become `unknown`; return their
        authorities. A live run's are its own business."""
        with self.transaction() as db:
            rows = db.execute("SELECT id, authority, claimed_by FROM deliveries "
                              "WHERE status = 'sending' ORDER BY authority").fetchall()
            ended = [(row_id, authority) for row_id, authority, claim in rows
                     if not is_live(Claimant.from_text(claim) if claim else None)]
            for row_id, _ in ended:
                db.execute("UPDATE deliveries SET status = 'unknown', reply = ?, "
                           "claimed_by = NULL WHERE id = ?", (INTERRUPTED, row_id))
        return [authority for _, authority in ended]

    def claim(self, slug: str, decide: Callable[[LetterRecord], object],
              sending: Callable[[LetterRecord], Sending]) -> tuple[object, Claimed | None]:
        """Claim the letter for this process, if `decide` (reading its record afresh, inside
        the transaction) lets it go: return the verdict, and the delivery claimed (None when
        the letter may not go). The same message to the same addresses continues its delivery
        (a retry, a resend of an unknown); anything else is a new delivery of the letter."""
        with self.transaction() as db:
            record = self.record(slug)
            verdict = decide(record)
            if not getattr(verdict, "may_go", False):
                return verdict, None
            planned, latest, me = sending(record), record.latest, this_process().as_text()
            if latest is not None and latest.status not in (SendStatus.SENT,
                                                             SendStatus.BOUNCED) and (
                    latest.message_id, latest.recipient, latest.cc, latest.sha256) == (
                    planned.message_id, planned.recipient, planned.cc, planned.sha256):
                db.execute("UPDATE deliveries SET claimed_by = ? WHERE id = ?", (me, latest.id))
                delivery = latest.id
            else:
                delivery = db.execute(
                    """INSERT INTO deliveries (slug, authority, recipient, cc, sha256,
                           message_id, status, reply, resends, claimed_by)
                       VALUES (?, ?, ?, ?, ?, ?, 'failed-temporary', ?, ?, ?)""",
                    (slug, planned.authority, planned.recipient, planned.cc, planned.sha256,
                     planned.message_id, NOT_HANDED_OVER, planned.resends, me)).lastrowid
        return verdict, Claimed(delivery, planned, fresh=delivery != getattr(latest, "id", None))

    def give_back(self, claimed: Claimed) -> bool:
        """Give up a claim whose letter was not handed over, as if it had never been made: a
        delivery the claim began is removed, one it continued is left as it was. Never a
        delivery that may have been handed over (return False for one)."""
        with self.transaction() as db:
            row = db.execute("SELECT status FROM deliveries WHERE id = ?",
                             (claimed.id,)).fetchone()
            if row is None or row[0] == SendStatus.SENDING:
                return False
            if claimed.fresh:
                db.execute("DELETE FROM deliveries WHERE id = ?", (claimed.id,))
            else:
                db.execute("UPDATE deliveries SET claimed_by = NULL WHERE id = ?", (claimed.id,))
        return True

    def attempt(self, delivery: int) -> None:
        """An attempt is about to start: committed before it does."""
        with self.transaction() as db:
            db.execute("UPDATE deliveries SET attempts = attempts + 1, first_attempt = "
                       "COALESCE(first_attempt, ?), last_attempt = ? WHERE id = ?",
                       (now(), now(), delivery))

    def handing_over(self, delivery: int) -> None:
        """The message is about to go, end of data and all: committed before it does (with the
        words that will be true if the run dies before the reply is recorded), and the year's
        marker written: from now on the ledger is the only proof of what went out."""
        self.write_marker()
        with self.transaction() as db:
            db.execute("UPDATE deliveries SET status = 'sending', reply = ? WHERE id = ?",
                       (INTERRUPTED, delivery))

    def finish(self, delivery: int, status: SendStatus, reply: str, warning: str = "") -> None:
        with self.transaction() as db:
            db.execute("UPDATE deliveries SET status = ?, reply = ?, warning = ?, "
                       "claimed_by = NULL, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at "
                       "END WHERE id = ?", (str(status), reply, warning, str(status), now(),
                                             delivery))
