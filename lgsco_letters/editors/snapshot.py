"""The preview server's view of the year: reloaded on every change, errors kept, not raised."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from lgsco_letters.data.models import Authority, Year
from lgsco_letters.data.year import previous_folder
from lgsco_letters.errors import DataError, LettersError, RenderError
from lgsco_letters.findings import group_problems
from lgsco_letters.mail.ledger import open_ledger
from lgsco_letters.mail.standing import in_words, standing_for
from lgsco_letters.project import Project
from lgsco_letters.render.templating import Templates, fault_of, render_letter_html

logger = logging.getLogger(__name__)
ASSET_PREFIX = "/assets/"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Snapshot:
    """The year and templates as of one change, or what stops them loading."""

    version: int
    year: Year | None = None
    templates: Templates | None = None
    problems: list[str] = field(default_factory=list)

    def authority(self, slug: str) -> Authority | None:
        if self.year is None:
            return None
        return next((a for a in self.year.authorities if a.slug == slug), None)


def _problem_lines(error: LettersError) -> list[str]:
    """As `check` says them: many alike counted, with examples."""
    if isinstance(error, DataError):
        return [str(problem) for problem in group_problems(error.problems, hint="")]
    return [str(error)]


class Site:
    """Holds the current snapshot; `reload` makes a new one and wakes whoever waits."""

    def __init__(self, data_dir: Path, templates_dir: Path, out_root: Path | None = None):
        """`out_root` holds the built years (`out/`): each letter's page says where the
        letter stands on its way out (draft, approved, sent...)."""
        self.data_dir, self.templates_dir, self.out_root = data_dir, templates_dir, out_root
        self.changed = threading.Condition()
        self.snapshot = Snapshot(0)
        self._pdf_lock = threading.Lock()
        self._renderer = None
        self._renderer_for: Templates | None = None
        self._pdfs: dict[tuple[int, str], bytes] = {}
        self._slugs: set[str] | None = None  # the letters of the last year that loaded
        self.reload()

    def watched(self) -> list[Path]:
        """What a change to reloads on: the templates, the year's folder, and the folder of
        the year before it names (its letters quote that year's rates)."""
        before = previous_folder(self.data_dir)
        return [self.templates_dir, self.data_dir, *([before] if before else [])]

    def reload(self) -> Snapshot:
        version = self.snapshot.version + 1
        try:
            project = Project.at(self.data_dir, self.templates_dir)  # afresh, as saved now
            problems = [str(p) for p in project.templates.compile_all()]
            snapshot = Snapshot(version, project.year, project.templates, problems)
        except LettersError as error:
            snapshot = Snapshot(version, problems=_problem_lines(error))
        except Exception as error:  # the watcher must live on to follow the next good save
            logger.debug("reload failed", exc_info=True)
            snapshot = Snapshot(version, problems=[f"Could not reload: {type(error).__name__}: "
                                                   f"{error} (the server log with -v has more)"])
        with self.changed:
            self.snapshot = snapshot
            if snapshot.year is not None:
                self._slugs = {authority.slug for authority in snapshot.year.authorities}
            self._pdfs.clear()
            self.changed.notify_all()
        return snapshot

    def may_be_letter(self, slug: str) -> bool:
        """While the year does not load: whether `slug` was a letter when it last did (any
        slug, if it never has)."""
        if self._slugs is None:
            return bool(SLUG.fullmatch(slug))
        return slug in self._slugs

    def wait(self, version: int, timeout: float) -> int:
        """Block until the snapshot is newer than `version` (or the timeout); return its version."""
        with self.changed:
            self.changed.wait_for(lambda: self.snapshot.version > version, timeout)
            return self.snapshot.version

    def letter_html(self, snapshot: Snapshot, authority: Authority) -> tuple[str, list[str]]:
        """The letter's HTML for a browser, or the problems that stop it."""
        if snapshot.problems:
            return "", snapshot.problems
        try:
            html = render_letter_html(snapshot.templates, snapshot.year, authority, "linked",
                                      ASSET_PREFIX)
        except RenderError as error:  # shown on the page, never raised
            return "", [str(fault_of(error, authority))]
        return html, []

    def standing(self, snapshot: Snapshot, authority: Authority) -> str:
        """Where the built letter stands, in words: its state and why."""
        if self.out_root is None or snapshot.year is None:
            return ""
        out_dir = self.out_root / snapshot.year.label
        try:
            ledger = open_ledger(out_dir)  # read-only, as status reads it
        except LettersError as error:
            return f"unknown: {error}"
        try:
            standing = standing_for(snapshot.year, out_dir, ledger, authority,
                                    snapshot.templates)
        finally:
            ledger.close()
        return in_words(standing)

    def letter_pdf(self, snapshot: Snapshot, authority: Authority) -> tuple[bytes, list[str]]:
        """The real WeasyPrint PDF, rendered on request and kept until the next change."""
        key = (snapshot.version, authority.slug)
        if key in self._pdfs:
            return self._pdfs[key], []
        if snapshot.problems:
            return b"", snapshot.problems
        try:
            html = render_letter_html(snapshot.templates, snapshot.year, authority)
        except RenderError as error:  # shown on the page
            return b"", [str(fault_of(error, authority))]
        with self._pdf_lock:  # one WeasyPrint at a time; it is not made for threads
            try:
                pdf = self._renderer_of(snapshot.templates).render(html).data
            except RenderError as error:
                return b"", [f"{authority.name}: {error}"]
        self._pdfs[key] = pdf
        return pdf, []

    def _renderer_of(self, templates: Templates):
        from lgsco_letters.render.pdf import (
            LetterRenderer,  # WeasyPrint is loaded only when a PDF is asked for
        )

        # the renderer holds the stylesheets: a new snapshot of the templates, a new renderer
        if self._renderer is None or self._renderer_for is not templates:
            self._close_renderer()
            self._renderer = LetterRenderer(templates.folder)
            self._renderer_for = templates
        return self._renderer

    def _close_renderer(self) -> None:
        if self._renderer is not None:
            self._renderer.close()  # its temporary fonts go with it
            self._renderer = self._renderer_for = None

    def close(self) -> None:
        """At the server's end: nothing left in the temporary folder."""
        with self._pdf_lock:
            self._close_renderer()
