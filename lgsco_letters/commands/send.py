"""`lgsco-letters send`: every authority its built letter, exactly once."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from lgsco_letters.build.manifest import read_letters, refuse_another_year
from lgsco_letters.commands.options import data_option
from lgsco_letters.commands.send_output import Reporter, describe, exit_code, summary
from lgsco_letters.commands.send_release import release_claims
from lgsco_letters.commands.signin_options import host_and_port, security, signin_options
from lgsco_letters.errors import ExitCode, LettersError, display_path
from lgsco_letters.locking import holding
from lgsco_letters.mail.delivery import Server
from lgsco_letters.mail.ledger import LEDGER_FILE, open_ledger
from lgsco_letters.mail.mailing import Plan, SendOptions, make_plan, write_eml_files
from lgsco_letters.mail.run import RunReport, StopSwitch, send_all
from lgsco_letters.mail.signin import SignIn, sign_in
from lgsco_letters.project import Project
from lgsco_letters.render.templating import Templates
from lgsco_letters.words import plural

PASSWORD_VARIABLE = "LGSCO_SMTP_PASSWORD"
TOKEN_VARIABLE = "LGSCO_SMTP_TOKEN"


def _server(smtp: str | None, starttls: bool, ssl: bool, signin: SignIn | None,
            timeout: float, cafile: Path | None) -> Server | None:
    if smtp is None:
        return None
    host, port = host_and_port(smtp, "--smtp", "127.0.0.1:25")
    return Server(host, port, security(starttls, ssl), signin, timeout,
                  str(cafile) if cafile else None)


@click.command()
@data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The built letters and their manifest. Default: out/<year>.")
@click.option("--smtp", metavar="HOST:PORT", help="The SMTP server to send through.")
@click.option("--starttls", is_flag=True, help="Upgrade the connection with STARTTLS.")
@click.option("--ssl", is_flag=True, help="Connect with TLS from the start (SMTPS).")
@click.option("--cafile", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Trust the server's certificate if signed by this authority (PEM).")
@signin_options(password=f"from ${PASSWORD_VARIABLE}", token=f"from ${TOKEN_VARIABLE}")
@click.option("--from", "sender", metavar="ADDRESS", help="The sender (required to send).")
@click.option("--cc", multiple=True, metavar="ADDRESS|FIELD",
              help="Copy to this address, or to the address in this data field "
                   "(link_officer_email, monitoring_officer_email); repeatable.")
@click.option("--rate", type=click.FloatRange(min=0.1), help="At most this many per minute.")
@click.option("--only", multiple=True, metavar="NAME",
              help="Send only to this authority; repeat for more.")
@click.option("--resend", multiple=True, metavar="NAME",
              help="Send this authority's letter again, deliberately; repeat for more.")
@click.option("--allow-specimen", is_flag=True, help="Also send letters marked specimen.")
@click.option("--dry-run", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Write each message to DIR as an .eml file and send nothing.")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Tries again after a temporary failure, within this run.")
@click.option("--backoff", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="Seconds before the first retry; doubled for each next one.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds to wait for the server.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--release", multiple=True, metavar="NAME",
              help="Give up the claim a run on another host left on this letter (a container, "
                   "a renamed or crashed machine): its outcome becomes unknown. Sends nothing; "
                   "repeatable.")
@click.option("--new-ledger", is_flag=True,
              help="Set the year's ledger aside and start a new one: every letter not in it is "
                   "sent again. Only for a ledger that is lost and cannot be restored.")
@click.pass_obj
def send(project: Project, out_dir: Path | None, smtp: str | None,
         starttls: bool, ssl: bool, cafile: Path | None, user: str | None, auth: str | None,
         token_command: str | None, sender: str, cc: tuple[str, ...],
         rate: float | None, only: tuple[str, ...], resend: tuple[str, ...],
         allow_specimen: bool, dry_run: Path | None, retries: int, backoff: float,
         timeout: float, yes: bool, release: tuple[str, ...], new_ledger: bool) -> ExitCode:
    """Email every authority its built letter, exactly once, recorded in sent.sqlite."""
    if release:
        return release_claims(project.year, project.out_dir(out_dir), release, yes)
    if sender is None:
        raise click.UsageError("Missing option '--from'.")
    if smtp is None and dry_run is None:
        raise click.UsageError("give --smtp HOST:PORT, or --dry-run DIR to write .eml files")
    year = project.year
    out_dir = project.out_dir(out_dir)
    refuse_another_year(out_dir, year.label, year.folder)
    signin = sign_in(user, auth, token_command, password_variables=(PASSWORD_VARIABLE,),
                     token_variables=(TOKEN_VARIABLE,)) if smtp else None
    server = _server(smtp, starttls, ssl, signin, timeout, cafile)
    options = SendOptions(sender, server, list(cc), rate, list(only), list(resend),
                          allow_specimen, dry_run, retries, backoff)
    templates = project.templates
    if dry_run is not None:
        return _dry_run(year, out_dir, options, templates)
    read_letters(out_dir)  # a year never built: refused before anything is created
    # One run at a time, as a courtesy: the ledger's claims keep two runs from sending one
    # letter twice even when this lock is lost.
    with holding(out_dir, "send") if out_dir.is_dir() else contextlib.nullcontext():
        plan, run = _send(year, out_dir, options, templates, yes, new_ledger)
    summary(run, plan)
    if run.stopped is not None:
        click.echo(str(run.stopped), err=True)
    if run.bug:
        click.echo("A letter was not sent because of an unexpected error in lgsco-letters (a "
                   "bug, not the server's answer, and not recorded as one): run again with -v "
                   "to see where it happened.", err=True)
    return exit_code(run, plan)  # only a year whose every chosen letter has gone is done


def _send(year, out_dir: Path, options: SendOptions, templates: Templates, yes: bool,
          new_ledger: bool) -> tuple[Plan, RunReport]:
    """Plan from the ledger as it is, creating nothing; create it only to record a send."""
    exists = os.path.lexists(out_dir / LEDGER_FILE) and not new_ledger
    ledger = open_ledger(out_dir, write=exists, new=new_ledger)
    try:
        if exists:
            _report_interrupted(ledger.mark_interrupted())
        plan = make_plan(year, out_dir, options, ledger, templates)
        describe(plan, options)
        if plan.to_send and not yes:
            _confirm(len(plan.to_send))
        if plan.to_send and not ledger.write:
            ledger.close()
            ledger = open_ledger(out_dir, write=True)
        reporter = Reporter(len(plan.to_send), 60.0 / options.rate if options.rate else 0.0)
        switch = StopSwitch(notice=_stopping)
        try:
            with switch.installed():
                run = send_all(plan, year, options, ledger, reporter, switch)
        finally:
            reporter.finish()
    finally:
        _close(ledger)
    return plan, run


def _stopping(by: str) -> None:
    click.echo(f"\n{by}: stopping once the letter in hand is done (its reply read and "
               f"recorded). {by} again stops at once; that letter's outcome may then be "
               "unknown.", err=True)


def _close(ledger) -> None:
    """Fold the write-ahead log in; a ledger that will not (locked, not writable) keeps what
    was recorded in it, and is said to."""
    try:
        ledger.close(checkpoint=True)
    except LettersError as error:
        click.echo(f"Warning: the ledger's write-ahead log could not be folded into it, so "
                   f"keep {LEDGER_FILE}-wal with {LEDGER_FILE} (a later run folds it in): "
                   f"{error}", err=True)


def _dry_run(year, out_dir: Path, options: SendOptions, templates: Templates) -> ExitCode:
    ledger = open_ledger(out_dir)
    try:
        plan = make_plan(year, out_dir, options, ledger, templates)
    finally:
        ledger.close()
    describe(plan, options)
    written, held = write_eml_files(plan, year, templates, options)
    for item in held:
        click.echo(f"  held back: {item.authority}: {item.why}")
    click.echo(f"Wrote {plural(len(written), 'message')} to {display_path(options.dry_run)}; "
               "nothing was sent.")
    # as a real run would: unfinished when not every chosen letter would go
    return ExitCode.UNFINISHED if plan.held or held else ExitCode.SUCCESS


def _report_interrupted(names: list[str]) -> None:
    for name in names:
        click.echo(f"{name}: the last run was stopped while handing its letter over, so the "
                   "server may have it: recorded as unknown", err=True)


def _confirm(count: int) -> None:
    if not sys.stdin.isatty():
        raise LettersError("Not a terminal, so cannot ask for confirmation: add --yes to send.")
    click.confirm(f"Send {plural(count, 'message')} now?", abort=True)
