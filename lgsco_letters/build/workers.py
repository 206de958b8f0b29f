"""What a worker process does: render letters, warm.

Each worker imports WeasyPrint after it starts, parses the stylesheets and loads the fonts once
(one shared `FontConfiguration`) and then renders letter after letter. The parent process never
imports WeasyPrint, so a build with nothing to render stays fast. (`pool` runs the workers.)
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lgsco_letters.errors import RenderError
from lgsco_letters.files import write_atomic
from lgsco_letters.render.findings import Finding

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    key: str
    html: str
    path: Path | None  # None: render only, to learn whether it renders and its page count
    identifier: bytes | None = None


@dataclass(frozen=True)
class RenderOutcome:
    key: str
    pages: int = 0
    size: int = 0
    sha256: str = ""
    error: str = ""
    layout: tuple[Finding, ...] = ()  # what the layout check saw while rendering


_renderer: Any = None
_startup_error: RenderError | None = None


def start_worker(templates_dir: Path, pdf_options: dict[str, Any]) -> None:
    """Warm this process once: WeasyPrint, fonts and stylesheets, kept for every letter."""
    global _renderer, _startup_error
    from lgsco_letters.render.pdf import (
        LetterRenderer,  # here, not at the top: WeasyPrint loads once per worker
    )

    try:
        _renderer = LetterRenderer(templates_dir, **pdf_options)
    except RenderError as error:  # reported with each letter rather than breaking the pool
        _startup_error = error


def stop_worker() -> None:
    """Let the renderer go, and the temporary folder WeasyPrint keeps its fonts in (which it
    would remove only when garbage-collected, never in a process that is stopped)."""
    global _renderer, _startup_error
    if _renderer is not None:
        _renderer.close()
    _renderer = _startup_error = None


def render_job(job: Job) -> RenderOutcome:
    """Render one letter and write it atomically. The letter's failure is an outcome; only a
    failure to write (`OSError`) is raised."""
    try:
        if _startup_error is not None:
            raise _startup_error
        pdf = _renderer.render(job.html, job.identifier)
    except Exception as error:  # one letter's failure must not stop the others
        logger.debug("letter %s failed", job.key, exc_info=True)
        return RenderOutcome(job.key, error=str(error) or type(error).__name__)
    if job.path is not None:
        write_atomic(job.path, pdf.data)  # a full disk stops the build, not just this letter
    digest = hashlib.sha256(pdf.data).hexdigest()
    return RenderOutcome(job.key, pdf.pages, len(pdf.data), digest, layout=pdf.layout)


def default_jobs() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
