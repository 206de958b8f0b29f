"""The mailing commands, `send` and `status`, on the same command group as the rest."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .cli import Config, cli, data_option, load_year_from, plural
from .delivery import Server
from .errors import LettersError, display_path
from .ledger import LEDGER_FILE, Ledger
from .send import Outcome, SendOptions, make_plan, open_ledger, send_all, write_eml_files
from .templating import Templates

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


@cli.command()
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


@cli.command()
@data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The year's output folder. Default: out/<year>.")
@click.pass_obj
def status(config: Config, data_dir: Path | None, out_dir: Path | None) -> None:
    """How the mailing stands: counts per status, and the authorities not yet sent."""
    year = load_year_from(config, data_dir)
    out_dir = out_dir or config.out / year.label
    path = out_dir / LEDGER_FILE
    entries = {}
    if path.is_file():
        ledger = Ledger(path)
        entries = ledger.entries()
        ledger.close()
    by_slug = {a.slug: a for a in year.authorities}
    counts: dict[str, int] = {}
    for entry in entries.values():
        counts[entry.status] = counts.get(entry.status, 0) + 1
    unsent = [a for slug, a in by_slug.items()
              if slug not in entries or entries[slug].status != "sent"]
    for name in ("sent", "failed-temporary", "failed-permanent", "sending"):
        click.echo(f"{name + ':':<18}{counts.get(name, 0)}")
    click.echo(f"{'not yet sent:':<18}{len(unsent)} of {len(by_slug)}")
    for authority in unsent:
        entry = entries.get(authority.slug)
        note = f"{entry.status}: {entry.reply}" if entry else "never tried"
        mark = " (specimen)" if authority.specimen else ""
        click.echo(f"  {authority.name}{mark}: {note}")
