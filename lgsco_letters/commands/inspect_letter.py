"""`lgsco-letters inspect`: which inputs made a letter, and whether they have changed."""

from __future__ import annotations

from pathlib import Path

import click

from lgsco_letters.commands.options import data_option, load_year_from, templates_of
from lgsco_letters.config import Config
from lgsco_letters.errors import ExitCode


@click.command("inspect")
@click.argument("pdf_file", metavar="FILE.pdf", type=click.Path(path_type=Path, dir_okay=False))
@data_option
@click.pass_obj
def inspect_letter(config: Config, pdf_file: Path, data_dir: Path | None) -> ExitCode:
    """Say which data and templates made a letter, and whether they have changed since.

    Exit 0 when the letter still matches the current data and templates, 1 when not."""
    from lgsco_letters.editors.inspection import compare, read_provenance, report

    made = read_provenance(pdf_file)
    year = load_year_from(config, data_dir)
    comparison = compare(made, year, templates_of(config))
    for line in report(comparison, year):
        click.echo(line)
    return ExitCode.SUCCESS if comparison.matches else ExitCode.UNFINISHED
