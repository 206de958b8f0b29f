"""The year as a static site: an index of every authority, a page per letter with its PDF, a
summary page and the data files; written as MkDocs writes a site, with nothing to run.

Every page is rendered before anything is written, and a file is written only when its bytes
change, so a second `publish` with nothing changed rewrites nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from lgsco_letters.data.models import Authority, Year
from lgsco_letters.digests import file_sha256
from lgsco_letters.editors.summary import summarise
from lgsco_letters.errors import LettersError
from lgsco_letters.files import copy_atomic, open_folder, remove_within, write_atomic
from lgsco_letters.publish.records import as_csv, as_json, record
from lgsco_letters.render.assets import resolve_asset
from lgsco_letters.render.templating import (
    TEMPLATE_FAULTS,
    Templates,
    describe_template_error,
    render_letter_html,
)

SITE_TEMPLATES = "site"
STATIC = ("site.css", "site.js")
LISTING = ".lgsco-site.json"  # what the last publish wrote, so that what is gone can go
BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
HEADING = re.compile(r"<(/?)h([1-5])\b")
ASSET = re.compile(r'"\.\./assets/([^"#?]+)"')
TABLE = re.compile(r"<table\b.*?</table>", re.S)
CAPTION = re.compile(r"<caption>")
CHART = re.compile(r'<figure class="measures-chart">.*?</figure>', re.S)


@dataclass
class SiteReport:
    folder: Path
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Built:
    """A letter's PDF as the build left it: where, and its SHA-256 from the manifest."""

    path: Path
    sha256: str


def publish_site(year: Year, templates: Templates, built: dict[str, Built],
                 site_dir: Path) -> SiteReport:
    files = render_site(year, templates, built)  # everything first, then the writing
    for folder in sorted({(site_dir / relative).parent for relative in files}):
        with open_folder(folder, site_dir):  # a link for a folder is refused before writing
            pass
    report = SiteReport(site_dir)
    for relative, content in files.items():
        _put(site_dir, relative, content, report)
    _remove_stale(site_dir, set(files), report)
    listing = json.dumps(sorted(files), indent=0) + "\n"
    if not _plain_file(site_dir / LISTING) or (site_dir / LISTING).read_text() != listing:
        write_atomic(site_dir / LISTING, listing, site_dir)
    return report


def render_site(year: Year, templates: Templates, built: dict[str, Built]
                ) -> dict[str, str | Built | Path]:
    """Every file of the site by its path in it: text, a built PDF, or an asset to copy."""
    rows = [record(year, authority) for authority in year.authorities]
    context = {"year": year, "columns": year.format.site_columns, "rows": rows,
               "specimens": sum(1 for a in year.authorities if a.specimen)}
    files: dict[str, str | Built | Path] = {
        "index.html": _page(templates, "index.html", root="", **context),
        "summary.html": _page(templates, "summary.html", root="", year=year,
                              summary=summarise(year)),
        "data/authorities.csv": as_csv(rows), "data/authorities.json": as_json(rows)}
    for name in STATIC:
        files[f"assets/{name}"] = resolve_asset(templates.folder, f"{SITE_TEMPLATES}/{name}")
    for authority in year.authorities:
        letter = _letter_body(templates, year, authority)
        files[f"{authority.slug}/index.html"] = _page(
            templates, "authority.html", root="../", year=year, authority=authority,
            letter=letter, pdf=f"{authority.slug}.pdf", pdf_size=_size(built[authority.slug]))
        files[f"{authority.slug}/{authority.slug}.pdf"] = built[authority.slug]
        for asset in ASSET.findall(letter):
            files[f"assets/{asset}"] = resolve_asset(templates.folder, asset)
    return files


def _page(templates: Templates, name: str, **context) -> str:
    """A page of the site; a fault in its template is the editor's to mend, so it is said
    with the template's file and line, and nothing is written."""
    try:
        return templates.env.get_template(f"{SITE_TEMPLATES}/{name}").render(context)
    except TEMPLATE_FAULTS as error:
        described = describe_template_error(error, templates.folder,
                                            {**templates.env.globals, **context})
        raise LettersError(f"The site cannot be written: {described}") from None


def _letter_body(templates: Templates, year: Year, authority: Authority) -> Markup:
    """The letter's body as the PDF's templates write it, its headings a level down, under
    the page's own heading. Our own autoescaped HTML, so it goes in as markup."""
    html = render_letter_html(templates, year, authority, "linked", "../assets/")
    body = BODY.search(html)
    if body is None:
        raise LettersError(f"{year.template}: the letter has no <body> to publish")
    letter = HEADING.sub(lambda m: f"<{m[1]}h{int(m[2]) + 1}", body.group(1))
    return Markup(_scrolling(letter))


def _scrolling(letter: str) -> str:
    """Each table and the chart in a box of its own that scrolls sideways on a narrow screen,
    never the page: a region named by the table's caption (or as the chart), which a keyboard
    reaches (tabindex) and scrolls with the arrow keys, as the index's table is."""
    count = iter(range(1, 1000))

    def table(match: re.Match) -> str:
        number = next(count)
        html, named = CAPTION.subn(f'<caption id="letter-table-{number}">', match[0], 1)
        label = (f'aria-labelledby="letter-table-{number}"' if named
                 else 'aria-label="A table of the letter"')
        return f'<div class="table-box" role="region" {label} tabindex="0">{html}</div>'

    letter = TABLE.sub(table, letter)
    return CHART.sub(lambda m: '<div class="chart-box" role="region" aria-label="The measures '
                               f'as a bar chart" tabindex="0">{m[0]}</div>', letter)


def _size(letter: Built) -> str:
    return f"PDF, {max(1, round(letter.path.stat().st_size / 1024))} KB"


def _put(site_dir: Path, relative: str, content: str | Built | Path, report: SiteReport) -> None:
    """Write `content` at `relative` unless it is there already, byte for byte, as a plain
    file (never through a link: see `files`)."""
    path = site_dir / relative
    if not _plain_file(path):
        same = False
    elif isinstance(content, Built):
        same = file_sha256(path) == content.sha256
    elif isinstance(content, Path):
        same = path.read_bytes() == content.read_bytes()
    else:
        same = path.read_bytes() == content.encode("utf-8")
    if same:
        report.unchanged += 1
        return
    if isinstance(content, str):
        write_atomic(path, content, site_dir)
    else:
        copy_atomic(content.path if isinstance(content, Built) else content, path, site_dir)
    report.written.append(relative)


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _remove_stale(site_dir: Path, keep: set[str], report: SiteReport) -> None:
    """Files the last publish wrote that this one does not (an authority no longer in the
    year); nothing else in the folder is touched, and nothing reached through a link."""
    listing = site_dir / LISTING
    try:
        before = json.loads(listing.read_text(encoding="utf-8")) if _plain_file(listing) else []
    except ValueError:
        before = []
    for relative in sorted(set(before) - keep) if isinstance(before, list) else []:
        if isinstance(relative, str) and remove_within(site_dir, relative):
            report.removed.append(relative)
