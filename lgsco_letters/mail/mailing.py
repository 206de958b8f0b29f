"""Mass mailing: every authority its letter, exactly once, with a ledger that proves it.

Everything is checked before the first message goes: the manifest, every PDF against its
hash, every address. Then one message per authority, each outcome committed to the ledger
before the next message.
"""

from __future__ import annotations

import email.policy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lgsco_letters.build.manifest import read_manifest
from lgsco_letters.build.state import file_sha256
from lgsco_letters.data.models import Authority, Year
from lgsco_letters.data.validate import EMAIL
from lgsco_letters.data.year import select_authorities
from lgsco_letters.errors import DataError, LettersError, Problem, display_path
from lgsco_letters.mail.delivery import Connection, Result, Server, deliver
from lgsco_letters.mail.ledger import LEDGER_FILE, Entry, Ledger
from lgsco_letters.mail.message import compose, message_id
from lgsco_letters.render.templating import Templates

CC_FIELDS = ("link_officer_email",)  # data fields --cc may name instead of an address


@dataclass
class SendOptions:
    sender: str
    server: Server | None = None
    cc: list[str] = field(default_factory=list)
    rate: float | None = None  # messages per minute
    only: list[str] = field(default_factory=list)
    resend: list[str] = field(default_factory=list)
    allow_specimen: bool = False
    dry_run: Path | None = None
    retries: int = 3
    backoff: float = 2.0


@dataclass
class Planned:
    authority: Authority
    path: Path
    sha256: str
    cc: list[str]
    resend: bool
    resends: int


@dataclass
class Plan:
    to_send: list[Planned] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)  # (authority, why)


def _cc_for(authority: Authority, cc: list[str]) -> list[str]:
    values = [getattr(authority, item) if item in CC_FIELDS else item for item in cc]
    return [value for value in values if value]


def _check_cc(options: SendOptions) -> None:
    bad = [item for item in options.cc if item not in CC_FIELDS and not EMAIL.fullmatch(item)]
    if bad:
        raise LettersError("\n".join(
            f"--cc {item}: expected an email address or one of the data fields "
            f"{', '.join(CC_FIELDS)}" for item in bad))
    if not EMAIL.fullmatch(options.sender):
        raise LettersError(f"--from {options.sender}: expected an email address")


def make_plan(year: Year, out_dir: Path, options: SendOptions, ledger: Ledger) -> Plan:
    """Decide, for every chosen authority, whether to send, skip or hold back its letter."""
    _check_cc(options)
    manifest_path = out_dir / "manifest.json"
    if not manifest_path.is_file():
        raise LettersError(f"{display_path(manifest_path)} does not exist: build the letters "
                           "first (lgsco-letters build)")
    rows = {row["slug"]: row for row in read_manifest(out_dir)}
    resend = {a.slug for a in select_authorities(year, options.resend)} if options.resend else set()
    chosen = select_authorities(year, options.only) if options.only else list(year.authorities)
    chosen += [a for a in year.authorities if a.slug in resend and a not in chosen]
    sent, plan, problems = ledger.entries(), Plan(), []
    for authority in chosen:
        row = rows.get(authority.slug)
        problem = _pdf_problem(authority, row, out_dir, manifest_path)
        if problem:
            problems.append(problem)
            continue
        _decide(plan, authority, out_dir / row["file"], row["sha256"], sent.get(authority.slug),
                options, authority.slug in resend)
    if problems:
        raise DataError(problems)
    return plan


def _pdf_problem(authority: Authority, row: dict | None, out_dir: Path,
                 manifest: Path) -> Problem | None:
    if row is None or row["status"] not in ("built", "unchanged"):
        status = "missing" if row is None else row["status"]
        return Problem(manifest, f"has no built letter (status: {status}); run lgsco-letters "
                                 "build", authority=authority.name)
    path = out_dir / row["file"]
    actual = file_sha256(path)
    if actual is None:
        return Problem(path, "is missing: run lgsco-letters build", authority=authority.name)
    if actual != row["sha256"]:
        return Problem(path, "does not match the manifest's SHA-256 (changed since the build): "
                             "run lgsco-letters build", authority=authority.name)
    return None


def _decide(plan: Plan, authority: Authority, path: Path, sha256: str, entry: Entry | None,
            options: SendOptions, resend: bool) -> None:
    name = authority.name
    if authority.specimen and not options.allow_specimen:
        plan.held.append((name, "specimen letter (made-up figures): not sent without "
                                "--allow-specimen"))
    elif entry is not None and entry.status == "sent" and not resend:
        if entry.sha256 == sha256:
            plan.already_sent.append(name)
        else:
            plan.held.append((name, f"its PDF changed after it was sent on {entry.sent_at}; "
                                    "left alone (use --resend to send the new one)"))
    elif entry is not None and entry.status == "failed-permanent" and not resend:
        plan.held.append((name, f"refused for good last time ({entry.reply}); not retried "
                                "(use --resend once it is fixed)"))
    else:
        resends = (entry.resends if entry else 0) + (1 if resend and entry else 0)
        plan.to_send.append(Planned(authority, path, sha256, _cc_for(authority, options.cc),
                                    resend and entry is not None, resends))


@dataclass
class Outcome:
    authority: str
    result: Result


def _domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1]


def write_eml_files(plan: Plan, year: Year, templates: Templates,
                    options: SendOptions) -> list[Path]:
    """Write each message as an .eml file; send nothing, record nothing."""
    from lgsco_letters.files import write_atomic

    written = []
    for item in plan.to_send:
        message = _compose(item, year, templates, options)
        target = options.dry_run / f"{item.authority.slug}.eml"
        write_atomic(target, message.as_bytes(policy=email.policy.SMTP))
        written.append(target)
    return written


def _compose(item: Planned, year: Year, templates: Templates, options: SendOptions):
    msgid = message_id(year, item.authority, item.sha256, _domain(options.sender), item.resends)
    return compose(templates, year, item.authority, item.path.read_bytes(),
                   sender=options.sender, cc=item.cc, msgid=msgid)


def send_all(plan: Plan, year: Year, templates: Templates, options: SendOptions,
             ledger: Ledger, report: Callable[[Outcome], None]) -> list[Outcome]:
    connection = Connection(options.server)
    outcomes, interval, last = [], 60.0 / options.rate if options.rate else 0.0, None
    try:
        for item in plan.to_send:
            if last is not None and interval:
                time.sleep(max(0.0, interval - (time.monotonic() - last)))
            last = time.monotonic()
            outcomes.append(_send_one(item, year, templates, options, ledger, connection))
            report(outcomes[-1])
    finally:
        connection.close()
    return outcomes


def _send_one(item: Planned, year: Year, templates: Templates, options: SendOptions,
              ledger: Ledger, connection: Connection) -> Outcome:
    message = _compose(item, year, templates, options)
    recipients = [item.authority.recipient.email, *item.cc]

    def begin() -> None:  # committed before each attempt hands the message over
        ledger.begin(item.authority.slug, item.authority.name, recipients[0],
                     ", ".join(item.cc), item.sha256, message["Message-ID"], item.resends)

    result = deliver(connection, message, options.sender, recipients, options.retries,
                     options.backoff, on_attempt=begin)
    ledger.finish(item.authority.slug, result.status, result.reply)
    return Outcome(item.authority.name, result)


def open_ledger(out_dir: Path, dry_run: bool = False) -> Ledger:
    """The year's ledger. A dry run reads it if it exists, and never creates it."""
    path = out_dir / LEDGER_FILE
    if dry_run and not path.is_file():
        return Ledger(None)
    return Ledger(path)
