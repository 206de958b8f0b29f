"""A year's build: every letter's HTML made and checked first, then PDFs rendered by warm workers.

The parent process never imports WeasyPrint: workers do, once each, after they start.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import RenderError
from .files import write_atomic
from .models import Authority, Year
from .templating import Templates, describe_template_error

logger = logging.getLogger(__name__)


@dataclass
class Letter:
    """One authority's letter on its way to a PDF, and what became of it."""

    authority: Authority
    path: Path
    html: str = ""
    status: str = "pending"  # built or failed
    pages: int | None = None
    size: int | None = None
    sha256: str | None = None
    error: str = ""


@dataclass
class BuildReport:
    letters: list[Letter] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for letter in self.letters if letter.status == status)

    @property
    def failed(self) -> list[Letter]:
        return [letter for letter in self.letters if letter.status == "failed"]


def prepare_letters(year: Year, templates: Templates, authorities: list[Authority],
                    out_dir: Path) -> list[Letter]:
    """Every letter's HTML; a letter whose template fails for its data is marked failed."""
    letters = []
    for authority in authorities:
        letter = Letter(authority, out_dir / f"{authority.slug}.pdf")
        try:
            letter.html = templates.letter_html(year, authority)
        except Exception as error:  # whatever its data makes a template do, only it fails
            letter.status, letter.error = "failed", describe_template_error(
                error, templates.folder)
        letters.append(letter)
    return letters


# ---- workers ------------------------------------------------------------------------------

_renderer: Any = None
_startup_error: RenderError | None = None


def _start_worker(templates_dir: Path, pdf_options: dict[str, Any]) -> None:
    """Warm a worker once: WeasyPrint, fonts and stylesheets, kept for every letter it renders."""
    global _renderer, _startup_error
    from .render import LetterRenderer  # imported here: WeasyPrint loads once per worker

    try:
        _renderer = LetterRenderer(templates_dir, **pdf_options)
    except RenderError as error:  # reported with each letter rather than breaking the pool
        _startup_error = error


def _render_letter(html: str, path: Path) -> tuple[int, int, str]:
    """Render one letter and write it atomically; return its pages, size and sha256."""
    if _startup_error is not None:
        raise _startup_error
    pdf = _renderer.render(html)
    write_atomic(path, pdf.data)
    return pdf.pages, len(pdf.data), hashlib.sha256(pdf.data).hexdigest()


def _record(letter: Letter, outcome: Callable[[], tuple[int, int, str]]) -> None:
    try:
        letter.pages, letter.size, letter.sha256 = outcome()
        letter.status = "built"
    except Exception as error:  # one letter's failure must not stop the others
        logger.debug("letter %s failed", letter.authority.name, exc_info=True)
        letter.status, letter.error = "failed", str(error) or type(error).__name__


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def render_letters(letters: list[Letter], templates_dir: Path, jobs: int,
                   pdf_options: dict[str, Any] | None = None) -> Iterator[Letter]:
    """Render the pending letters, yielding each as it finishes (for progress reports)."""
    pending = [letter for letter in letters if letter.status == "pending"]
    options = pdf_options or {}
    if not pending:
        return
    if jobs <= 1 or len(pending) == 1:
        _start_worker(templates_dir, options)
        for letter in pending:
            _record(letter, lambda letter=letter: _render_letter(letter.html, letter.path))
            yield letter
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(jobs, len(pending)), mp_context=context,
                             initializer=_start_worker,
                             initargs=(templates_dir, options)) as pool:
        futures: dict[Future, Letter] = {
            pool.submit(_render_letter, letter.html, letter.path): letter for letter in pending}
        for future in as_completed(futures):
            letter = futures[future]
            _record(letter, future.result)
            yield letter
