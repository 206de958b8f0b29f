"""Mass mailing: every authority its letter, exactly once, with a ledger that proves it.

Everything is checked before the first message goes: the manifest, every PDF against its
hash, every address. Then one message per authority, each outcome committed to the ledger
before the next message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lgsco_letters.build.manifest import MANIFEST_JSON, SENDABLE, read_letters
from lgsco_letters.build.state import file_sha256
from lgsco_letters.data.addresses import address_problem
from lgsco_letters.data.models import Authority, Year
from lgsco_letters.data.names import select_authorities
from lgsco_letters.data.schema import COPY_ROLES
from lgsco_letters.errors import DataError, LettersError, Problem, display_path
from lgsco_letters.mail.approvals import Approval, approvals
from lgsco_letters.mail.delivery import Connection, Result, Server, deliver, message_bytes
from lgsco_letters.mail.ledger import INTERRUPTED, Entry, Ledger, SendStatus
from lgsco_letters.mail.message import compose, message_id
from lgsco_letters.render.templating import Templates

logger = logging.getLogger(__name__)
CC_FIELDS = tuple(COPY_ROLES.values())  # data fields --cc may name instead of an address
SPECIMEN = "specimen letter (made-up figures): not sent without --allow-specimen"


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


@dataclass(frozen=True)
class Held:
    authority: str
    reason: str  # specimen, changed, refused or unknown: what it takes to send it
    why: str


@dataclass
class Plan:
    to_send: list[Planned] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)


def _cc_for(authority: Authority, cc: list[str]) -> list[str]:
    values = [getattr(authority, item) if item in CC_FIELDS else item for item in cc]
    return [value for value in values if value]


def _check_addresses(options: SendOptions) -> None:
    problems = [f"--cc {item}: {why}; or name one of the data fields {', '.join(CC_FIELDS)}"
                for item in options.cc
                if item not in CC_FIELDS and (why := address_problem(item))]
    if why := address_problem(options.sender):
        problems.append(f"--from {options.sender}: {why}")
    if problems:
        raise LettersError("\n".join(problems))


def _check_copied(year: Year, options: SendOptions) -> None:
    """A letter that says "Copied to: monitoring officer" goes to the monitoring officer too,
    or not at all: the copies must be what the letters say."""
    missing = [role for role in year.copied_to if COPY_ROLES[role] not in options.cc]
    if missing:
        fields = " ".join(f"--cc {COPY_ROLES[role]}" for role in missing)
        raise LettersError(f"The letters say they are copied to the {' and the '.join(missing)} "
                           f"(copied_to: in {display_path(year.folder / 'year.yaml')}), so "
                           f"send must copy them: add {fields}")


def _chosen(year: Year, options: SendOptions) -> tuple[list[Authority], set[str]]:
    """The authorities this run is about, and the slugs of those to send again on purpose.

    `--resend` alone means exactly those letters, never "and everyone not yet sent".
    """
    resend = select_authorities(year, options.resend) if options.resend else []
    if options.only or resend:
        chosen = select_authorities(year, options.only) if options.only else []
    else:
        chosen = list(year.authorities)
    chosen += [authority for authority in resend if authority not in chosen]
    return chosen, {authority.slug for authority in resend}


def make_plan(year: Year, out_dir: Path, options: SendOptions, ledger: Ledger) -> Plan:
    """Decide, for every chosen authority, whether to send, skip or hold back its letter."""
    _check_addresses(options)
    _check_copied(year, options)
    chosen, resend = _chosen(year, options)
    rows = read_letters(out_dir)
    sent, signed, plan, problems = ledger.entries(), approvals(ledger), Plan(), []
    for authority in chosen:
        row = rows.get(authority.slug)
        problem = letter_problem(authority, row, out_dir)
        if problem:
            problems.append(problem)
            continue
        record = Ledgered(sent.get(authority.slug), signed.get(authority.slug))
        _decide(plan, authority, out_dir / row["file"], row["sha256"], record, options,
                authority.slug in resend)
    if problems:
        raise DataError(problems)
    return plan


def letter_problem(authority: Authority, row: dict | None, out_dir: Path) -> Problem | None:
    manifest = out_dir / MANIFEST_JSON
    if row is None or row["status"] not in SENDABLE:
        status = "missing" if row is None else row["status"]
        return Problem(manifest, f"has no built letter (status: {status}); run lgsco-letters "
                                 "build", authority=authority.name)
    own = f"{authority.slug}.pdf"
    path = out_dir / own
    if row["file"] != own or not path.resolve().is_relative_to(out_dir.resolve()):
        return Problem(manifest, f'names the file "{row["file"]}", but a letter can only be '
                                 f"{own} inside {display_path(out_dir)}: the manifest has been "
                                 "altered; rebuild it with lgsco-letters build",
                       authority=authority.name, field="file")
    actual = file_sha256(path)
    if actual is None:
        return Problem(path, "is missing: run lgsco-letters build", authority=authority.name)
    if actual != row["sha256"]:
        return Problem(path, "does not match the manifest's SHA-256 (changed since the build): "
                             "run lgsco-letters build", authority=authority.name)
    return None


@dataclass(frozen=True)
class Ledgered:
    """What the ledger holds of one letter: its sending, and its approval."""

    entry: Entry | None
    approval: Approval | None


def _decide(plan: Plan, authority: Authority, path: Path, sha256: str, record: Ledgered,
            options: SendOptions, resend: bool) -> None:
    name, entry = authority.name, record.entry
    if authority.specimen and not options.allow_specimen:
        plan.held.append(Held(name, "specimen", SPECIMEN))
    elif held := None if resend else _held_by_ledger(entry, sha256):
        plan.held.append(Held(name, *held))
    elif entry is not None and entry.status == SendStatus.SENT and not resend:
        plan.already_sent.append(name)
    elif unapproved := not_approved(record.approval, sha256):
        plan.held.append(Held(name, *unapproved))
    else:
        plan.to_send.append(Planned(authority, path, sha256, _cc_for(authority, options.cc),
                                    resend and entry is not None, _resends(entry, resend)))


def not_approved(approval: Approval | None, sha256: str) -> tuple[str, str] | None:
    """Why the letter may not go for want of sign-off: (reason, words), or None."""
    if approval is None:
        return "not approved", "not approved (lgsco-letters approve NAME --as PERSON)"
    if approval.sha256 != sha256:
        return "changed since approved", (f"changed since approved by {approval.approved_by} "
                                          f"on {approval.day}: approve it again")
    return None


def _held_by_ledger(entry: Entry | None, sha256: str) -> tuple[str, str] | None:
    """Why the ledger forbids sending this letter without a deliberate --resend, if it does:
    (reason, words)."""
    if entry is None:
        return None
    if entry.status == SendStatus.SENT and entry.sha256 != sha256:
        return "changed", (f"its PDF changed after it was sent on {entry.sent_at}; left alone "
                           "(use --resend to send the new one)")
    if entry.status == SendStatus.FAILED_PERMANENT:
        return "refused", (f"refused for good last time ({entry.reply}); not retried (use "
                           "--resend once it is fixed)")
    if entry.status in (SendStatus.UNKNOWN, SendStatus.SENDING):
        return "unknown", f"outcome unknown: {entry.reply or INTERRUPTED}"
    return None


def _resends(entry: Entry | None, resend: bool) -> int:
    """The Message-ID's resend number. Resending an unknown keeps the ID, so that a server
    that did take the first can recognise the repeat; resending a sent letter is new mail."""
    if entry is None or not resend or entry.status != SendStatus.SENT:
        return entry.resends if entry else 0
    return entry.resends + 1


@dataclass
class SendOutcome:
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
        write_atomic(target, message_bytes(message))
        written.append(target)
    return written


def _message_id(item: Planned, year: Year, options: SendOptions) -> str:
    return message_id(year, item.authority, item.sha256, _domain(options.sender), item.resends)


def _compose(item: Planned, year: Year, templates: Templates, options: SendOptions):
    return compose(templates, year, item.authority, item.path.read_bytes(),
                   sender=options.sender, cc=item.cc, msgid=_message_id(item, year, options))


def send_all(plan: Plan, year: Year, templates: Templates, options: SendOptions,
             ledger: Ledger, report: Callable[[SendOutcome], None]) -> list[SendOutcome]:
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
              ledger: Ledger, connection: Connection) -> SendOutcome:
    recipients = [item.authority.recipient.email, *item.cc]

    def begin() -> None:  # committed before each attempt
        ledger.begin(item.authority.slug, item.authority.name, recipients[0],
                     ", ".join(item.cc), item.sha256, _message_id(item, year, options),
                     item.resends)

    try:
        message = _compose(item, year, templates, options)
        result = deliver(connection, message, options.sender, recipients, options.retries,
                         options.backoff, on_attempt=begin,
                         before_data=lambda: ledger.handing_over(item.authority.slug))
    except LettersError:
        raise  # the server or the login is wrong for every letter: stop the run
    except Exception as error:  # one letter's bug must not keep the councils after it waiting
        logger.debug("sending to %s failed", item.authority.name, exc_info=True)
        connection.close()
        begin()
        result = Result(SendStatus.FAILED_PERMANENT, f"unexpected error: {type(error).__name__}:"
                                                     f" {error} (-v shows the details)")
    ledger.finish(item.authority.slug, result.status, result.reply)
    return SendOutcome(item.authority.name, result)
