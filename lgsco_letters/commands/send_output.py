"""What `send` prints: the plan, each letter as it goes (a progress line on a terminal, one
line per letter elsewhere), and the summary."""

from __future__ import annotations

import collections
import sys
import time
from dataclasses import dataclass, field

import click

from lgsco_letters.build.progress import duration
from lgsco_letters.commands.grouping import grouped, verbose
from lgsco_letters.data.addresses import visible_address
from lgsco_letters.errors import ExitCode, display_path
from lgsco_letters.mail.delivery import Result
from lgsco_letters.mail.ledger import SendStatus
from lgsco_letters.mail.mailing import Plan, SendOptions
from lgsco_letters.mail.run import RunReport, SendOutcome
from lgsco_letters.mail.verdict import Reason
from lgsco_letters.words import plural

FAILED = "failed"  # a letter that failed in this run, for grouping
NOT_SENT = "not sent"  # not handed over, nothing recorded
UNTRIED = "not tried"  # the run stopped before its turn
HELD_SUMMARIES = {
    Reason.SPECIMEN: lambda n: f"  {plural(n, 'specimen letter')} held back: --allow-specimen "
                               "sends them (-v lists them)",
    Reason.CHANGED_SINCE_SENT: lambda n: f"  {plural(n, 'letter')} changed since sent, held "
                                         "back: once approved as they are now, --resend NAME "
                                         "sends the new one (-v lists them)",
    Reason.REFUSED: lambda n: f"  {plural(n, 'letter')} refused for good last time, held back: "
                              "--resend NAME once fixed (-v lists them)",
    Reason.UNKNOWN: lambda n: f"  {plural(n, 'letter')} whose outcome is unknown, held back: "
                              "check with the recipient, then --resend NAME (-v lists them)",
    Reason.BEING_SENT: lambda n: f"  {plural(n, 'letter')} being sent by another run, left to "
                                 "it (-v lists them)",
    Reason.NOT_APPROVED: lambda n: f"  {plural(n, 'letter')} not approved, held back: "
                                   "lgsco-letters approve NAME... (or --all) --as PERSON (-v "
                                   "lists them)",
    Reason.APPROVAL_NOT_LOGGED: lambda n: f"  {plural(n, 'letter')} whose approval is not the "
                                          "approval log's latest entry, held back: find out "
                                          "who changed sent.sqlite, then approve them again "
                                          "(-v lists them)",
    Reason.DATA_CHANGED: lambda n: f"  {plural(n, 'letter')} whose data changed since they "
                                   "were built, held back: lgsco-letters build, then approve "
                                   "them (-v lists them)",
    Reason.CHANGED_SINCE_APPROVED: lambda n: f"  {plural(n, 'letter')} changed since approved, "
                                             "held back: approve them again (-v lists them)",
    Reason.ADDRESS_CHANGED: lambda n: f"  {plural(n, 'letter')} whose address changed since "
                                      "approval, held back: approve them again (-v lists them)",
    Reason.COVER_CHANGED: lambda n: f"  {plural(n, 'letter')} whose cover note changed since "
                                    "approval, held back: approve them again (-v lists them)",
    FAILED: lambda n: f"  {plural(n, 'letter')} failed in this run (-v lists them)",
    NOT_SENT: lambda n: f"  {plural(n, 'letter')} not sent, nothing recorded (-v lists them "
                        "with why)",
    UNTRIED: lambda n: f"  {plural(n, 'letter')} not tried: the run stopped (a re-run sends "
                       "them; -v lists them)",
}


def describe(plan: Plan, options: SendOptions) -> None:
    where = (f"to {display_path(options.dry_run)} (dry run)" if options.dry_run else
             f"through {options.server.host}:{options.server.port}")
    click.echo(f"{plural(len(plan.to_send), 'letter')} to send from {options.sender} {where}; "
               f"{len(plan.already_sent)} already sent; {len(plan.held)} held back.")
    given = [item for item in options.cc if "@" in item]
    if given and plan.to_send:
        click.echo(f"Each copied to {', '.join(map(visible_address, given))} (--cc); the "
                   "councils' own addresses are as approved.")
    lines = [(held.reason, f"  held back: {held.authority}: {held.why}") for held in plan.held]
    for line in grouped(lines, HELD_SUMMARIES, verbose()):
        click.echo(line)


@dataclass
class Reporter:
    """Each letter as it goes. On a terminal, a progress line (letters sent of those to send,
    the rate, the time left), with only what needs a person's eye printed above it; elsewhere
    one line per letter."""

    total: int
    interval: float  # seconds between messages that --rate imposes
    terminal: bool = field(default_factory=lambda: sys.stdout.isatty())
    done: int = 0
    sent: int = 0
    started: float = field(default_factory=time.monotonic)
    first: float | None = None  # when the first letter was done

    def __post_init__(self) -> None:
        if self.terminal and self.total:
            self._show_progress()

    def __call__(self, outcome: SendOutcome, now: float | None = None) -> None:
        self.done += 1
        self.first = self.first if self.first is not None else (now or time.monotonic())
        self.sent += outcome.sent
        line = _outcome_line(outcome)
        if not self.terminal:
            click.echo(line)
            return
        if not (outcome.sent and not outcome.result.warning and not outcome.unrecorded):
            click.echo("\r\x1b[2K" + line)
        self._show_progress()

    def progress(self, now: float | None = None) -> str:
        """The rate is the letters done since the first over the time since it (the first
        one's connection and login are no measure of the pace), never above --rate."""
        now = now or time.monotonic()
        pace = (now - self.first) / (self.done - 1) if self.done > 1 and now > self.first \
            else None
        first = (self.first - self.started) if self.first is not None else 0.0
        each = max(self.interval, pace if pace is not None else first)
        rate = "-/min"
        if pace:
            per_minute = min(60 / pace, 60 / self.interval) if self.interval else 60 / pace
            rate = f"{per_minute:.1f}/min"
        unsent = self.done - self.sent
        return (f"{self.sent}/{self.total} sent" + (f" ({unsent} not)" if unsent else "")
                + f"  {rate}  {duration(each * (self.total - self.done))} left")

    def _show_progress(self) -> None:
        click.echo("\r\x1b[2K" + self.progress(), nl=False)

    def finish(self) -> None:
        if self.terminal and self.total:
            click.echo()


def _outcome_line(outcome: SendOutcome) -> str:
    name, result = outcome.authority, outcome.result
    if outcome.held is not None and outcome.held.reason == Reason.SENT:
        return f"  already sent: {name} (by another run, meanwhile: {outcome.held.words})"
    if outcome.held is not None:
        return f"  held back: {name}: {outcome.held.why_held}"
    if outcome.not_sent:
        return f"  not sent: {name} ({outcome.not_sent})"
    warning = f"; warning: {result.warning}" if result.warning else ""
    if outcome.failed_resend:
        warning += f"; the letter stays sent (sent on {outcome.resent.sent_at})"
    if outcome.unrecorded:
        warning += "; NOT RECORDED: the ledger could not be written (see below)"
    return f"  {result.status}: {name} ({result.reply}{warning})"


def _failed(outcome: SendOutcome) -> bool:
    """Not sent in this run, for a reason the ledger records (a failed resend of a letter
    the council has is a warning, not a letter unsent)."""
    return (outcome.result is not None and not outcome.sent and not outcome.failed_resend
            and not outcome.unrecorded)


def _held_now(outcome: SendOutcome) -> bool:
    return outcome.held is not None and outcome.held.reason != Reason.SENT


def _meanwhile(run: RunReport, plan: Plan) -> int:
    return len(plan.sent_meanwhile) + sum(1 for o in run.outcomes if o.held is not None
                                          and o.held.reason == Reason.SENT)


def not_done(run: RunReport, plan: Plan) -> bool:
    """Whether any chosen letter has not gone: held back, failed, not sent, not recorded or not
    tried in this run."""
    return bool(plan.held or run.untried or any(
        _held_now(o) or _failed(o) or o.not_sent or o.unrecorded for o in run.outcomes))


def exit_code(run: RunReport, plan: Plan) -> ExitCode:
    """3 when a bug kept a letter back; the stop's own code when the run stopped early; else
    0 only when every chosen letter has gone."""
    if run.bug:
        return ExitCode.BUG
    if run.stopped is not None:
        return run.stopped.exit_code
    return ExitCode.UNFINISHED if not_done(run, plan) else ExitCode.SUCCESS


def summary(run: RunReport, plan: Plan) -> None:
    outcomes = run.outcomes
    lines = [(held.reason, f"  {held.authority}: held back: {held.why}") for held in plan.held]
    lines += [(o.held.reason, f"  {o.authority}: held back: {o.held.why_held}")
              for o in outcomes if _held_now(o)]
    lines += [(FAILED, f"  {o.authority}: {o.result.status}: {o.result.reply}")
              for o in outcomes if _failed(o)]
    lines += [(NOT_SENT, f"  {o.authority}: not sent: {o.not_sent}")
              for o in outcomes if o.not_sent]
    lines += [(UNTRIED, f"  {name}: not tried: the run stopped") for name in run.untried]
    if lines:
        click.echo(f"Not sent ({len(lines)}):")
        for line in grouped(lines, HELD_SUMMARIES, verbose()):
            click.echo(line)
    _unrecorded(outcomes)
    _warnings(outcomes)
    click.echo(_counts(run, plan))


def _unrecorded(outcomes: list[SendOutcome]) -> None:
    unrecorded = [o for o in outcomes if o.unrecorded]
    if unrecorded:
        click.echo(f"Outcome not recorded ({len(unrecorded)}; the ledger could not be written):")
        for o in unrecorded:
            click.echo(f"  {o.authority}: {o.result.status}: {o.result.reply}"
                       + ("; the server may have it: from the next run on its outcome shows "
                          "as unknown" if o.handed_over else "; a re-run tries it again"))


def _resend(result: Result) -> str:
    """A resend that did not go, or may have: never "not delivered" when the server may
    have it."""
    if result.status == SendStatus.UNKNOWN:
        return f"a resend's outcome is unknown ({result.reply})"
    return f"a resend was not delivered ({result.status}: {result.reply})"


def _warnings(outcomes: list[SendOutcome]) -> None:
    warned = [(o.authority, o.result.warning) for o in outcomes
              if o.result and o.result.warning and o.sent]
    warned += [(o.authority, f"{_resend(o.result)}; the letter stays sent (sent on "
                             f"{o.resent.sent_at})") for o in outcomes if o.failed_resend]
    if warned:
        click.echo(f"Sent, with a warning ({len(warned)}; status shows them):")
        for name, warning in warned:
            click.echo(f"  {name}: {warning}")


def _counts(run: RunReport, plan: Plan) -> str:
    outcomes = run.outcomes
    counts = collections.Counter(o.result.status for o in outcomes if o.result is not None
                                 and not o.unrecorded and (o.sent or _failed(o)))
    meanwhile = _meanwhile(run, plan)
    before = len(plan.already_sent) + meanwhile + sum(1 for o in outcomes if o.failed_resend)
    extra = [f"{count} {what}" for count, what in (
        (sum(1 for o in outcomes if o.not_sent), "not sent (nothing recorded)"),
        (sum(1 for o in outcomes if o.unrecorded), "not recorded"),
        (len(run.untried), "not tried")) if count]
    return (f"{counts[SendStatus.SENT]} sent, {counts[SendStatus.FAILED_TEMPORARY]} failed "
            f"for now (a re-run tries them again), {counts[SendStatus.FAILED_PERMANENT]} "
            f"refused for good, {counts[SendStatus.UNKNOWN]} unknown (the server may have "
            "them: never sent again without --resend), "
            f"{before} already sent before"
            + (f" ({meanwhile} by another run during this one)" if meanwhile else "")
            + f", {len(plan.held) + sum(1 for o in outcomes if _held_now(o))} held back"
            + "".join(f", {part}" for part in extra) + ".")
