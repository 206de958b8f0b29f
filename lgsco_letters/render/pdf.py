"""HTML to PDF with WeasyPrint, fetching nothing but files inside the templates folder.

Importing this module imports WeasyPrint (about a second), so the rest of the package imports
it only when a PDF is really to be made.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from lgsco_letters import scratch
from lgsco_letters.errors import RenderError
from lgsco_letters.render import variants
from lgsco_letters.render.assets import resolve_asset
from lgsco_letters.render.findings import Finding
from lgsco_letters.render.layout import read_layout
from lgsco_letters.render.tagging import fix_table_tags
from lgsco_letters.render.templating import STYLESHEETS

logger = logging.getLogger(__name__)


class TemplatesOnlyFetcher(URLFetcher):
    """Serves `file:` URLs inside the templates folder and refuses everything else.

    `fail_on_errors` turns a refused or missing asset into an error that stops the letter,
    rather than WeasyPrint's default of a warning and a letter without its logo.
    """

    def __init__(self, root: Path):
        super().__init__(fail_on_errors=True)
        self.root = Path(root).resolve()

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise ValueError(f"{url} is refused: letters may only use files under templates/")
        path = resolve_asset(self.root, unquote(parts.path))
        return super().fetch(path.as_uri())


@dataclass(frozen=True)
class Pdf:
    data: bytes
    pages: int
    layout: tuple[Finding, ...] = ()  # what the layout check saw (`layout.py`)


class LetterRenderer:
    """One per process: the fonts, stylesheets and fetcher are set up once and reused."""

    def __init__(self, templates_dir: Path, **pdf_options):
        """`pdf_options` are WeasyPrint's (see `variants.pdf_options`); by default, PDF/UA-1."""
        self.root = Path(templates_dir).resolve()
        self.base_url = self.root.as_uri() + "/"
        self.fetcher = TemplatesOnlyFetcher(self.root)
        self.font_config = FontConfiguration()
        # its fonts in a folder that a later run removes should this process be killed
        self.scratch = scratch.claim()
        self.font_config._folder = Path(tempfile.mkdtemp(prefix="weasyprint-",
                                                         dir=self.scratch.path))
        try:
            self.stylesheets = [self._stylesheet(name) for name in STYLESHEETS]
        except BaseException:
            self.close()
            raise
        self.pdf_options = pdf_options or variants.pdf_options()

    def close(self) -> None:
        """Remove the folder WeasyPrint keeps the letter's fonts in. It would go only when the
        font configuration is garbage-collected, which a process that is stopped never does,
        so every process that renders closes its renderer as it ends."""
        folder = getattr(self.font_config, "_folder", None)  # WeasyPrint 70's; pinned
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
            self.font_config._folder = None
        self.scratch.close()

    def _stylesheet(self, name: str) -> CSS:
        path = resolve_asset(self.root, name)
        try:
            return CSS(string=path.read_text(encoding="utf-8"), base_url=path.as_uri(),
                       url_fetcher=self.fetcher, font_config=self.font_config)
        except FatalURLFetchingError as error:
            raise RenderError(f"{name}: {error.__cause__ or error}") from None

    def render(self, html: str, identifier: bytes | None = None) -> Pdf:
        """The letter as PDF bytes, with what the layout check saw of its pages (read from
        WeasyPrint's boxes between laying out and writing); any failure becomes a
        `RenderError` saying why.

        `identifier` is the PDF's permanent /ID: the same through a letter's revisions.
        """
        options = {**self.pdf_options, "pdf_identifier": identifier}
        try:
            document = HTML(string=html, base_url=self.base_url,
                            url_fetcher=self.fetcher).render(
                stylesheets=self.stylesheets, font_config=self.font_config, **options)
            layout = read_layout(document)
            target = io.BytesIO()
            document.write_pdf(target, finisher=fix_table_tags, **options)
        except FatalURLFetchingError as error:
            raise RenderError(str(error.__cause__ or error)) from None
        except Exception as error:
            logger.debug("WeasyPrint failed", exc_info=True)
            raise RenderError(f"WeasyPrint could not lay out the letter: {error}") from error
        return Pdf(target.getvalue(), len(document.pages), layout)
