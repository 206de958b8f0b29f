"""The print pack: a contents page, then each letter from a right-hand page (for duplex)."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from lgsco_letters.build.builder import BuildReport
from lgsco_letters.build.manifest import SENDABLE
from lgsco_letters.data.models import Year
from lgsco_letters.errors import LettersError, RenderError
from lgsco_letters.files import write_atomic
from lgsco_letters.render.templating import Templates

PRINT_PACK = "print-pack.pdf"
CONTENTS_TEMPLATE = "print-pack.html"


def first_pages(contents_pages: int, letter_pages: list[int]) -> list[int]:
    """The page each letter starts on: always odd (right-hand), after blank pages as needed."""
    page = contents_pages + contents_pages % 2 + 1
    starts = []
    for pages in letter_pages:
        starts.append(page)
        page += pages + pages % 2
    return starts


def write_print_pack(report: BuildReport, year: Year, templates: Templates) -> Path:
    letters = [letter for letter in report.letters if letter.status in SENDABLE]
    if not letters:
        raise LettersError("No letters to put in the print pack.")
    readers = [PdfReader(letter.path) for letter in letters]
    contents = _contents(year, templates, letters, [len(r.pages) for r in readers])
    writer = PdfWriter()
    for reader in [contents, *readers]:
        for page in reader.pages:
            writer.add_page(page)
        if len(reader.pages) % 2:
            box = reader.pages[0].mediabox
            writer.add_blank_page(width=box.width, height=box.height)
    buffer = io.BytesIO()
    writer.write(buffer)
    target = report.out_dir / PRINT_PACK
    write_atomic(target, buffer.getvalue())
    return target


def _contents(year: Year, templates: Templates, letters, letter_pages: list[int]) -> PdfReader:
    """The contents pages; laid out again if their own length moves the page numbers."""
    from lgsco_letters.render.pdf import LetterRenderer

    renderer = LetterRenderer(templates.folder)
    template = templates.env.get_template(CONTENTS_TEMPLATE)
    contents_pages, pdf = 1, None
    for _ in range(3):
        starts = first_pages(contents_pages, letter_pages)
        entries = [{"name": letter.authority.name, "specimen": letter.authority.specimen,
                    "page": start} for letter, start in zip(letters, starts, strict=True)]
        try:
            pdf = renderer.render(template.render(year=year, entries=entries, render_mode="pdf"))
        except RenderError as error:
            raise LettersError(f"The print pack's contents page failed: {error}") from None
        if pdf.pages == contents_pages:
            break
        contents_pages = pdf.pages
    return PdfReader(io.BytesIO(pdf.data))
