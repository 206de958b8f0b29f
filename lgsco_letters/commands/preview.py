"""`lgsco-letters preview`: one authority's letter, as PDF or self-contained HTML."""

from __future__ import annotations

from pathlib import Path

import click

from lgsco_letters.commands.options import (
    data_option,
    variant_option,
)
from lgsco_letters.data.names import select_authorities
from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.project import Project

PREVIEW_FOLDER = "preview"
# What marks a folder as a year's output, wherever `--out` put it.
YEAR_OUTPUT = ("manifest.json", "sent.sqlite", "sent.sqlite.started", ".lgsco.lock")


def _year_folder(folder: Path, out_root: Path) -> bool:
    return folder.parent == out_root or any((folder / name).exists() for name in YEAR_OUTPUT)


def check_target(target: Path, out_root: Path) -> None:
    """A draft never goes inside a year's output folder (`out/<year>/`, or any folder a build,
    send or approve has used) other than into its `preview/` folder: it would stand where a
    built letter is, which the manifest and the ledger vouch for. Links are followed first."""
    resolved, root = target.resolve(), out_root.resolve()
    for folder in resolved.parents:
        if not _year_folder(folder, root):
            continue
        inside = resolved.relative_to(folder).parts
        if len(inside) < 2 or inside[0] != PREVIEW_FOLDER:
            raise LettersError(
                f"--out {display_path(target)}: that is inside {display_path(folder)}, a year's "
                "output folder, where the built letters are that the manifest and the ledger "
                f"vouch for; a preview may go in {display_path(folder / PREVIEW_FOLDER)}/, or "
                "outside the years' output folders")


@click.command()
@click.argument("name")
@data_option
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="FILE.pdf for the PDF, FILE.html for one self-contained HTML file. "
                   "Default: out/<year>/preview/<slug>.pdf.")
@variant_option
@click.pass_obj
def preview(project: Project, name: str, out_file: Path | None,
            variant: str) -> None:
    """Write one authority's letter, as PDF or as self-contained HTML."""
    from lgsco_letters.editors.preview import write_preview

    year = project.year
    (authority,) = select_authorities(year, [name])
    # A draft never replaces the built letter, which the manifest and the ledger vouch for.
    out_dir = project.out_dir()
    draft = out_dir / PREVIEW_FOLDER / f"{authority.slug}.pdf"
    check_target(out_file or draft, project.config.out)
    path = write_preview(year, authority, project.templates, out_file or draft, variant,
                         None if out_file else out_dir)
    click.echo(display_path(path))
