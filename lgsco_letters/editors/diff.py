"""`lgsco-letters diff`: what a wording change does to every letter, before it goes out.

Every letter's text is rendered with the templates at REF (a git revision of this repository,
or a folder holding another copy of the templates) and with the working templates; the changed
sentences are grouped so that an edit shared by every letter is shown once, with its count.
"""

from __future__ import annotations

import collections
import difflib
import io
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from lgsco_letters.data.models import Year
from lgsco_letters.errors import LettersError, RenderError
from lgsco_letters.render.lettertext import generalise, sentences
from lgsco_letters.render.templating import Templates, render_letter_html

Change = tuple[str, str]  # (old wording, new wording); either may be empty


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True)


def templates_at(ref: str, templates_dir: Path, scratch: Path) -> Path:
    """The templates as they were at REF: a folder as it is, or a git revision exported."""
    folder = Path(ref)
    if folder.is_dir():
        return folder / "templates" if (folder / "templates").is_dir() else folder
    templates_dir = templates_dir.resolve()
    top = _git(["rev-parse", "--show-toplevel"], templates_dir)
    if top.returncode != 0:
        raise LettersError(f"--against {ref}: not a folder, and {templates_dir} is not in a "
                           "git repository")
    if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], templates_dir
            ).returncode != 0:
        raise LettersError(f"--against {ref}: neither a folder nor a git revision")
    relative = templates_dir.relative_to(Path(top.stdout.decode().strip()).resolve())
    archive = _git(["archive", "--format=tar", ref, "--", relative.as_posix()],
                   Path(top.stdout.decode().strip()))
    if archive.returncode != 0:
        raise LettersError(f"--against {ref}: {relative} is not in that revision")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(scratch, filter="data")
    return scratch / relative


@dataclass
class DiffReport:
    against: str
    letters: int = 0
    changed: list[str] = field(default_factory=list)
    changes: dict[Change, list[str]] = field(default_factory=dict)  # change -> authorities
    # letter -> (its changes that most letters do not have, most letters' changes it lacks)
    differing: dict[str, tuple[list[Change], list[Change]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # each side's distinct failures: one failure every letter shares means broken templates
    failed: dict[str, set[str]] = field(default_factory=lambda: collections.defaultdict(set))
    pages: dict[str, tuple[int, int]] = field(default_factory=dict)  # moved page counts
    # each side's HTML by authority, kept for --pages so that nothing is rendered twice
    html: tuple[dict[str, str], dict[str, str]] = field(default_factory=lambda: ({}, {}),
                                                        repr=False)


def letter_changes(old: list[str], new: list[str]) -> list[Change]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [(" ".join(old[i1:i2]), " ".join(new[j1:j2]))
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _text(templates: Templates, year: Year, authority, side: str, report: DiffReport,
          kept: dict[str, str]) -> list[str] | None:
    try:
        html = render_letter_html(templates, year, authority)
    except RenderError as error:  # reported in the diff, not raised
        report.errors.append(f"{authority.name} ({side}): {error}")
        report.failed[side].add(str(error))
        return None
    kept[authority.name] = html
    return [generalise(sentence, authority) for sentence in sentences(html)]


def diff_year(year: Year, before: Templates, after: Templates, against: str) -> DiffReport:
    report = DiffReport(against, len(year.authorities))
    per_letter: dict[str, frozenset[Change]] = {}
    for authority in year.authorities:
        old = _text(before, year, authority, f"at {against}", report, report.html[0])
        new = _text(after, year, authority, "working", report, report.html[1])
        if old is None or new is None:
            continue
        changes = letter_changes(old, new)
        if changes:
            report.changed.append(authority.name)
            per_letter[authority.name] = frozenset(changes)
            for change in changes:
                report.changes.setdefault(change, []).append(authority.name)
    _refuse_broken_sides(report)
    _find_differing(report, per_letter)
    return report


def _refuse_broken_sides(report: DiffReport) -> None:
    """Templates that fail for every letter compare with nothing: say so, rather than report
    that no letter changes."""
    for side, label in ((f"at {report.against}", f"The templates at {report.against}"),
                        ("working", "The working templates")):
        failing = sum(1 for error in report.errors if f" ({side}): " in error)
        if report.letters and failing == report.letters:
            raise LettersError(f"{label} fail for every letter, so there is nothing to "
                               f"compare: {'; '.join(sorted(report.failed[side]))}")


def _find_differing(report: DiffReport, per_letter: dict[str, frozenset[Change]]) -> None:
    """Letters whose set of changes is not the one most letters share."""
    if not per_letter:
        return
    usual, _ = collections.Counter(per_letter.values()).most_common(1)[0]
    for name, changes in per_letter.items():
        if changes != usual:
            report.differing[name] = (sorted(changes - usual), sorted(usual - changes))


def compare_pages(before: Templates, after: Templates, report: DiffReport, jobs: int) -> None:
    """Render both sides' HTML to PDF (in memory); note the letters whose page count moved."""
    from lgsco_letters.build.pool import run_jobs
    from lgsco_letters.build.workers import Job
    from lgsco_letters.render.variants import pdf_options

    counts: list[dict[str, int]] = []
    for templates, htmls in zip((before, after), report.html, strict=True):
        work = [Job(name, html, None) for name, html in htmls.items()]
        with run_jobs(work, templates.folder, jobs, pdf_options()) as outcomes:
            counts.append({o.key: o.pages for o in outcomes if not o.error})
    for name, pages in counts[0].items():
        if name in counts[1] and counts[1][name] != pages:
            report.pages[name] = (pages, counts[1][name])
