"""What `bounces` prints: what was read, each letter that came back and how its notification
was matched, what was already recorded, and what was not a bounce (counted; -v lists it)."""

from __future__ import annotations

import click

from lgsco_letters.commands.grouping import verbose
from lgsco_letters.mail.bounces import Finding, Tally
from lgsco_letters.mail.notifications import DELAYED, DELIVERED, FAILED, Report, explained
from lgsco_letters.words import plural

HEADINGS = {  # (action, own address?) -> what a new one is
    (FAILED, True): "Bounced",
    (FAILED, False): "A Cc bounced (the letter itself arrived: a warning in status)",
    (DELAYED, True): "Delayed (a warning in status until a later notification settles it)",
    (DELAYED, False): "Delayed to a Cc (a warning in status)",
    (DELIVERED, True): "Delivered (settles an earlier delay)",
    (DELIVERED, False): "Delivered to a Cc",
}
HOW = {"message-id": "matched by Message-ID", "recipient and subject":
       "matched by recipient and subject"}


def _line(finding: Finding) -> str:
    record: Report = finding.record
    words = explained(finding.report.status, finding.report.diagnostic)
    return (f"  {finding.authority}: {record.recipient}: {words} (notified "
            f"{record.notified_at[:10]}, {HOW.get(record.matched_by, record.matched_by)})")


def report(tally: Tally, fresh: set[Report], source: str) -> None:
    click.echo(f"Read {plural(tally.read, 'message')} from {source} (read only: nothing there "
               "was changed).")
    matched = tally.findings
    new = [(where, f) for where, f in matched if f.record in fresh]
    for (action, own), heading in HEADINGS.items():
        lines = [_line(f) for _, f in new if f.record.action == action and f.own == own]
        if lines:
            click.echo(f"{heading}: {len(lines)}, recorded now")
            for line in lines:
                click.echo(line)
    _listed("Already recorded (reading twice records nothing twice)",
            [f"  {where}:{_line(f)[1:]}" for where, f in matched if f.record not in fresh])
    _not_bounces(tally)
    if any(f.record.action == FAILED and f.own for _, f in new):
        click.echo("For each letter that bounced: correct the address in the data, approve "
                   "the letter again, then lgsco-letters send --resend NAME (status shows "
                   "them).")


def _listed(heading: str, lines: list[str]) -> None:
    if not lines:
        return
    click.echo(f"{heading}: {len(lines)}" + ("" if verbose() else " (-v lists them)"))
    if verbose():
        for line in lines:
            click.echo(line)


def _not_bounces(tally: Tally) -> None:
    kinds = [(tally.automatic, "automatic reply", "automatic replies"),
             (tally.unmatched, "notification about no letter of this year's",
              "notifications about no letter of this year's"),
             (tally.silent, "notification saying only relayed or expanded",
              "notifications saying only relayed or expanded"),
             (tally.others, "other message", "other messages")]
    counted = [plural(len(items), one, many) for items, one, many in kinds if items]
    if counted:
        click.echo(f"Not bounces: {', '.join(counted)}"
                   + ("" if verbose() else " (-v lists them)"))
        if verbose():
            for items, _, _ in kinds:
                for line in items:
                    click.echo(f"  {line}")
    if tally.unreadable:
        _listed("Could not be read (never counted as bounces)",
                [f"  {line}" for line in tally.unreadable])
