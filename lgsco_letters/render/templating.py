"""The sandboxed Jinja environment and the one context that every rendering of a letter shares."""

from __future__ import annotations

import traceback
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import (
    FileSystemLoader,
    TemplateError,
    TemplateSyntaxError,
    pass_context,
    select_autoescape,
)
from markupsafe import Markup

from lgsco_letters.data.fields import copied_to
from lgsco_letters.data.models import Authority, Year
from lgsco_letters.errors import Problem, RenderError
from lgsco_letters.render.assets import AssetError, data_uri, inline_css, resolve_asset
from lgsco_letters.render.mistakes import LetterUndefined, MissingName, explain, explain_unknown
from lgsco_letters.render.provenance import provenance
from lgsco_letters.render.shape import LetterEnvironment, Shape, Shapes, note_asset, recording

# The letter's stylesheets, in cascade order. The PDF renderer parses them once per process.
STYLESHEETS = ("brand/brand.css", "letter.css")
# How a letter's HTML refers to its assets (the context's render_mode):
#   "pdf"    - relative URLs for WeasyPrint; stylesheets are supplied by the renderer;
#   "linked" - URLs under asset_prefix and <link> tags, for the preview server;
#   "inline" - everything inlined as data: URIs: one self-contained file that renders anywhere.


def long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def short_date(value: date) -> str:
    return f"{value:%d/%m/%Y}"


class Templates:
    """The templates folder, compiled once, and the letter's HTML for any authority."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()
        self.env = LetterEnvironment(
            loader=FileSystemLoader(self.folder),
            undefined=LetterUndefined,  # StrictUndefined, whose errors say what was missing
            autoescape=select_autoescape(default=True, default_for_string=True,
                                         disabled_extensions=("txt",)),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(long_date=long_date, short_date=short_date)
        self.env.globals.update(asset=self._asset, stylesheets=self._stylesheets)
        self.shapes = Shapes(self.env, self.folder, STYLESHEETS)  # one snapshot's files
        self._guess: dict[str, str] = {}  # by letter template: the shape its last letter had

    def closure(self, name: str) -> list[str]:
        """The template and every template it names by a constant, each once."""
        return self.shapes.closure([name])

    def context(self, year: Year, authority: Authority, mode: str = "pdf",
                asset_prefix: str = "", shape: str = "") -> dict[str, Any]:
        """Everything a letter template may use; preview, check and print all share it.

        `asset_prefix` goes before asset paths in "linked" mode (the preview server's /assets/).
        """
        return {
            "asset_prefix": asset_prefix,
            "year": year,
            "authority": authority,
            "recipient": authority.recipient,
            "figures": year.format.figures(year, authority),
            "signatory": year.signatory,
            "prose": year.prose,
            "copied_to": copied_to(year, authority),
            "render_mode": mode,
            "provenance": provenance(year, authority, shape),
        }

    def letter_html(self, year: Year, authority: Authority, mode: str = "pdf",
                    asset_prefix: str = "") -> str:
        return self.letter(year, authority, mode, asset_prefix)[0]

    def letter(self, year: Year, authority: Authority, mode: str = "pdf",
               asset_prefix: str = "") -> tuple[str, Shape]:
        """The letter's HTML and its shape (`shape.py`), which its provenance states.

        The shape is known once the letter is rendered (for a PDF), yet its provenance, near the
        top, states it: so the letter is rendered with the shape its template's last letter
        had, and again only if its own differs."""
        guess = self._guess.get(year.template, "")
        html, shape = self._shaped(year, authority, guess)
        if shape.fingerprint != guess:
            html, again = self._shaped(year, authority, shape.fingerprint)
            if again != shape:  # a template that reads its own provenance to choose its files
                raise RuntimeError(f"the files {year.template} uses depend on its provenance")
        self._guess[year.template] = shape.fingerprint
        if mode != "pdf":
            html = self._render(year, authority, mode, asset_prefix, shape.fingerprint)
        return html, shape

    def _shaped(self, year: Year, authority: Authority, guess: str) -> tuple[str, Shape]:
        with recording() as use:
            html = self._render(year, authority, "pdf", "", guess)
        return html, self.shapes.of(use, html)

    def _render(self, year: Year, authority: Authority, mode: str, asset_prefix: str,
                shape: str) -> str:
        template = self.env.get_template(year.template)
        return template.render(self.context(year, authority, mode, asset_prefix, shape))

    @pass_context
    def _asset(self, context: Any, relative: str) -> str:
        note_asset(relative)
        if context.get("render_mode") == "inline":
            return data_uri(self.folder, relative)
        resolve_asset(self.folder, relative)
        return context.get("asset_prefix", "") + relative

    @pass_context
    def _stylesheets(self, context: Any) -> Markup:
        mode = context.get("render_mode")
        if mode == "inline":
            styles = (inline_css(self.folder, name) for name in STYLESHEETS)
            return Markup("".join(f"<style>\n{css}\n</style>\n" for css in styles))
        if mode == "linked":
            return Markup("").join(
                Markup('<link rel="stylesheet" href="{}">\n').format(self._asset(context, name))
                for name in STYLESHEETS)
        return Markup("")

    def compile_all(self) -> list[Problem]:
        """A problem for every template that does not compile."""
        problems = []
        for name in self.env.list_templates(extensions=("html", "txt", "j2")):
            try:
                self.env.get_template(name)
            except TemplateSyntaxError as error:
                problems.append(Problem(self.folder / name, explain_unknown(
                    error.message or str(error), self.env), error.lineno))
        return problems


# What a template editor's mistake raises: Jinja's own errors (undefined names, syntax, the
# sandbox), a missing asset, and arithmetic on the data (a division by a zero count).
TEMPLATE_FAULTS = (TemplateError, AssetError, ArithmeticError)


def render_letter_html(templates: Templates, year: Year, authority: Authority,
                       mode: str = "pdf", asset_prefix: str = "") -> str:
    """The letter's HTML. A template's fault becomes this letter's `RenderError`, saying which
    template and line; any other exception is a bug in the engine and goes on up."""
    return render_letter(templates, year, authority, mode, asset_prefix)[0]


def render_letter(templates: Templates, year: Year, authority: Authority, mode: str = "pdf",
                  asset_prefix: str = "") -> tuple[str, Shape]:
    """The letter's HTML and its shape, or its `RenderError` (see `render_letter_html`)."""
    try:
        return templates.letter(year, authority, mode, asset_prefix)
    except Exception as error:
        context = None
        if isinstance(error, MissingName):
            context = {**templates.env.globals,
                       **templates.context(year, authority, mode, asset_prefix)}
        parts = template_error_parts(error, templates.folder, context, templates.env)
        if not isinstance(error, TEMPLATE_FAULTS) and parts[0] is None:
            raise
        raise RenderError(describe_parts(parts, templates.folder), *parts) from error


def fault_of(error: RenderError, authority: Authority) -> Problem:
    """Where a letter's failure is to be mended: the template and line when a template is at
    fault, as `check` says it, else the authority's data."""
    if error.template is not None:
        return Problem(error.template, error.detail, error.line)
    return Problem(authority.source, str(error), authority.line, authority.name)


SHARED = 3  # a fault in more letters than this is said once, with the count


def fault_problems(failures: dict[tuple, list[Authority]], total: int,
                   folder: Path) -> list[Problem]:
    """Template faults as problems: `failures` maps each fault's (template, line, what) to the
    letters it spoils. A fault in many letters (or in every one) is said once, at its place in
    the template, with the count; one in a few, under each letter's data."""
    problems = []
    for (path, line, message), authorities in failures.items():
        everyone = len(authorities) == total > 1
        if path is None or (len(authorities) <= SHARED and not everyone):
            described = describe_parts((path, line, message), folder)
            problems += [Problem(a.source, described, a.line, a.name) for a in authorities]
            continue
        names = ", ".join(a.name for a in authorities[:SHARED])
        more = f" and {len(authorities) - SHARED} more" if len(authorities) > SHARED else ""
        problems.append(Problem(path, f"{message} (in {len(authorities)} of {total} letters: "
                                      f"{names}{more})", line))
    return problems


def template_error_parts(error: Exception, folder: Path, context: dict[str, Any] | None = None,
                         environment: Any = None) -> tuple[Path | None, int | None, str]:
    """Which template (a path), which line, and what, for a failure while rendering; with the
    template's `context`, a missing name is said as the template names it, and with its
    `environment`, an unknown filter or test with the closest there is."""
    if isinstance(error, TemplateSyntaxError):
        name = error.filename or error.name
        return ((Path(name) if name else None), error.lineno,
                explain_unknown(error.message or str(error), environment))
    message = error.message if isinstance(error, TemplateError) and error.message else str(error)
    message = explain_unknown(message, environment)
    if isinstance(error, MissingName) and context is not None:
        message = explain(error, context)
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.startswith(str(folder))]
    if not frames:
        return None, None, message
    return Path(frames[-1].filename), frames[-1].lineno, message


def describe_template_error(error: Exception, folder: Path,
                            context: dict[str, Any] | None = None) -> str:
    """A plain account of a failure while rendering: which template, which line, what."""
    return describe_parts(template_error_parts(error, folder, context), folder)


def describe_parts(parts: tuple[Path | None, int | None, str], folder: Path) -> str:
    path, line, message = parts
    if path is None:
        return message
    shown = path.relative_to(folder.parent) if path.is_relative_to(folder.parent) else path
    return f"{shown}, line {line}: {message}"
