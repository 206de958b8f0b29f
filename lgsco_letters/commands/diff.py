"""`lgsco-letters diff`: what the working templates change in every letter."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from lgsco_letters.commands.options import (
    data_option,
    format_option,
    jobs_option,
    jobs_or_default,
)
from lgsco_letters.project import Project
from lgsco_letters.render.templating import Templates


@click.command()
@click.option("--against", "ref", required=True, metavar="REF",
              help="A git revision of this repository, or a folder holding other templates.")
@data_option
@click.option("--pages", is_flag=True, help="Also render PDFs and list page counts that moved.")
@jobs_option("for --pages")
@format_option("text", "json")
@click.pass_obj
def diff(project: Project, ref: str, pages: bool, jobs: int | None,
         output: str) -> None:
    """Show what the working templates change in every letter, compared with REF."""
    from lgsco_letters.editors.diff import compare_pages, diff_year, templates_at
    from lgsco_letters.editors.diff_output import as_json, as_text

    year = project.year
    with tempfile.TemporaryDirectory(prefix="lgsco-diff-") as scratch:
        before = Templates(templates_at(ref, project.templates_folder, Path(scratch)))
        after = project.templates
        report = diff_year(year, before, after, ref)
        if pages:
            compare_pages(before, after, report, jobs_or_default(jobs))
    click.echo(as_json(report) if output == "json" else as_text(report))
