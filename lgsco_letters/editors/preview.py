"""One authority's letter, as a PDF or as a self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

from lgsco_letters.data.models import Authority, Year
from lgsco_letters.errors import LettersError, RenderError
from lgsco_letters.files import write_atomic
from lgsco_letters.processes import interrupts_deferred
from lgsco_letters.render.provenance import document_identifier
from lgsco_letters.render.templating import Templates, render_letter_html
from lgsco_letters.render.variants import DEFAULT_VARIANT, pdf_options


def write_preview(year: Year, authority: Authority, templates: Templates, target: Path,
                  variant: str = DEFAULT_VARIANT, within: Path | None = None) -> Path:
    """Write the letter to `target`, whose suffix (.pdf or .html) chooses the form; no folder
    from `within` down to it may be a link (see `files.write_atomic`)."""
    suffix = target.suffix.lower()
    if suffix not in (".pdf", ".html"):
        raise LettersError(f"--out {target}: expected a file name ending in .pdf or .html")
    mode = "inline" if suffix == ".html" else "pdf"
    try:
        html = render_letter_html(templates, year, authority, mode)
    except RenderError as error:  # a template fault is the user's to fix: say where it is
        raise LettersError(f"{authority.name}: {error}") from None
    if suffix == ".html":
        write_atomic(target, html, within)
        return target
    from lgsco_letters.render.pdf import LetterRenderer

    with interrupts_deferred():  # a stop waits for the letter, and the fonts go
        renderer = None
        try:
            renderer = LetterRenderer(templates.folder, **pdf_options(variant))
            pdf = renderer.render(html, document_identifier(year, authority))
        except RenderError as error:
            raise LettersError(f"{authority.name}: {error}") from None
        finally:
            if renderer is not None:
                renderer.close()
    write_atomic(target, pdf.data, within)
    return target
