"""`lgsco-letters preview`: one authority's letter, as PDF or self-contained HTML."""

from __future__ import annotations

from pathlib import Path

import click

from lgsco_letters.commands.options import (
    data_option,
    load_year_from,
    templates_of,
    variant_option,
    year_out_dir,
)
from lgsco_letters.config import Config
from lgsco_letters.data.names import select_authorities
from lgsco_letters.errors import display_path

PREVIEW_FOLDER = "preview"


@click.command()
@click.argument("name")
@data_option
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="FILE.pdf for the PDF, FILE.html for one self-contained HTML file. "
                   "Default: out/<year>/preview/<slug>.pdf.")
@variant_option
@click.pass_obj
def preview(config: Config, name: str, data_dir: Path | None, out_file: Path | None,
            variant: str) -> None:
    """Write one authority's letter, as PDF or as self-contained HTML."""
    from lgsco_letters.editors.preview import write_preview

    year = load_year_from(config, data_dir)
    (authority,) = select_authorities(year, [name])
    # A draft never replaces the built letter, which the manifest and the ledger vouch for.
    out_dir = year_out_dir(config, year, None)
    draft = out_dir / PREVIEW_FOLDER / f"{authority.slug}.pdf"
    path = write_preview(year, authority, templates_of(config), out_file or draft, variant,
                         None if out_file else out_dir)
    click.echo(display_path(path))
