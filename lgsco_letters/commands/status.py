"""`lgsco-letters status`: how the year's mailing stands, letter by letter. Reads only."""

from __future__ import annotations

import collections
import functools
import json
from pathlib import Path

import click

from lgsco_letters.build.manifest import read_previous, refuse_another_year
from lgsco_letters.commands.grouping import grouped
from lgsco_letters.commands.options import data_option, format_option
from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.mail.ledger import SendStatus, open_ledger
from lgsco_letters.mail.standing import LetterState, Standing, standings
from lgsco_letters.mail.verdict import Reason
from lgsco_letters.project import Project
from lgsco_letters.render.findings import CODES, LAYOUT_ADVICE, problem_codes
from lgsco_letters.render.templating import Templates
from lgsco_letters.words import plural

SPECIMEN_DRAFT, FAILED, WARNED = "specimen draft", "failed", "sent with a warning"
SUMMARIES = {
    Reason.NOT_APPROVED: lambda n: f"  {plural(n, 'letter')} not yet approved (draft): "
                                   "lgsco-letters approve NAME... (or --all) --as PERSON (status "
                                   "--all lists them)",
    SPECIMEN_DRAFT: lambda n: f"  {plural(n, 'specimen letter')} not yet approved (draft); send "
                              "also holds them back without --allow-specimen (status --all "
                              "lists them)",
    Reason.NOT_BUILT: lambda n: f"  {plural(n, 'letter')} not built: lgsco-letters build "
                                "(status --all lists them)",
    Reason.NOT_AS_BUILT: lambda n: f"  {plural(n, 'letter')} whose PDF is not the one built: "
                                   "lgsco-letters build (status --all lists them)",
    Reason.DATA_CHANGED: lambda n: f"  {plural(n, 'letter')} whose data changed since they "
                                   "were built: lgsco-letters build, then approve them (status "
                                   "--all lists them)",
    Reason.READY: lambda n: f"  {plural(n, 'letter')} approved, waiting to be sent: "
                            "lgsco-letters send (status --all lists them)",
    Reason.CHANGED_SINCE_APPROVED: lambda n: f"  {plural(n, 'letter')} changed since approved: "
                                             "approve them again, then send (status --all lists "
                                             "them)",
    Reason.ADDRESS_CHANGED: lambda n: f"  {plural(n, 'letter')} whose address changed since "
                                      "approval: approve them again, then send (status --all "
                                      "lists them)",
    Reason.COVER_CHANGED: lambda n: f"  {plural(n, 'letter')} whose cover note changed since "
                                    "approval: approve them again, then send (status --all "
                                    "lists them)",
    Reason.CHANGED_SINCE_SENT: lambda n: f"  {plural(n, 'letter')} changed since sent: once "
                                         "approved as they are now, send --resend NAME sends "
                                         "the new one (status --all lists them)",
    Reason.UNKNOWN: lambda n: f"  {plural(n, 'letter')} whose outcome is unknown: check with the "
                              "recipient, then send --resend NAME (status --all lists them)",
    Reason.APPROVAL_NOT_LOGGED: lambda n: f"  {plural(n, 'letter')} whose approval is not the "
                                          "approval log's latest entry: find out who changed "
                                          "sent.sqlite, then approve them again (status --all "
                                          "lists them)",
    FAILED: lambda n: f"  {plural(n, 'letter')} failed (status --all lists them, with the "
                      "server's replies)",
    WARNED: lambda n: f"  {plural(n, 'letter')} sent, with a warning (status --all lists them)",
}


@click.command()
@data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The year's output folder. Default: out/<year>.")
@click.option("--all", "every", is_flag=True, help="List every letter not yet sent.")
@format_option("text", "json")
@click.pass_obj
def status(project: Project, out_dir: Path | None, every: bool,
           output: str) -> None:
    """How the mailing stands: each letter's state (draft, approved, sent, held back, failed
    or bounced) and why, with the counts. Opens the ledger read-only."""
    year = project.year
    out_dir = project.out_dir(out_dir)
    refuse_another_year(out_dir, year.label, year.folder)
    ledger = open_ledger(out_dir)
    try:
        records, letters = ledger.records(), standings(year, out_dir, ledger, _templates(project))
    finally:
        ledger.close()
    layout = {slug: row.get("layout") or "" for slug, row in read_previous(out_dir).items()}
    sends = collections.Counter(record.status for record in records.values() if record.status)
    states = collections.Counter(letter.state for letter in letters)
    if output == "json":
        click.echo(json.dumps({
            "year": year.label, "out": display_path(out_dir),
            "counts": {state.value: states[state] for state in LetterState},
            "sends": {status.value: sends[status] for status in SendStatus},
            "letters": [{**letter.as_dict(), "layout": layout.get(letter.slug, "")}
                        for letter in letters]}, indent=1, ensure_ascii=False))
        return
    _as_text(letters, sends, states, every, layout)
    _layout_line(layout)


def _templates(project: Project) -> Templates | None:
    """The templates, to judge each approved cover note; None where there are none (each
    approved letter is then said to have a cover note that cannot be rendered)."""
    try:
        return project.templates
    except LettersError:
        return None


def _as_text(letters: list[Standing], sends: collections.Counter, states: collections.Counter,
             every: bool, layout: dict[str, str]) -> None:
    for name in (SendStatus.SENT, SendStatus.FAILED_TEMPORARY, SendStatus.FAILED_PERMANENT,
                 SendStatus.UNKNOWN, SendStatus.SENDING, SendStatus.BOUNCED):
        click.echo(f"{name + ':':<18}{sends[name]}")
    unsent = [letter for letter in letters if letter.state != LetterState.SENT]
    click.echo(f"{'not yet sent:':<18}{len(unsent)} of {len(letters)}")
    click.echo(f"{'letters:':<18}" + ", ".join(f"{states[state]} {state}"
                                                for state in LetterState))
    listed = [letter for letter in letters if letter.state != LetterState.SENT or letter.warning]
    lines = [(_kind(letter, layout), f"  {_named(letter)}: {letter.state}: {letter.reason}"
                                      + (f" (warning: {letter.warning})" if letter.warning else ""))
             for letter in listed]
    for line in grouped(lines, {**SUMMARIES, **_failed_builds(listed, layout)}, every):
        click.echo(line)


def _failed_builds(listed: list[Standing], layout: dict[str, str]) -> dict:
    """How many letters failed to build, kind by kind (the layout check's codes, or another
    error), each with its first letter's findings in full and what to do."""
    summaries: dict = {}
    for letter in listed:
        kind = _kind(letter, layout)
        if isinstance(kind, tuple) and kind not in summaries:
            summaries[kind] = functools.partial(_failed_summary, letter, kind[1])
    return summaries


def _failed_summary(first: Standing, codes: str, count: int) -> str:
    if codes:
        found = first.reason.removeprefix("it failed the layout check: ").removesuffix(
            f"; {LAYOUT_ADVICE}")
        return (f"  {plural(count, 'letter')} failed the layout check ({codes}): "
                f"{LAYOUT_ADVICE} (the first, {first.authority}: {found}; status --all lists "
                "them)")
    return (f"  {plural(count, 'letter')} failed to build (the first, {first.authority}: "
            f"{first.reason}; status --all lists them)")


def _named(letter: Standing) -> str:
    specimen = " (specimen)" if letter.specimen else ""
    successor = f" (to its successor, {letter.successor})" if letter.successor else ""
    return f"{letter.authority}{specimen}{successor}"


def _kind(letter: Standing, layout: dict[str, str]) -> str | tuple[str, str]:
    """What letters are counted together by: specimen drafts apart from the others (send holds
    them back for a second reason), failed builds by the layout check's problems (or none, for
    another error), failures together, then the reason."""
    if letter.kind == Reason.BUILD_FAILED:
        return (Reason.BUILD_FAILED, " ".join(problem_codes(layout.get(letter.slug, ""))))
    if letter.kind == Reason.NOT_APPROVED and letter.specimen:
        return SPECIMEN_DRAFT
    if letter.state == LetterState.FAILED:
        return FAILED
    if letter.state == LetterState.SENT:
        return WARNED
    return letter.kind


def _layout_line(layout: dict[str, str]) -> None:
    """What the layout check found in the built letters, by code (warnings only: a letter with
    a layout problem is failed, and listed with its reason above)."""
    counts = collections.Counter(code for codes in layout.values() for code in codes.split())
    if not counts:
        return
    found = ", ".join(f"{code} {counts[code]}" for code in CODES if code in counts)
    letters = plural(sum(1 for codes in layout.values() if codes), "letter")
    click.echo(f"{'layout:':<18}{letters} with findings: {found} (lgsco-letters check --pdf "
               "says what and where)")
