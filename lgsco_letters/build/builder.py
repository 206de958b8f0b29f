"""A year's build: every letter's HTML and fingerprint first, then only the changed ones rendered.

Gather and check everything before writing anything; then render the letters whose inputs
changed in warm workers, record each as it lands, and rewrite the manifest at the end.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lgsco_letters.build.manifest import (
    BuildStatus,
    read_previous,
    refuse_another_year,
    write_manifest,
)
from lgsco_letters.build.pool import WorkerLost, run_jobs
from lgsco_letters.build.progress import Progress
from lgsco_letters.build.state import BuildState, Record, remove_stale_temporaries
from lgsco_letters.build.workers import Job, RenderOutcome
from lgsco_letters.data.models import Authority, Year
from lgsco_letters.digests import file_sha256
from lgsco_letters.errors import DataError, Problem, RenderError, Unfinished, access_denied
from lgsco_letters.locking import holding
from lgsco_letters.processes import interrupt_exit_code, stop_reason
from lgsco_letters.render import variants
from lgsco_letters.render.findings import (
    LAYOUT_FAILED,
    PAGE_COUNT,
    codes_of,
    usual_pages,
    with_page_count,
)
from lgsco_letters.render.provenance import data_fingerprint, document_identifier
from lgsco_letters.render.shape import Shape
from lgsco_letters.render.templating import Templates, render_letter
from lgsco_letters.words import plural


@dataclass
class Letter:
    """One authority's letter on its way to a PDF, and what became of it."""

    authority: Authority
    path: Path
    html: str = ""
    fingerprint: str = ""
    data: str = ""  # the data's fingerprint (`provenance.data_fingerprint`) its PDF was made from
    identifier: bytes | None = None
    status: BuildStatus = BuildStatus.PENDING
    pages: int | None = None
    size: int | None = None
    sha256: str | None = None
    error: str = ""
    fault: tuple | None = None  # (template, line, detail) when a template is at fault
    codes: set[str] = field(default_factory=set)  # the layout check's findings, by code
    written: bool = False  # its PDF was written by this build (not kept from an earlier one)
    kept: bool = False  # not tried (--only did not name it): its manifest row carried over

    def manifest_row(self) -> dict[str, Any]:
        return {"authority": self.authority.name, "slug": self.authority.slug,
                "file": self.path.name, "pages": self.pages, "bytes": self.size,
                "sha256": self.sha256, "recipient_email": self.authority.recipient.email,
                "specimen": self.authority.specimen, "successor": self.authority.successor,
                "status": self.status, "error": self.error, "layout": codes_of(self.codes),
                "data_fingerprint": self.data}

    def take(self, record: Record, status: BuildStatus) -> None:
        self.pages, self.size, self.sha256, self.status = (
            record.pages, record.size, record.sha256, status)
        self.codes = set(record.layout.split())

    def keep(self, row: dict[str, Any]) -> None:
        """The manifest's record of the PDF on disk, carried over as it was."""
        self.pages, self.size, self.sha256 = row["pages"], row["bytes"], row["sha256"]
        self.status, self.error = BuildStatus(row["status"]), row["error"] or ""
        self.codes = set((row.get("layout") or "").split()) - {PAGE_COUNT}
        self.data = row.get("data_fingerprint") or ""


@dataclass
class BuildReport:
    out_dir: Path
    letters: list[Letter] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: BuildStatus) -> int:
        """The letters this build tried that ended with `status` (not those kept as they
        were, whatever their manifest row says)."""
        return sum(1 for letter in self.letters if letter.status == status and not letter.kept)

    @property
    def kept(self) -> int:
        return sum(1 for letter in self.letters if letter.kept)

    @property
    def failed(self) -> list[Letter]:
        return [letter for letter in self.letters
                if not letter.kept and letter.status == BuildStatus.FAILED]

    @property
    def written(self) -> list[Letter]:
        """The letters whose PDF this build wrote (a letter --only left alone keeps its
        manifest status, but was not written now)."""
        return [letter for letter in self.letters if letter.written]


class BuildStopped(Unfinished):
    """The build could not go on (a full disk, a lost worker) or was stopped (Ctrl-C,
    SIGTERM): what was written is listed, and kept; the next build carries on from there."""

    def __init__(self, report: BuildReport, cause: BaseException):
        written = [letter.authority.name for letter in report.written]
        listed = "; ".join(written[:10]) + (f"; and {len(written) - 10} more"
                                            if len(written) > 10 else "")
        if isinstance(cause, KeyboardInterrupt):
            self.exit_code = interrupt_exit_code(cause)
            what, then = f"The build was stopped ({stop_reason(cause)})", "Build again"
        else:
            what, then = f"The build stopped: {_cause(cause)}", "Make room, then build again"
            if isinstance(cause, OSError) and access_denied(cause):
                then = ("The system refuses to let it write there: check the folder's "
                        "permissions (a read-only or immutable folder cannot be written), then "
                        "build again")
            elif not isinstance(cause, OSError):
                then = "Build again"
        super().__init__(f"{what}. {plural(len(written), 'letter')} written before it stopped"
                         + (f": {listed}." if written else ".")
                         + f" {then}: it carries on from there.")


def _cause(error: BaseException) -> str:
    if isinstance(error, OSError):
        return (error.strerror or str(error)) + (f" ({error.filename})" if error.filename
                                                 else "")
    return str(error)


def fingerprint(html: str, shape: Shape, pdf_options: dict[str, Any]) -> str:
    """Everything that decides a letter's bytes: its shape (the engine, and the templates and
    assets it uses: the definition `inspect` uses too), the PDF options, and its HTML."""
    digest = hashlib.sha256()
    for part in (shape.fingerprint, json.dumps(pdf_options, sort_keys=True), html):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def prepare_letters(year: Year, templates: Templates, out_dir: Path,
                    pdf_options: dict[str, Any], selected: set[str] | None = None
                    ) -> list[Letter]:
    """The chosen letters' HTML and fingerprints; a letter whose template fails for its data
    fails alone. Templates that cannot work for any letter are refused before anything."""
    problems = templates.compile_all()
    if problems:
        raise DataError(problems)
    letters = []
    for authority in year.authorities:
        letter = Letter(authority, out_dir / f"{authority.slug}.pdf",
                        identifier=document_identifier(year, authority))
        letter.kept = selected is not None and authority.slug not in selected
        if not letter.kept:
            _prepare(letter, year, templates, pdf_options)
        letters.append(letter)
    _refuse_shared_failure([letter for letter in letters if letter.html or letter.error])
    return letters


def _prepare(letter: Letter, year: Year, templates: Templates,
             pdf_options: dict[str, Any]) -> None:
    try:
        letter.html, shape = render_letter(templates, year, letter.authority)
    except RenderError as error:  # whatever its data makes a template do, only it fails
        letter.status, letter.error, letter.fault = BuildStatus.FAILED, str(error), error.where
        return
    letter.fingerprint = fingerprint(letter.html, shape, pdf_options)
    letter.data = data_fingerprint(year, letter.authority)


def _refuse_shared_failure(tried: list[Letter]) -> None:
    """One template fault that stops every letter is the templates' problem, not 353
    letters': said once, with its place, and nothing is written."""
    faults = {letter.fault for letter in tried}
    if len(tried) > 1 and len(faults) == 1 and None not in faults and tried[0].error:
        template, line, detail = tried[0].fault
        raise DataError([Problem(template, f"{detail} (in every one of the "
                                           f"{len(tried)} letters)", line)])


@dataclass
class BuildOptions:
    out_dir: Path
    selected: set[str] | None = None  # slugs; None means every authority
    jobs: int = 1
    force: bool = False
    pdf_options: dict[str, Any] = field(default_factory=variants.pdf_options)


def build_year(year: Year, templates: Templates, options: BuildOptions,
               progress: Progress | None = None,
               on_ready: Callable[[], None] = lambda: None) -> BuildReport:
    """Build the year's letters; `on_ready` runs once everything has been checked, just
    before the first file is written."""
    started = time.monotonic()
    out_dir = options.out_dir
    refuse_another_year(out_dir, year.label, year.folder)
    letters = prepare_letters(year, templates, out_dir, options.pdf_options, options.selected)
    with holding(out_dir, "build"):
        on_ready()
        return _write(letters, templates, options, progress, started, year.label)


def _write(letters: list[Letter], templates: Templates, options: BuildOptions,
           progress: Progress | None, started: float, label: str) -> BuildReport:
    out_dir = options.out_dir
    remove_stale_temporaries(out_dir)
    state = BuildState(out_dir)
    pending = _sort_out(letters, state, options, read_previous(out_dir))
    report = BuildReport(out_dir, letters)
    if progress is not None:
        progress.total = len(pending)
    stopped: BaseException | None = None
    try:
        _render(pending, state, templates.folder, options, report, progress)
    except (OSError, WorkerLost, KeyboardInterrupt) as error:  # what was written is kept
        stopped = error
    _flag_page_counts(letters)
    try:
        state.save()
        write_manifest(out_dir, [letter.manifest_row() | {"year": label} for letter in letters])
    except OSError as error:
        stopped = stopped or error
    report.seconds = time.monotonic() - started
    if stopped is not None:
        raise BuildStopped(report, stopped)
    return report


def _sort_out(letters: list[Letter], state: BuildState, options: BuildOptions,
              previous: dict[str, dict[str, Any]]) -> list[Letter]:
    """Mark each letter unchanged, kept as it was, or failed; return those to render."""
    pending = []
    for letter in letters:
        slug = letter.authority.slug
        if options.selected is not None and slug not in options.selected:
            _carry_over(letter, previous.get(slug))
        elif letter.status == BuildStatus.FAILED:
            if record := state.on_disk(slug, letter.path):  # the good PDF's record stays
                letter.pages, letter.size, letter.sha256 = record.pages, record.size, \
                    record.sha256
                letter.codes = set(record.layout.split())
        elif not options.force and (record := state.current(slug, letter.fingerprint,
                                                            letter.path)):
            letter.take(record, BuildStatus.UNCHANGED)
        else:
            pending.append(letter)
    return pending


def _carry_over(letter: Letter, row: dict[str, Any] | None) -> None:
    """A letter --only did not name: not tried, its manifest row kept while its PDF is."""
    letter.kept = True
    if row is not None and row["sha256"] and file_sha256(letter.path) == row["sha256"]:
        letter.keep(row)
    else:
        letter.status = BuildStatus.NOT_BUILT


def _render(pending: list[Letter], state: BuildState, templates_dir: Path,
            options: BuildOptions, report: BuildReport, progress: Progress | None) -> None:
    by_slug = {letter.authority.slug: letter for letter in pending}
    jobs = [Job(letter.authority.slug, letter.html, letter.path, letter.identifier)
            for letter in pending]
    with run_jobs(jobs, templates_dir, options.jobs, options.pdf_options) as outcomes:
        for outcome in outcomes:
            letter = by_slug[outcome.key]
            if outcome.error:
                letter.status, letter.error = BuildStatus.FAILED, outcome.error
            else:
                _landed(letter, outcome, state)
            if progress is not None:
                progress.advance()


def _landed(letter: Letter, outcome: RenderOutcome, state: BuildState) -> None:
    """A rendered letter, with what the layout check saw. A letter with a layout problem is
    written (to be looked at) but failed, and not remembered, so the next build tries again."""
    record = Record(letter.fingerprint, outcome.sha256, outcome.pages, outcome.size,
                    codes_of(outcome.layout))
    letter.take(record, BuildStatus.BUILT)
    letter.written = True
    problems = [finding.message for finding in outcome.layout if finding.is_problem]
    if problems:
        letter.status, letter.error = BuildStatus.FAILED, LAYOUT_FAILED + "; ".join(problems)
    else:
        state.record(letter.authority.slug, record)


def _flag_page_counts(letters: list[Letter]) -> None:
    """A letter whose page count is not the year's usual one gets the `page-count` warning
    (judged afresh at every build, across every letter with a PDF)."""
    usual = usual_pages([letter.pages for letter in letters if letter.pages])
    for letter in letters:
        letter.codes.discard(PAGE_COUNT)
        if letter.pages and with_page_count((), letter.pages, usual):
            letter.codes.add(PAGE_COUNT)
