"""A run of sends: letter by letter, its bytes read once and hashed, the letter claimed in the
ledger (which judges it again, as it stands at that moment, against those bytes), exactly those
bytes handed over, and the outcome committed before the next letter.

What the ledger records is only ever what happened between this program and the server. A
letter that did not go because of something else is given back, as if never claimed: a bug in
lgsco-letters before its message was handed over (the run goes on with the next council, and
ends with the exit code of a bug), an address this server cannot carry, or a run that stops.
A run stops, with its summary so far, when no letter can go as things are: the server refuses
the login, the sender or the session, the ledger cannot be written, or Ctrl-C asks it to.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lgsco_letters.data.models import Year
from lgsco_letters.errors import ExitCode, LettersError, Unfinished
from lgsco_letters.mail.delivery import (
    Connection,
    NeedsSmtputf8,
    Result,
    deliver,
    pause,
)
from lgsco_letters.mail.ledger import (
    Delivery,
    Ledger,
    LedgerError,
    LetterRecord,
    Sending,
    SendStatus,
)
from lgsco_letters.mail.ledger_records import Claimed
from lgsco_letters.mail.mailing import (
    Plan,
    Planned,
    SendOptions,
    message_id_for,
    read_once,
    resends,
)
from lgsco_letters.mail.message import compose
from lgsco_letters.mail.verdict import Reason, Verdict, decide
from lgsco_letters.processes import Terminated

logger = logging.getLogger(__name__)


@dataclass
class SendOutcome:
    """What became of one letter when its turn came."""

    authority: str
    result: Result | None = None  # the server's answer (recorded, unless `unrecorded`)
    held: Verdict | None = None  # held back at its turn (sent meanwhile: reason SENT)
    not_sent: str = ""  # not handed over, and nothing of it recorded: why
    bug: bool = False  # not sent because of an unexpected error in lgsco-letters
    resent: Delivery | None = None  # a deliberate resend: the delivery the council already had
    handed_over: bool = False  # its message went to the server, end of data and all
    unrecorded: bool = False  # the server answered, but the ledger could not record it
    slug: str = ""
    sha256: str = ""

    @property
    def sent(self) -> bool:
        return self.result is not None and self.result.status == SendStatus.SENT

    @property
    def failed_resend(self) -> bool:
        """A deliberate resend that did not go, of a letter the council already has: the
        letter stays sent, the failure is a warning."""
        return self.resent is not None and self.result is not None and not self.sent


class RunStopped(Unfinished):
    """The run cannot go on: the letter in hand (if any) and the reason, said after the
    summary of what was done."""

    def __init__(self, message: str, outcome: SendOutcome | None = None,
                 exit_code: ExitCode = ExitCode.UNFINISHED):
        super().__init__(message)
        self.outcome, self.exit_code = outcome, exit_code


@dataclass
class RunReport:
    outcomes: list[SendOutcome] = field(default_factory=list)
    untried: list[str] = field(default_factory=list)  # never reached: the run stopped
    stopped: RunStopped | None = None

    @property
    def bug(self) -> bool:
        return any(outcome.bug for outcome in self.outcomes)


class StopSwitch:
    """Ctrl-C or SIGTERM (as `timeout` and systemd send) during a run: the first asks it to
    stop once the letter in hand is done (its reply read and recorded); a second stops it at
    once (that letter's outcome may then be unknown). SIGTERM killed the run outright, leaving
    the letter in hand unknown, to be checked with the council by hand."""

    def __init__(self, notice: Callable[[str], None] = lambda name: None):
        self.requested, self.notice, self.by = False, notice, "Ctrl-C"

    def __call__(self) -> bool:
        return self.requested

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopSwitch]:
        if threading.current_thread() is not threading.main_thread():
            yield self  # signals reach only the main thread: nothing to catch here
            return
        previous = {signum: signal.signal(signum, self._first)
                    for signum in (signal.SIGINT, signal.SIGTERM)
                    if signal.getsignal(signum) is not signal.SIG_IGN}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _first(self, signum: int, frame: object) -> None:
        self.requested = True
        self.by = "SIGTERM" if signum == signal.SIGTERM else "Ctrl-C"
        signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT
                      else _raise_terminated)
        self.notice(self.by)


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def send_all(plan: Plan, year: Year, options: SendOptions, ledger: Ledger,
             report: Callable[[SendOutcome], None], switch: StopSwitch) -> RunReport:
    connection = Connection(options.server)
    run, interval, last = RunReport(), 60.0 / options.rate if options.rate else 0.0, None
    try:
        if plan.to_send:
            connection.open_early()  # credentials that cannot be had stop it before any claim
        for index, item in enumerate(plan.to_send):
            if last is not None and interval:
                pause(interval - (time.monotonic() - last), switch)
            if switch.requested:
                run.untried = [later.authority.name for later in plan.to_send[index:]]
                run.stopped = RunStopped(f"Stopped by {switch.by}, between letters: nothing "
                                         "was left half-done; a re-run sends the letters not "
                                         "tried.")
                break
            last = time.monotonic()
            try:
                run.outcomes.append(_send_one(item, year, options, ledger, connection, switch))
            except RunStopped as stopped:
                if stopped.outcome is not None:
                    run.outcomes.append(stopped.outcome)
                    report(stopped.outcome)
                run.untried = [later.authority.name for later in plan.to_send[index + 1:]]
                run.stopped = stopped
                break
            report(run.outcomes[-1])
    except BaseException:
        connection.drop()  # a second Ctrl-C stops at once: no goodbye to wait for
        raise
    connection.close()
    _settle(plan, run, ledger)
    return run


def _send_one(item: Planned, year: Year, options: SendOptions, ledger: Ledger,
              connection: Connection, switch: StopSwitch) -> SendOutcome:
    authority = item.authority
    outcome = SendOutcome(authority.name, slug=authority.slug, sha256=item.sha256)
    try:
        data, built = read_once(item)
    except OSError as error:  # unreadable now (permissions): not sent, nothing claimed
        outcome.not_sent = f"its PDF could not be read: {error.strerror} ({item.path})"
        return outcome
    recipient, cc, seen = authority.recipient.email, item.cc, {}

    def sending(record: LetterRecord) -> Sending:
        return Sending(authority.slug, authority.name, recipient, ", ".join(cc), built.on_disk,
                       message_id_for(item, year, options, record),
                       resends(record, item.resend))

    def judge(record: LetterRecord) -> Verdict:
        seen["record"] = record
        # --resend overrides the record it was given for: a delivery another run has made
        # since is not sent again
        resend = item.resend and _last_id(record) == _last_id(item.record)
        return decide(authority, built, record, resend=resend,
                      allow_specimen=options.allow_specimen)

    try:
        verdict, claimed = ledger.claim(authority.slug, judge, sending)
    except LedgerError as error:
        outcome.not_sent = "the ledger could not be written"
        raise RunStopped(f"{authority.name}: not sent, and the run stopped: the ledger could "
                         f"not record its claim: {error}", outcome) from None
    if claimed is None:
        outcome.held = verdict
        return outcome
    outcome.resent = seen["record"].last_sent if item.resend else None

    def handing_over() -> None:
        ledger.handing_over(claimed.id)
        outcome.handed_over = True

    try:
        message = compose(item.cover, year, authority, data, sender=options.sender, cc=cc,
                          msgid=claimed.sending.message_id)
        result = deliver(connection, message, options.sender, recipient, cc, options.retries,
                         options.backoff, on_attempt=lambda: ledger.attempt(claimed.id),
                         before_data=handing_over, stopping=switch)
    except NeedsSmtputf8 as cannot:
        return _given_back(ledger, claimed, outcome, str(cannot))
    except LedgerError as error:  # before the message was handed over: it was not
        connection.close()
        outcome.not_sent = "the ledger could not be written"
        raise RunStopped(f"{authority.name}: not sent, and the run stopped: the ledger could "
                         f"not record its attempt: {error}", outcome) from None
    except LettersError as error:  # the login, the sender or the session: every letter's
        if outcome.handed_over:  # its data refused, as a sign-in that ran out is: not sent
            _record(ledger, claimed, outcome, Result(SendStatus.FAILED_TEMPORARY, str(error)))
        else:
            _given_back(ledger, claimed, outcome, "the run stopped before it went (see below)")
        raise RunStopped(str(error), outcome, error.exit_code) from None
    except Exception as error:  # a bug: this letter is not sent; the councils after it are
        logger.debug("sending to %s failed", authority.name, exc_info=True)
        connection.close()
        return _bug(ledger, claimed, outcome, error)
    return _record(ledger, claimed, outcome, result)


def _last_id(record: LetterRecord) -> int | None:
    return record.latest.id if record.latest else None


def _given_back(ledger: Ledger, claimed: Claimed, outcome: SendOutcome,
                why: str) -> SendOutcome:
    """The letter was not handed over: its claim is given back, nothing of it recorded."""
    try:
        ledger.give_back(claimed)
    except LedgerError as error:
        outcome.not_sent = why
        raise RunStopped(f"{outcome.authority}: not sent, and the run stopped: the ledger "
                         f"could not be written: {error}", outcome) from None
    outcome.not_sent = why
    return outcome


def _bug(ledger: Ledger, claimed: Claimed, outcome: SendOutcome,
         error: Exception) -> SendOutcome:
    what = f"{type(error).__name__}: {error}"
    outcome.bug = True
    try:
        may_have_it = not ledger.give_back(claimed)
    except LedgerError:
        may_have_it = False  # the run stops at the next letter's claim, saying why
    if may_have_it:  # it was being handed over
        return _record(ledger, claimed, outcome, Result(
            SendStatus.UNKNOWN, f"an unexpected error while its message was handed over "
                                f"({what}): the server may have it; a bug in lgsco-letters "
                                "(-v shows where)"))
    outcome.not_sent = (f"an unexpected error before its message was handed over "
                        f"({what}), so nothing went to it and nothing is recorded; a bug in "
                        "lgsco-letters (-v shows where); a re-run tries it again")
    return outcome


def _record(ledger: Ledger, claimed: Claimed, outcome: SendOutcome,
            result: Result) -> SendOutcome:
    outcome.result = result
    try:
        ledger.finish(claimed.id, result.status, result.reply, result.warning)
    except LedgerError as error:
        outcome.unrecorded = True
        raise RunStopped(unrecorded(outcome, error), outcome) from None
    return outcome


def unrecorded(outcome: SendOutcome, error: LedgerError) -> str:
    """What the ledger says of a letter whose outcome it could not record, and what that
    means: never "nothing was recorded"."""
    result = outcome.result
    said = {SendStatus.SENT: f"the server accepted it ({result.reply})",
            SendStatus.UNKNOWN: f"its outcome is unknown ({result.reply})"}.get(
        result.status, f"the server did not take it ({result.status}: {result.reply})")
    if outcome.handed_over:
        then = ("The ledger still says it was being handed over: from the next run on its "
                "outcome shows as unknown, and it is never sent again on its own"
                + (" (the server has it)" if result.status == SendStatus.SENT else ""))
    else:
        then = "The ledger still says it was not handed over: a re-run tries it again"
    return (f"{outcome.authority}: {said}, but the ledger could not record that: {error} "
            f"{then}. The run stopped there.")


def _settle(plan: Plan, run: RunReport, ledger: Ledger) -> None:
    """Letters left to another run that was sending them: if it has sent them since, they
    are sent (by it, meanwhile), not held back."""
    waiting = [held for held in plan.held if held.reason == Reason.BEING_SENT]
    passed = [o for o in run.outcomes if o.held is not None
              and o.held.reason == Reason.BEING_SENT]
    if not waiting and not passed:
        return
    try:
        records = ledger.records()
    except LedgerError:
        return  # said as it was found

    def sent_since(slug: str, sha256: str) -> Delivery | None:
        record = records.get(slug, LetterRecord())
        sent = record.last_sent
        return sent if sent is not None and sent.sha256 == sha256 else None

    for held in waiting:
        if sent_since(held.slug, held.sha256) is not None:
            plan.held.remove(held)
            plan.sent_meanwhile.append(held.authority)
    for outcome in passed:
        if sent := sent_since(outcome.slug, outcome.sha256):
            outcome.held = Verdict(Reason.SENT, f"sent on {sent.sent_at} by another run",
                                   sent=sent)
