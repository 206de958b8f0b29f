"""`lgsco-letters send`: every authority its built letter, exactly once."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from lgsco_letters.commands.options import data_option, load_year_from
from lgsco_letters.config import Config
from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.mail.delivery import Server
from lgsco_letters.mail.mailing import (
    Outcome,
    SendOptions,
    make_plan,
    open_ledger,
    send_all,
    write_eml_files,
)
from lgsco_letters.render.templating import Templates
from lgsco_letters.words import plural

PASSWORD_VARIABLE = "LGSCO_SMTP_PASSWORD"


def _server(smtp: str | None, starttls: bool, ssl: bool, user: str | None,
            timeout: float, cafile: Path | None) -> Server | None:
    if smtp is None:
        return None
    host, _, port = smtp.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter(f"expected HOST:PORT, e.g. 127.0.0.1:25, found {smtp!r}",
                                 param_hint="--smtp")
    if starttls and ssl:
        raise click.UsageError("--starttls and --ssl cannot be used together")
    password = None
    if user:
        password = os.environ.get(PASSWORD_VARIABLE)
        if password is None:
            raise LettersError(f"--user {user}: set the password in the environment variable "
                               f"{PASSWORD_VARIABLE} (it is never taken from the command line)")
    security = "ssl" if ssl else "starttls" if starttls else "plain"
    return Server(host, int(port), security, user, password, timeout,
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
@click.option("--user", help=f"Log in as USER; the password comes from ${PASSWORD_VARIABLE}.")
@click.option("--from", "sender", required=True, metavar="ADDRESS", help="The sender.")
@click.option("--cc", multiple=True, metavar="ADDRESS|FIELD",
              help="Copy to this address, or to the address in this data field "
                   "(link_officer_email); repeatable.")
@click.option("--rate", type=click.FloatRange(min=0.1), help="At most this many per minute.")
@click.option("--only", multiple=True, metavar="NAME", help="Send only to this authority.")
@click.option("--resend", multiple=True, metavar="NAME",
              help="Send this authority's letter again, deliberately.")
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
@click.pass_obj
def send(config: Config, data_dir: Path | None, out_dir: Path | None, smtp: str | None,
         starttls: bool, ssl: bool, cafile: Path | None, user: str | None, sender: str,
         cc: tuple[str, ...],
         rate: float | None, only: tuple[str, ...], resend: tuple[str, ...],
         allow_specimen: bool, dry_run: Path | None, retries: int, backoff: float,
         timeout: float, yes: bool) -> None:
    """Email every authority its built letter, exactly once, recorded in sent.sqlite."""
    if smtp is None and dry_run is None:
        raise click.UsageError("give --smtp HOST:PORT, or --dry-run DIR to write .eml files")
    year = load_year_from(config, data_dir)
    out_dir = out_dir or config.out / year.label
    server = _server(smtp, starttls, ssl, user, timeout, cafile)
    options = SendOptions(sender, server, list(cc), rate, list(only), list(resend),
                          allow_specimen, dry_run, retries, backoff)
    templates = Templates(config.templates)
    ledger = open_ledger(out_dir, dry_run=dry_run is not None)
    try:
        plan = make_plan(year, out_dir, options, ledger)
        _describe(plan, options)
        if dry_run is not None:
            written = write_eml_files(plan, year, templates, options)
            click.echo(f"Wrote {plural(len(written), 'message')} to {display_path(dry_run)}; "
                       "nothing was sent.")
            return
        if plan.to_send and not yes:
            _confirm(len(plan.to_send))
        outcomes = send_all(plan, year, templates, options, ledger, _report)
    finally:
        ledger.close()
    _summary(outcomes, plan)
    if any(outcome.result.status != "sent" for outcome in outcomes):
        sys.exit(1)


def _describe(plan, options: SendOptions) -> None:
    where = (f"to {display_path(options.dry_run)} (dry run)" if options.dry_run else
             f"through {options.server.host}:{options.server.port}")
    click.echo(f"{plural(len(plan.to_send), 'letter')} to send from {options.sender} {where}; "
               f"{len(plan.already_sent)} already sent; {len(plan.held)} held back.")
    for name, why in plan.held:
        click.echo(f"  held back: {name}: {why}")


def _confirm(count: int) -> None:
    if not sys.stdin.isatty():
        raise LettersError("Not a terminal, so cannot ask for confirmation: add --yes to send.")
    click.confirm(f"Send {plural(count, 'message')} now?", abort=True)


def _report(outcome: Outcome) -> None:
    click.echo(f"  {outcome.result.status}: {outcome.authority} ({outcome.result.reply})")


def _summary(outcomes: list[Outcome], plan) -> None:
    counts = {status: sum(1 for o in outcomes if o.result.status == status)
              for status in ("sent", "failed-temporary", "failed-permanent")}
    click.echo(f"{counts['sent']} sent, {counts['failed-temporary']} failed for now (a re-run "
               f"tries them again), {counts['failed-permanent']} refused for good, "
               f"{len(plan.already_sent)} already sent before, {len(plan.held)} held back.")
