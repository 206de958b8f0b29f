"""Reading a letter's provenance back from its PDF, and checking it against today's inputs."""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from lgsco_letters.data.year import Year
from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.render.provenance import KEYS, data_fingerprint, engine_version
from lgsco_letters.render.templating import Templates, render_letter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Provenance:
    engine: str
    year: str
    authority: str
    data: str
    templates: str


def read_provenance(path: Path) -> Provenance:
    """The provenance a letter's PDF carries; any other file, or a damaged one, is refused in
    words (exit 2): a file from elsewhere can hold anything, an /Info that refers to itself
    included, and whatever the PDF reader raises on it is the file's fault, not ours."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not path.is_file():  # a FIFO would wait for a writer forever; a device, read for ever
        raise LettersError(f"{display_path(path)}: {_not_a_file(path)}")
    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # its warnings are said below, in words
    try:
        info = PdfReader(path).metadata or {}
        values = {name: info.get(f"/{key}") for name, key in KEYS.items()}
        values = {name: str(value) if value else None for name, value in values.items()}
    except Exception as error:  # see above; -v shows the reader's traceback
        logger.debug("pypdf could not read %s", path, exc_info=True)
        why = str(error) if isinstance(error, PyPdfError) else "its objects do not fit together"
        raise LettersError(f"{display_path(path)}: not a PDF lgsco-letters can read: it is "
                           f"damaged, or not a letter this engine made ({why})") from None
    finally:
        quiet.setLevel(level)
    if not all(values.values()):
        raise LettersError(f"{display_path(path)}: no lgsco-letters provenance in its metadata "
                           "(it was not made by this engine, or was re-saved by another program)")
    return Provenance(**{name: str(value) for name, value in values.items()})


def _not_a_file(path: Path) -> str:
    """What is there instead of a PDF, in words (`is not a file but a FIFO (named pipe)`)."""
    if path.is_symlink() and not path.exists():
        return f"no such file (a symbolic link to {os.readlink(path)}, which does not exist)"
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "no such file"
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISDIR, "a folder"))
    kind = next((name for test, name in kinds if test(mode)), "something else")
    return f"is not a file but {kind}: give the letter's PDF"


@dataclass(frozen=True)
class Comparison:
    provenance: Provenance
    data_now: str | None  # None: the authority is no longer in the data
    templates_now: str | None  # None: nor, without its data, can its shape be known
    engine_now: str

    @property
    def data_matches(self) -> bool:
        return self.data_now == self.provenance.data

    @property
    def templates_match(self) -> bool:
        return self.templates_now == self.provenance.templates

    @property
    def matches(self) -> bool:
        return self.data_matches and self.templates_match


def compare(provenance: Provenance, year: Year, templates: Templates) -> Comparison:
    """The letter against today's inputs: its data, and its shape as the build judges it
    (`render/shape.py`), which needs its data, as which templates and files a letter uses
    can depend on it."""
    authority = next((a for a in year.authorities if a.name == provenance.authority), None)
    if authority is None or year.label != provenance.year:
        return Comparison(provenance, None, None, engine_version())
    shape = render_letter(templates, year, authority)[1]
    return Comparison(provenance, data_fingerprint(year, authority), shape.fingerprint,
                      engine_version())


def report(comparison: Comparison, year: Year) -> list[str]:
    made = comparison.provenance
    lines = [f"Authority: {made.authority}", f"Year:      {made.year}",
             f"Engine:    {made.engine}" + ("" if made.engine == comparison.engine_now
                                           else f" (now {comparison.engine_now})"),
             f"Data:      {made.data}", f"Templates: {made.templates}"]
    if comparison.data_now is None:
        lines.append(f"Data: {made.authority} ({made.year}) is not in {display_path(year.folder)}"
                     f" (year {year.label})")
    else:
        lines.append("Data: matches the current data" if comparison.data_matches else
                     f"Data: CHANGED since the letter was made (now {comparison.data_now})")
    if comparison.templates_now is None:
        lines.append("Templates: not compared: which templates and files a letter uses can "
                     "depend on its data")
    else:
        lines.append("Templates: match the current templates" if comparison.templates_match
                     else "Templates: CHANGED since the letter was made (now "
                          f"{comparison.templates_now})")
    return lines
