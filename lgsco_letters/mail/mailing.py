"""Mass mailing: every authority its letter, exactly once, with a ledger that proves it.

Everything is checked before the first message goes: the manifest, every PDF against its
hash, every address, every letter's cover note, every letter's verdict. Then `run.py` sends
letter by letter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from lgsco_letters.build.manifest import (
    MANIFEST_JSON,
    SENDABLE,
    built_from_other_data,
    read_letters,
)
from lgsco_letters.data.addresses import address_problem
from lgsco_letters.data.fields import COPY_ROLES
from lgsco_letters.data.models import Authority, Year
from lgsco_letters.data.names import select_authorities
from lgsco_letters.digests import file_sha256, not_plain, plain_bytes
from lgsco_letters.errors import DataError, LettersError, Problem, display_path
from lgsco_letters.mail.delivery import Server, message_bytes
from lgsco_letters.mail.envelope import CC_FIELDS
from lgsco_letters.mail.ledger import Ledger, LetterRecord, SendStatus
from lgsco_letters.mail.message import (
    SENDER_SLOT,
    Cover,
    compose,
    message_id,
    render_covers,
)
from lgsco_letters.mail.verdict import Built, Reason, decide
from lgsco_letters.render.findings import failed_build
from lgsco_letters.render.templating import Templates
from lgsco_letters.words import examples, plural


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
    cover: Cover  # its cover note, rendered before anything goes
    data_changed: str = ""  # its PDF was built from other data than now (and how)
    approved_cover: str | None = None  # the digest of its cover note, as an approval covers it


@dataclass(frozen=True)
class Held:
    authority: str
    reason: Reason
    why: str
    slug: str = ""
    sha256: str = ""  # the manifest's, for a letter held back while another run sends it


@dataclass
class Plan:
    to_send: list[Planned] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    sent_meanwhile: list[str] = field(default_factory=list)  # by another run, during this one


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


def _check_each_address_once(chosen: list[Authority], options: SendOptions) -> None:
    """No letter goes twice to one mailbox: an address given to --cc that is also a council's
    own, or a --cc given twice, is refused before anything goes."""
    twice = []
    for authority in chosen:
        addresses = [authority.recipient.email, *cc_for(authority, options.cc)]
        if len({address.casefold() for address in addresses}) < len(addresses):
            twice.append(authority.name)
    if twice:
        raise LettersError(f"--cc would send {plural(len(twice), 'letter')} twice to one "
                           f"address ({examples(twice)}): an address given to --cc is also "
                           "the council's own, or a --cc is given twice; give each once")


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


def make_plan(year: Year, out_dir: Path, options: SendOptions, ledger: Ledger,
              templates: Templates) -> Plan:
    """Decide, for every chosen authority, whether to send, skip or hold back its letter; every
    chosen letter's cover note is rendered first, so that a template's fault stops the run
    before anything is claimed, sent or recorded."""
    _check_addresses(options)
    _check_copied(year, options)
    chosen, resend = _chosen(year, options)
    _check_each_address_once(chosen, options)
    rows = read_letters(out_dir)
    problems = [problem for authority in chosen
                if (problem := letter_problem(authority, rows.get(authority.slug), out_dir))]
    if problems:
        raise DataError(problems)
    covers = render_covers(templates, year, chosen, options.sender)
    approved = {slug: cover.digest() for slug, cover in
                render_covers(templates, year, chosen, SENDER_SLOT).items()}
    records, plan = ledger.records(), Plan()
    for authority in chosen:
        sha256, record = rows[authority.slug]["sha256"], records.get(authority.slug,
                                                                     LetterRecord())
        changed = built_from_other_data(rows[authority.slug], year, authority)
        cover = approved[authority.slug]
        verdict = decide(authority, Built(sha256, sha256, data_changed=changed, cover=cover),
                         record, resend=authority.slug in resend,
                         allow_specimen=options.allow_specimen)
        if verdict.may_go:
            plan.to_send.append(Planned(authority, out_dir / f"{authority.slug}.pdf", sha256,
                                        cc_for(authority, options.cc),
                                        authority.slug in resend, record,
                                        covers[authority.slug], changed, cover))
        elif verdict.reason == Reason.SENT:
            plan.already_sent.append(authority.name)
        else:
            plan.held.append(Held(authority.name, verdict.reason, verdict.why_held,
                                  authority.slug, sha256))
    return plan


def letter_problem(authority: Authority, row: dict | None, out_dir: Path) -> Problem | None:
    manifest = out_dir / MANIFEST_JSON
    if row is not None and row["status"] not in SENDABLE and row.get("error"):
        return Problem(manifest, f"has no built letter: {failed_build(row['error'])}",
                       authority=authority.name)
    if row is None or row["status"] not in SENDABLE:
        status = "missing" if row is None else row["status"]
        return Problem(manifest, f"has no built letter (status: {status}); run lgsco-letters "
                                 "build", authority=authority.name)
    own = f"{authority.slug}.pdf"
    path = out_dir / own
    if row["file"] == own and (kind := not_plain(path)):
        return Problem(path, f"is not a file but {kind}: a built letter is a plain file in "
                             f"{display_path(out_dir)}, and nothing else is sent as one; run "
                             "lgsco-letters build, which writes it there afresh",
                       authority=authority.name)
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


def _domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1]


def message_id_for(item: Planned, year: Year, options: SendOptions, record: LetterRecord) -> str:
    return message_id(year, item.authority, item.sha256, _domain(options.sender),
                      resends(record, item.resend))


def read_once(item: Planned) -> tuple[bytes, Built]:
    """The letter's bytes, read once: what is hashed is what is attached."""
    data = plain_bytes(item.path)  # a link or a named pipe swapped in is no letter
    if data is None:
        return b"", Built(item.sha256, None, data_changed=item.data_changed,
                          cover=item.approved_cover)
    return data, Built(item.sha256, hashlib.sha256(data).hexdigest(),
                       data_changed=item.data_changed, cover=item.approved_cover)


def write_eml_files(plan: Plan, year: Year, templates: Templates,
                    options: SendOptions) -> tuple[list[Path], list[Held]]:
    """Write each message as an .eml file; send nothing, record nothing. A letter whose bytes
    are no longer the ones checked is left out, and returned as held back."""
    from lgsco_letters.files import write_atomic

    written, held = [], []
    for item in plan.to_send:
        data, built = read_once(item)
        verdict = decide(item.authority, built, item.record, resend=item.resend,
                         allow_specimen=options.allow_specimen)
        if not verdict.may_go:
            held.append(Held(item.authority.name, verdict.reason, verdict.why_held))
            continue
        message = compose(item.cover, year, item.authority, data, sender=options.sender,
                          cc=item.cc, msgid=message_id_for(item, year, options, item.record))
        target = options.dry_run / f"{item.authority.slug}.eml"
        write_atomic(target, message_bytes(message))
        written.append(target)
    return written, held
