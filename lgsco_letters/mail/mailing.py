"""Mass mailing: every authority its letter, exactly once, with a ledger that proves it.

Everything is checked before the first message goes: the manifest, every PDF against its
hash, every address, every letter's verdict. Then, letter by letter: its bytes are read once
and hashed, the letter is claimed in the ledger (which judges it again, as it stands at that
moment, against those bytes), and exactly those bytes go; each outcome is committed to the
ledger before the next message.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lgsco_letters.build.manifest import MANIFEST_JSON, SENDABLE, read_letters
from lgsco_letters.data.addresses import address_problem
from lgsco_letters.data.fields import COPY_ROLES
from lgsco_letters.data.models import Authority, Year
from lgsco_letters.data.names import select_authorities
from lgsco_letters.digests import file_sha256
from lgsco_letters.errors import DataError, LettersError, Problem, display_path
from lgsco_letters.mail.delivery import Connection, Result, Server, deliver, message_bytes
from lgsco_letters.mail.envelope import CC_FIELDS
from lgsco_letters.mail.ledger import Ledger, LetterRecord, Sending, SendStatus
from lgsco_letters.mail.message import compose, message_id
from lgsco_letters.mail.verdict import Built, Reason, Verdict, decide
from lgsco_letters.render.templating import Templates

logger = logging.getLogger(__name__)


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
    sha256: str  # as the manifest records it
    cc: list[str]
    resend: bool  # named by --resend
    record: LetterRecord  # as the ledger held it when the run was planned


@dataclass(frozen=True)
class Held:
    authority: str
    reason: Reason
    why: str


@dataclass
class Plan:
    to_send: list[Planned] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)


def cc_for(authority: Authority, cc: list[str]) -> list[str]:
    values = [getattr(authority, item, "") if item in CC_FIELDS else item for item in cc]
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
    problems = [problem for authority in chosen
                if (problem := letter_problem(authority, rows.get(authority.slug), out_dir))]
    if problems:
        raise DataError(problems)
    records, plan = ledger.records(), Plan()
    for authority in chosen:
        sha256, record = rows[authority.slug]["sha256"], records.get(authority.slug,
                                                                     LetterRecord())
        verdict = decide(authority, Built(sha256, sha256), record,
                         resend=authority.slug in resend, allow_specimen=options.allow_specimen)
        if verdict.may_go:
            plan.to_send.append(Planned(authority, out_dir / f"{authority.slug}.pdf", sha256,
                                        cc_for(authority, options.cc),
                                        authority.slug in resend, record))
        elif verdict.reason == Reason.SENT:
            plan.already_sent.append(authority.name)
        else:
            plan.held.append(Held(authority.name, verdict.reason, verdict.why_held))
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


def resends(record: LetterRecord, resend: bool) -> int:
    """The Message-ID's resend number. Resending an unknown keeps the ID, so that a server
    that did take the first can recognise the repeat; resending a sent letter, or one that
    bounced, is new mail."""
    latest = record.latest
    if latest is None:
        return 0
    return latest.resends + (1 if resend and latest.status in (SendStatus.SENT,
                                                              SendStatus.BOUNCED) else 0)


@dataclass
class SendOutcome:
    authority: str
    result: Result | None  # None: not sent, for `held` (found when its turn came)
    held: Verdict | None = None


def _domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1]


def _message_id(item: Planned, year: Year, options: SendOptions, record: LetterRecord) -> str:
    return message_id(year, item.authority, item.sha256, _domain(options.sender),
                      resends(record, item.resend))


def _last_id(record: LetterRecord) -> int | None:
    return record.latest.id if record.latest else None


def _read_once(item: Planned) -> tuple[bytes, Built]:
    """The letter's bytes, read once: what is hashed is what is attached."""
    try:
        data = item.path.read_bytes()
    except FileNotFoundError:
        return b"", Built(item.sha256, None)
    return data, Built(item.sha256, hashlib.sha256(data).hexdigest())


def write_eml_files(plan: Plan, year: Year, templates: Templates,
                    options: SendOptions) -> tuple[list[Path], list[Held]]:
    """Write each message as an .eml file; send nothing, record nothing. A letter whose bytes
    are no longer the ones checked is left out, and returned as held back."""
    from lgsco_letters.files import write_atomic

    written, held = [], []
    for item in plan.to_send:
        data, built = _read_once(item)
        verdict = decide(item.authority, built, item.record, resend=item.resend,
                         allow_specimen=options.allow_specimen)
        if not verdict.may_go:
            held.append(Held(item.authority.name, verdict.reason, verdict.why_held))
            continue
        message = compose(templates, year, item.authority, data, sender=options.sender,
                          cc=item.cc, msgid=_message_id(item, year, options, item.record))
        target = options.dry_run / f"{item.authority.slug}.eml"
        write_atomic(target, message_bytes(message))
        written.append(target)
    return written, held


def send_all(plan: Plan, year: Year, templates: Templates, options: SendOptions,
             ledger: Ledger, report: Callable[[SendOutcome], None]) -> list[SendOutcome]:
    connection = Connection(options.server)
    outcomes, interval, last = [], 60.0 / options.rate if options.rate else 0.0, None
    try:
        if plan.to_send:
            connection.open_early()
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
    authority = item.authority
    data, built = _read_once(item)
    recipient, cc = authority.recipient.email, item.cc

    def sending(record: LetterRecord) -> Sending:
        return Sending(authority.slug, authority.name, recipient, ", ".join(cc), built.on_disk,
                       _message_id(item, year, options, record), resends(record, item.resend))

    def judge(record: LetterRecord) -> Verdict:
        # --resend overrides the record it was given for: a delivery another run has made
        # since is not sent again
        resend = item.resend and _last_id(record) == _last_id(item.record)
        return decide(authority, built, record, resend=resend,
                      allow_specimen=options.allow_specimen)

    verdict, claimed = ledger.claim(authority.slug, judge, sending)
    if claimed is None:
        return SendOutcome(authority.name, None, verdict)
    delivery = claimed.id
    try:
        message = compose(templates, year, authority, data, sender=options.sender, cc=cc,
                          msgid=claimed.sending.message_id)
        result = deliver(connection, message, options.sender, recipient, cc, options.retries,
                         options.backoff, on_attempt=lambda: ledger.attempt(delivery),
                         before_data=lambda: ledger.handing_over(delivery))
    except LettersError:
        with contextlib.suppress(LettersError):
            ledger.release(delivery)
        raise  # the server or the login is wrong for every letter: stop the run
    except Exception as error:  # one letter's bug must not keep the councils after it waiting
        logger.debug("sending to %s failed", authority.name, exc_info=True)
        connection.close()
        result = Result(SendStatus.FAILED_PERMANENT, f"unexpected error: {type(error).__name__}:"
                                                     f" {error} (-v shows the details)")
    ledger.finish(delivery, result.status, result.reply, result.warning)
    return SendOutcome(authority.name, result)
