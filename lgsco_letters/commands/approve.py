"""`lgsco-letters approve`: sign letters off, for exactly the bytes that will go out."""

from __future__ import annotations

import os
from pathlib import Path

import click

from lgsco_letters.build.manifest import (
    MANIFEST_JSON,
    UNRECORDED,
    built_from_other_data,
    read_letters,
    refuse_another_year,
)
from lgsco_letters.commands.grouping import verbose
from lgsco_letters.commands.options import data_option
from lgsco_letters.data.addresses import control_problem
from lgsco_letters.data.models import Authority, Year
from lgsco_letters.data.names import select_authorities
from lgsco_letters.errors import DataError, LettersError, Problem, display_path
from lgsco_letters.locking import holding
from lgsco_letters.mail.approvals import approve as record_approvals
from lgsco_letters.mail.approvals import revoke as record_revocations
from lgsco_letters.mail.ledger import LEDGER_FILE, open_ledger
from lgsco_letters.mail.mailing import letter_problem
from lgsco_letters.mail.message import SENDER_SLOT, render_covers
from lgsco_letters.project import Project
from lgsco_letters.render.templating import Templates
from lgsco_letters.words import plural


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--all", "every", is_flag=True, help="Every letter of the year.")
@click.option("--as", "person", required=True, metavar="PERSON",
              help="Who approves: recorded with the letters' SHA-256, their addresses and the "
                   "time.")
@data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The built letters. Default: out/<year>.")
@click.option("--revoke", is_flag=True, help="Withdraw the approval instead.")
@click.pass_obj
def approve(project: Project, names: tuple[str, ...], every: bool, person: str,
            out_dir: Path | None, revoke: bool) -> None:
    """Approve built letters for sending (NAME... or --all), each for its bytes and its
    addresses as they are now; send mails only letters approved as they are."""
    if bool(names) == every:
        raise click.UsageError("name the letters to approve, or give --all (not both)")
    if not person.strip() or control_problem(person):
        raise click.BadParameter("expected the name of the person approving", param_hint="--as")
    year = project.year
    chosen = list(year.authorities) if every else select_authorities(year, names)
    out_dir = project.out_dir(out_dir)
    if not out_dir.is_dir():
        raise LettersError(f"{display_path(out_dir)} does not exist: build the letters first "
                           "(lgsco-letters build)")
    refuse_another_year(out_dir, year.label, year.folder)
    if not revoke:
        read_letters(out_dir)  # never built: refused before anything is created
    with holding(out_dir, "approve"):
        if revoke:
            return _revoke(out_dir, chosen, person.strip())
        letters = _letters_to_approve(year, chosen, out_dir, project.templates)
        ledger = open_ledger(out_dir, write=True)
        try:
            done = record_approvals(ledger, letters, person.strip())
        finally:
            ledger.close(checkpoint=True)
    already = len(letters) - len(done)
    click.echo(f"Approved {plural(len(done), 'letter')} as {person.strip()}"
               + (f"; {already} already approved as they are" if already else "")
               + (", each for its PDF, its cover note and the addresses shown:" if done else "."))
    shown = done if verbose() else done[:LISTED]
    for name, envelope in shown:
        click.echo(f"  {name}: {envelope.describe()}")
    if len(shown) < len(done):
        click.echo(f"  and {len(done) - len(shown)} more, each for its own addresses (-v lists "
                   "them all here; lgsco-letters status --all lists every letter's)")


def _revoke(out_dir: Path, chosen: list, person: str) -> None:
    """Withdraw approvals; a year that has no ledger has none to withdraw, and gets none."""
    if os.path.lexists(out_dir / LEDGER_FILE):  # (open_ledger refuses one that is no file)
        ledger = open_ledger(out_dir, write=True)
        try:
            done = record_revocations(ledger, [a.slug for a in chosen], person)
        finally:
            ledger.close(checkpoint=True)
    else:
        done = []
    click.echo(f"Withdrew the approval of {plural(len(done), 'letter')}{_listed(done)}; "
               f"{len(chosen) - len(done)} had none.")


def _letters_to_approve(year: Year, chosen, out_dir: Path,
                        templates: Templates) -> list[tuple[Authority, str, str]]:
    """(authority, sha256, cover digest) of each built letter; any that is not built, or was
    built from other data than now (its PDF says what the data said then), or a cover note a
    template's fault keeps from being rendered, stops it all."""
    rows = read_letters(out_dir)
    problems = [problem for authority in chosen
                if (problem := letter_problem(authority, rows.get(authority.slug), out_dir)
                    or _built_from_other_data(year, authority, rows[authority.slug], out_dir))]
    if problems:
        raise DataError(problems)
    covers = render_covers(templates, year, chosen, SENDER_SLOT)
    return [(a, rows[a.slug]["sha256"], covers[a.slug].digest()) for a in chosen]


def _built_from_other_data(year: Year, authority: Authority, row: dict,
                           out_dir: Path) -> Problem | None:
    how = built_from_other_data(row, year, authority)
    if not how:
        return None
    why = ("its PDF was built before the manifest recorded the data each letter is built from"
           if how == UNRECORDED else "its PDF was built from data that has changed since (it "
           "still says what the data said then)")
    return Problem(out_dir / MANIFEST_JSON, f"{why}: rebuild it with lgsco-letters build, then "
                   "approve it", authority=authority.name)


LISTED = 10  # letters listed by name before the rest are counted


def _listed(names: list[str], shown: int = LISTED) -> str:
    """Up to ten names, then how many more."""
    more = f"; and {len(names) - shown} more" if len(names) > shown else ""
    return f" ({'; '.join(names[:shown])}{more})" if names else ""
