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
from lgsco_letters.errors import display_path
from lgsco_letters.mail.ledger import SendStatus
from lgsco_letters.mail.mailing import Plan, SendOptions, SendOutcome
from lgsco_letters.mail.verdict import Reason
from lgsco_letters.words import plural

FAILED = "failed"  # a letter that failed in this run, for grouping
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
    Reason.CHANGED_SINCE_APPROVED: lambda n: f"  {plural(n, 'letter')} changed since approved, "
                                             "held back: approve them again (-v lists them)",
    Reason.ADDRESS_CHANGED: lambda n: f"  {plural(n, 'letter')} whose address changed since "
                                      "approval, held back: approve them again (-v lists them)",
    FAILED: lambda n: f"  {plural(n, 'letter')} failed in this run (-v lists them)",
}


def describe(plan: Plan, options: SendOptions) -> None:
    where = (f"to {display_path(options.dry_run)} (dry run)" if options.dry_run else
             f"through {options.server.host}:{options.server.port}")
    click.echo(f"{plural(len(plan.to_send), 'letter')} to send from {options.sender} {where}; "
               f"{len(plan.already_sent)} already sent; {len(plan.held)} held back.")
    given = [item for item in options.cc if "@" in item]
    if given and plan.to_send:
        click.echo(f"Each copied to {', '.join(given)} (--cc); the councils' own addresses "
                   "are as approved.")
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

    def __post_init__(self) -> None:
        if self.terminal and self.total:
            self._show_progress()

    def __call__(self, outcome: SendOutcome) -> None:
        self.done += 1
        result = outcome.result
        self.sent += result is not None and result.status == SendStatus.SENT
        line = _outcome_line(outcome)
        if not self.terminal:
            click.echo(line)
            return
        quiet = result is not None and result.status == SendStatus.SENT and not result.warning
        if not quiet:
            click.echo("\r\x1b[2K" + line)
        self._show_progress()

    def progress(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self.started
        each = max(self.interval, elapsed / self.done if self.done else 0.0)
        rate = f"{60 * self.done / elapsed:.1f}/min" if self.done and elapsed > 0 else "-/min"
        unsent = self.done - self.sent
        return (f"{self.sent}/{self.total} sent" + (f" ({unsent} not)" if unsent else "")
                + f"  {rate}  {duration(each * (self.total - self.done))} left")

    def _show_progress(self) -> None:
        click.echo("\r\x1b[2K" + self.progress(), nl=False)

    def finish(self) -> None:
        if self.terminal and self.total:
            click.echo()


def _outcome_line(outcome: SendOutcome) -> str:
    if outcome.result is None and outcome.held.reason == Reason.SENT:
        return (f"  already sent: {outcome.authority} (by another run, meanwhile: "
                f"{outcome.held.words})")
    if outcome.result is None:
        return f"  held back: {outcome.authority}: {outcome.held.why_held}"
    result = outcome.result
    warning = f"; warning: {result.warning}" if result.warning else ""
    return f"  {result.status}: {outcome.authority} ({result.reply}{warning})"


def _skipped(outcomes: list[SendOutcome]) -> tuple[list[SendOutcome], list[SendOutcome]]:
    """Letters passed over when their turn came: sent meanwhile by another run, or held."""
    passed = [outcome for outcome in outcomes if outcome.result is None]
    return ([o for o in passed if o.held.reason == Reason.SENT],
            [o for o in passed if o.held.reason != Reason.SENT])


def not_done(outcomes: list[SendOutcome], plan: Plan) -> bool:
    """Whether any chosen letter has not gone: held back, or failed in this run."""
    _, held = _skipped(outcomes)
    return bool(plan.held or held or any(
        outcome.result.status != SendStatus.SENT for outcome in outcomes if outcome.result))


def summary(outcomes: list[SendOutcome], plan: Plan) -> None:
    sent_meanwhile, held_now = _skipped(outcomes)
    lines = [(held.reason, f"  {held.authority}: held back: {held.why}") for held in plan.held]
    lines += [(o.held.reason, f"  {o.authority}: held back: {o.held.why_held}") for o in held_now]
    lines += [(FAILED, f"  {o.authority}: {o.result.status}: {o.result.reply}")
              for o in outcomes if o.result and o.result.status != SendStatus.SENT]
    if lines:
        click.echo(f"Not sent ({len(lines)}):")
        for line in grouped(lines, HELD_SUMMARIES, verbose()):
            click.echo(line)
    warned = [o for o in outcomes if o.result and o.result.warning]
    if warned:
        click.echo(f"Sent, with a warning ({len(warned)}; status shows them):")
        for outcome in warned:
            click.echo(f"  {outcome.authority}: {outcome.result.warning}")
    counts = collections.Counter(o.result.status for o in outcomes if o.result)
    click.echo(f"{counts[SendStatus.SENT]} sent, {counts[SendStatus.FAILED_TEMPORARY]} failed "
               f"for now (a re-run tries them again), {counts[SendStatus.FAILED_PERMANENT]} "
               f"refused for good, {counts[SendStatus.UNKNOWN]} unknown (the server may have "
               "them: never sent again without --resend), "
               f"{len(plan.already_sent) + len(sent_meanwhile)} already sent before, "
               f"{len(plan.held) + len(held_now)} held back.")
