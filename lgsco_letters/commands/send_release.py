"""`lgsco-letters send --release NAME`: give up the claims a run on another host left behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from lgsco_letters.data.models import Year
from lgsco_letters.data.names import select_authorities
from lgsco_letters.errors import ExitCode, LettersError, display_path
from lgsco_letters.locking import holding
from lgsco_letters.mail.ledger import LEDGER_FILE, open_ledger
from lgsco_letters.mail.releases import releasable
from lgsco_letters.mail.releases import release_claims as release_in_ledger
from lgsco_letters.words import plural


def release_claims(year: Year, out_dir: Path, names: tuple[str, ...], yes: bool) -> ExitCode:
    chosen = {authority.slug: authority.name for authority in select_authorities(year, names)}
    if not os.path.lexists(out_dir / LEDGER_FILE):
        raise LettersError(f"{display_path(out_dir / LEDGER_FILE)} does not exist: no letter of "
                           f"{year.label} has been claimed, so there is nothing to release.")
    with holding(out_dir, "send"):
        ledger = open_ledger(out_dir, write=True)
        try:
            _show(ledger, chosen)
            if not yes:
                _confirm(len(chosen))
            released = release_in_ledger(ledger, chosen)
        finally:
            ledger.close(checkpoint=True)
    click.echo(f"Released {plural(len(released), 'claim')}; each letter's outcome is now "
               "unknown: check with the recipient, then send --resend NAME to send it again.")
    return ExitCode.SUCCESS


def _show(ledger, chosen: dict[str, str]) -> None:
    """What would be released, and from whom; any letter that cannot be stops it all."""
    found = [(name, *releasable(name, ledger.record(slug))) for slug, name in chosen.items()]
    problems = [why for _, delivery, why in found if delivery is None]
    if problems:
        raise LettersError("\n".join(problems) + "\nNothing was released.")
    for name, delivery, _ in found:
        since = delivery.last_attempt or delivery.first_attempt or "before its first attempt"
        click.echo(f"  {name}: claimed by {delivery.claimed_by.describe()} (last attempt: "
                   f"{since}); that run may have handed it over")


def _confirm(count: int) -> None:
    if not sys.stdin.isatty():
        raise LettersError("Not a terminal, so cannot ask for confirmation: add --yes to "
                           "release.")
    click.confirm(f"Release {plural(count, 'claim')}? Each letter's outcome becomes unknown",
                  abort=True)
