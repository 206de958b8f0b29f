"""`lgsco-letters bounces`: which letters came back, read from the sender's mailbox (IMAP, a
maildir or an mbox file) and recorded in the year's ledger. Changes nothing in the mailbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from lgsco_letters.commands.bounces_output import report
from lgsco_letters.commands.options import data_option
from lgsco_letters.commands.signin_options import host_and_port, security, signin_options
from lgsco_letters.data.addresses import visible
from lgsco_letters.errors import ExitCode, LettersError, display_path
from lgsco_letters.locking import holding
from lgsco_letters.mail.bounces import Matching, Tally
from lgsco_letters.mail.dsn import read_notice
from lgsco_letters.mail.imap import ImapMailbox, ImapServer
from lgsco_letters.mail.ledger import LEDGER_FILE, MARKER_FILE, open_ledger
from lgsco_letters.mail.mailboxes import Quietly, Stored, maildir, mbox
from lgsco_letters.mail.message import subject
from lgsco_letters.mail.notifications import record
from lgsco_letters.mail.signin import sign_in
from lgsco_letters.project import Project

PASSWORDS = ("LGSCO_IMAP_PASSWORD", "LGSCO_SMTP_PASSWORD")
TOKENS = ("LGSCO_IMAP_TOKEN", "LGSCO_SMTP_TOKEN")
IMAP_ONLY = ("user", "auth", "token_command", "ssl", "starttls", "cafile")


@click.command()
@data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The year's output folder, with its ledger. Default: out/<year>.")
@click.option("--imap", metavar="HOST:PORT", help="Read the mailbox on this IMAP server.")
@signin_options(password="from $LGSCO_IMAP_PASSWORD, else $LGSCO_SMTP_PASSWORD",
                token="from $LGSCO_IMAP_TOKEN, else $LGSCO_SMTP_TOKEN")
@click.option("--folder", default="INBOX", show_default=True, callback=lambda _c, _p, value:
              _folder(value), help="The IMAP folder to read.")
@click.option("--ssl", is_flag=True, help="IMAP over TLS from the start (IMAPS, port 993).")
@click.option("--starttls", is_flag=True, help="Upgrade the IMAP connection with STARTTLS.")
@click.option("--cafile", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Trust the server's certificate if signed by this authority (PEM).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds to wait for the IMAP server.")
@click.option("--maildir", "maildir_dir", type=click.Path(path_type=Path),
              help="Read this maildir folder (the one holding cur/ and new/).")
@click.option("--mbox", "mbox_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Read this mbox file.")
@click.pass_obj
def bounces(project: Project, out_dir: Path | None, imap: str | None,
            user: str | None, auth: str | None, token_command: str | None, folder: str,
            ssl: bool, starttls: bool, cafile: Path | None, timeout: float,
            maildir_dir: Path | None, mbox_file: Path | None) -> ExitCode:
    """Record which sent letters came back: delivery status notifications (RFC 3464) matched
    to the letters they return, each recorded once as bounced (or delayed) in the year's
    ledger. Reads the mailbox only: nothing in it is deleted, moved or marked."""
    given = {"--imap": imap, "--maildir": maildir_dir, "--mbox": mbox_file}
    if sum(value is not None for value in given.values()) != 1:
        raise click.UsageError("give one mailbox to read: --imap HOST:PORT --user USER, "
                               "--maildir DIR or --mbox FILE")
    options = {"user": user, "auth": auth, "token_command": token_command, "ssl": ssl,
               "starttls": starttls, "cafile": cafile}
    if imap is None and (folder != "INBOX" or any(options[name] for name in IMAP_ONLY)):
        raise click.UsageError("--user, --auth, --token-command, --folder, --ssl, --starttls "
                               "and --cafile are for --imap")
    if imap is not None and not user:
        raise click.UsageError("--imap needs --user (the mailbox to sign in as)")
    year = project.year
    out_dir = project.out_dir(out_dir)
    templates = project.templates
    subjects = {authority.slug: subject(templates, year, authority)
                for authority in year.authorities}
    opener = Quietly()
    messages, source = _source(imap, maildir_dir, mbox_file, options, folder, timeout, opener)
    _has_sent(out_dir)
    with holding(out_dir, "bounces"):
        tally, fresh = _read_and_record(out_dir, messages, subjects)
    report(tally, fresh, source, opener.hedge())
    # a mailbox not read whole: what it holds is not all known
    return ExitCode.UNFINISHED if tally.not_read else ExitCode.SUCCESS


def _folder(value: str) -> str:
    """An IMAP folder's name: anything but control characters, which would be read as the
    end of the command (or worse) in the IMAP command stream."""
    if any(not (char.isprintable() or char == " ") for char in value):
        raise click.BadParameter(f"{visible(value)}: a folder name cannot hold control or "
                                 "invisible characters", param_hint="--folder")
    return value


def _source(imap: str | None, maildir_dir: Path | None, mbox_file: Path | None, options: dict,
            folder: str, timeout: float, opener: Quietly) -> tuple[Iterator[Stored], str]:
    """The mailbox's messages (read lazily), and how to name it."""
    if maildir_dir is not None:
        return maildir(maildir_dir, opener), f"the maildir {visible(display_path(maildir_dir))}"
    if mbox_file is not None:
        return mbox(mbox_file, opener), f"the mbox file {visible(display_path(mbox_file))}"
    host, port = host_and_port(imap, "--imap", "imap.example.org:993")
    signin = sign_in(options["user"], options["auth"], options["token_command"],
                     password_variables=PASSWORDS, token_variables=TOKENS)
    cafile = options["cafile"]
    server = ImapServer(host, port, security(options["starttls"], options["ssl"]), signin,
                        folder, timeout, str(cafile) if cafile else None)
    return ImapMailbox(server).messages(), f"{folder} at {host}:{port}"


def _has_sent(out_dir: Path) -> None:
    """A year with no ledger has sent nothing, so nothing can have come back: said, and
    nothing created. (A ledger lost after sending is the ledger's own error.)"""
    if not (out_dir / LEDGER_FILE).is_file() and not (out_dir / MARKER_FILE).exists():
        raise LettersError(f"{display_path(out_dir)} has no {LEDGER_FILE}: no letter of this "
                           "year has been sent from it, so none can have come back. (Give "
                           "--out for letters built and sent elsewhere.)")


def _read_and_record(out_dir: Path, messages: Iterator[Stored],
                     subjects: dict[str, str]) -> tuple[Tally, set]:
    """Read every message, then record what matched in one transaction; a mailbox that fails
    midway still has what was read before it recorded."""
    ledger = open_ledger(out_dir, write=True)
    tally, fresh = Tally(), set()
    try:
        records = ledger.records()
        matching = Matching([d for r in records.values() for d in r.deliveries], subjects)
        try:
            for stored in messages:
                if stored.error:
                    tally.could_not_read(stored.where, stored.error)
                else:
                    tally.add(stored.where, read_notice(stored.data, stored.truncated),
                              matching)
        finally:
            fresh = set(record(ledger, tally.reports))
    finally:
        ledger.close(checkpoint=True)
    return tally, fresh
