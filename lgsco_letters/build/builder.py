"""A year's build: every letter's HTML and fingerprint first, then only the changed ones rendered.

Gather and check everything before writing anything; then render the letters whose inputs
changed in warm workers, record each as it lands, and rewrite the manifest at the end.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lgsco_letters.build.manifest import write_manifest
from lgsco_letters.build.progress import Progress
from lgsco_letters.build.state import BuildState, Record, remove_stale_temporaries
from lgsco_letters.build.workers import Job, run_jobs
from lgsco_letters.data.models import Authority, Year
from lgsco_letters.render import variants
from lgsco_letters.render.assets import css_dependencies, resolve_asset
from lgsco_letters.render.provenance import document_identifier, engine_version
from lgsco_letters.render.templating import STYLESHEETS, Templates, describe_template_error

RELATIVE_REFERENCE = re.compile(r'(?:src|href)="(?![a-z][a-z0-9+.-]*:|#)([^"]+)"', re.I)


@dataclass
class Letter:
    """One authority's letter on its way to a PDF, and what became of it."""

    authority: Authority
    path: Path
    html: str = ""
    fingerprint: str = ""
    identifier: bytes | None = None
    status: str = "pending"  # then built, unchanged, failed or "not built" (not selected)
    pages: int | None = None
    size: int | None = None
    sha256: str | None = None
    error: str = ""

    def manifest_row(self) -> dict[str, Any]:
        return {"authority": self.authority.name, "slug": self.authority.slug,
                "file": self.path.name, "pages": self.pages, "bytes": self.size,
                "sha256": self.sha256, "recipient_email": self.authority.recipient.email,
                "specimen": self.authority.specimen, "status": self.status, "error": self.error}

    def take(self, record: Record, status: str) -> None:
        self.pages, self.size, self.sha256, self.status = (
            record.pages, record.size, record.sha256, status)


@dataclass
class BuildReport:
    out_dir: Path
    letters: list[Letter] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for letter in self.letters if letter.status == status)

    @property
    def failed(self) -> list[Letter]:
        return [letter for letter in self.letters if letter.status == "failed"]


class AssetDigests:
    """Hashes of the files a letter uses, each file read once per build."""

    def __init__(self, root: Path):
        self.root = root
        self._hashes: dict[str, str] = {}
        sheets = [*STYLESHEETS, *(d for s in STYLESHEETS for d in css_dependencies(root, s))]
        self.stylesheets = self._combine(sheets)

    def _hash(self, relative: str) -> str:
        if relative not in self._hashes:
            data = resolve_asset(self.root, relative).read_bytes()
            self._hashes[relative] = hashlib.sha256(data).hexdigest()
        return self._hashes[relative]

    def _combine(self, names: list[str]) -> str:
        return "".join(f"{name}:{self._hash(name)};" for name in sorted(set(names)))

    def of(self, html: str) -> str:
        return self.stylesheets + self._combine(RELATIVE_REFERENCE.findall(html))


def fingerprint(html: str, assets: str, pdf_options: dict[str, Any]) -> str:
    """Everything that decides a letter's bytes: engine, PDF options, assets and HTML."""
    digest = hashlib.sha256()
    for part in (engine_version(), json.dumps(pdf_options, sort_keys=True), assets, html):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def prepare_letters(year: Year, templates: Templates, out_dir: Path,
                    pdf_options: dict[str, Any]) -> list[Letter]:
    """Every letter's HTML and fingerprint; a letter whose template fails for its data fails."""
    assets = AssetDigests(templates.folder)
    letters = []
    for authority in year.authorities:
        letter = Letter(authority, out_dir / f"{authority.slug}.pdf",
                        identifier=document_identifier(year, authority))
        try:
            letter.html = templates.letter_html(year, authority)
            letter.fingerprint = fingerprint(letter.html, assets.of(letter.html), pdf_options)
        except Exception as error:  # whatever its data makes a template do, only it fails
            letter.status = "failed"
            letter.error = describe_template_error(error, templates.folder)
        letters.append(letter)
    return letters


@dataclass
class BuildOptions:
    out_dir: Path
    selected: set[str] | None = None  # slugs; None means every authority
    jobs: int = 1
    force: bool = False
    pdf_options: dict[str, Any] = field(default_factory=variants.pdf_options)


def build_year(year: Year, templates: Templates, options: BuildOptions,
               progress: Progress | None = None) -> BuildReport:
    started = time.monotonic()
    out_dir = options.out_dir
    letters = prepare_letters(year, templates, out_dir, options.pdf_options)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    state = BuildState(out_dir)
    pending = _sort_out(letters, state, options)
    report = BuildReport(out_dir, letters)
    if progress is not None:
        progress.total = len(pending)
    try:
        _render(pending, state, templates.folder, options, report, progress)
    finally:
        state.save()
        write_manifest(out_dir, [letter.manifest_row() for letter in letters])
    report.seconds = time.monotonic() - started
    return report


def _sort_out(letters: list[Letter], state: BuildState, options: BuildOptions) -> list[Letter]:
    """Mark each letter unchanged, not built or failed; return those that must be rendered."""
    pending = []
    for letter in letters:
        slug = letter.authority.slug
        if letter.status == "failed":
            continue
        if options.selected is not None and slug not in options.selected:
            record = state.current(slug, letter.fingerprint, letter.path)
            letter.status = "unchanged" if record else "not built"
            if record:
                letter.take(record, "unchanged")
        elif not options.force and (record := state.current(slug, letter.fingerprint,
                                                            letter.path)):
            letter.take(record, "unchanged")
        else:
            pending.append(letter)
    return pending


def _render(pending: list[Letter], state: BuildState, templates_dir: Path,
            options: BuildOptions, report: BuildReport, progress: Progress | None) -> None:
    by_slug = {letter.authority.slug: letter for letter in pending}
    jobs = [Job(letter.authority.slug, letter.html, letter.path, letter.identifier)
            for letter in pending]
    for outcome in run_jobs(jobs, templates_dir, options.jobs, options.pdf_options):
        letter = by_slug[outcome.key]
        if outcome.error:
            letter.status, letter.error = "failed", outcome.error
        else:
            record = Record(letter.fingerprint, outcome.sha256, outcome.pages, outcome.size)
            state.record(letter.authority.slug, record)
            letter.take(record, "built")
        if progress is not None:
            progress.advance()
