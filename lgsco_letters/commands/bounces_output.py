"""What `bounces` prints: what was read, each letter that came back and how its notification
was matched, what was already recorded, what a person should check by hand, and what was not a
bounce (counted; -v lists it)."""

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
SUPERSEDED = ("About an earlier delivery of a letter sent again since (recorded; the letter "
              "stands as its latest delivery does)")
HOW = {"message-id": "matched by Message-ID", "recipient and subject":
       "matched by recipient and subject"}


def _line(finding: Finding) -> str:
    record: Report = finding.record
    words = explained(finding.report.status, finding.report.diagnostic)
    return (f"  {finding.authority}: {record.recipient}: {words} (notified "
            f"{record.notified_at[:10]}, {HOW.get(record.matched_by, record.matched_by)})")


def report(tally: Tally, fresh: set[Report], source: str,
           changed: str = "nothing there was changed") -> None:
    click.echo(f"Read {plural(tally.read, 'message')} from {source} (read only: {changed}).")
    matched = tally.findings
    new = [(where, f) for where, f in matched if f.record in fresh]
    live = [f for _, f in new if not f.superseded]
    for (action, own), heading in HEADINGS.items():
        lines = [_line(f) for f in live if f.record.action == action and f.own == own]
        if lines:
            click.echo(f"{heading}: {len(lines)}, recorded now")
            for line in lines:
                click.echo(line)
    earlier = [f"{_line(f)[:-1]}; {f.superseded})" for _, f in new if f.superseded]
    if earlier:
        click.echo(f"{SUPERSEDED}: {len(earlier)}")
        for line in earlier:
            click.echo(line)
    _listed("Already recorded (reading twice records nothing twice)",
            [f"  {where}:{_line(f)[1:]}" for where, f in matched if f.record not in fresh])
    _listed("Copies of a notification read above (each counted once)",
            [f"  {line}" for line in tally.copies])
    _by_hand(tally)
    _not_bounces(tally)
    if any(f.record.action == FAILED and f.own for f in live):
        click.echo("For each letter that bounced: correct the address in the data, approve "
                   "the letter again, then lgsco-letters send --resend NAME (status shows "
                   "them).")
    _not_read(tally)


def _listed(heading: str, lines: list[str]) -> None:
    if not lines:
        return
    click.echo(f"{heading}: {len(lines)}" + ("" if verbose() else " (-v lists them)"))
    if verbose():
        for line in lines:
            click.echo(line)


def _by_hand(tally: Tally) -> None:
    """Bounces in plain words that name a letter: never recorded, always shown."""
    if tally.by_hand:
        click.echo(f"Check by hand: {plural(len(tally.by_hand), 'message looks', 'messages look')}"
                   " like a bounce but not a standard report, so nothing was recorded from it")
        for line in tally.by_hand:
            click.echo(f"  {line}")


def _not_bounces(tally: Tally) -> None:
    kinds = [(tally.automatic, "automatic reply", "automatic replies"),
             (tally.unmatched, "notification about no letter of this year's",
              "notifications about no letter of this year's"),
             (tally.elsewhere, "report on an address the letter did not go to",
              "reports on addresses the letters did not go to"),
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


def _not_read(tally: Tally) -> None:
    """Messages the mailbox would not give: always listed, and the run fails (exit 1)."""
    if tally.not_read:
        click.echo(f"Could not be opened: {plural(len(tally.not_read), 'message')}; the rest "
                   "were read and recorded. Run this again once they can be read:")
        for line in tally.not_read:
            click.echo(f"  {line}")
