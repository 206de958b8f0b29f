"""`lgsco-letters inspect`: which inputs made a letter, and whether they have changed."""

from __future__ import annotations

from pathlib import Path

import click

from lgsco_letters.commands.options import data_option
from lgsco_letters.errors import ExitCode
from lgsco_letters.project import Project


@click.command("inspect")
@click.argument("pdf_file", metavar="FILE.pdf", type=click.Path(path_type=Path, dir_okay=False))
@data_option
@click.pass_obj
def inspect_letter(project: Project, pdf_file: Path) -> ExitCode:
    """Say which data and templates made a letter, and whether they have changed since.

    Exit 0 when the letter still matches the current data and templates, 1 when not."""
    from lgsco_letters.editors.inspection import compare, read_provenance, report

    made = read_provenance(pdf_file)
    year = project.year
    comparison = compare(made, year, project.templates)
    for line in report(comparison, year):
        click.echo(line)
    return ExitCode.SUCCESS if comparison.matches else ExitCode.UNFINISHED
