"""`lgsco-letters check`: is the year safe to build? Writes nothing."""

from __future__ import annotations

import click

from lgsco_letters.commands.grouping import verbose
from lgsco_letters.commands.options import (
    data_option,
    format_option,
    jobs_option,
    jobs_or_default,
)
from lgsco_letters.errors import ExitCode
from lgsco_letters.project import Project


@click.command()
@data_option
@click.option("--pdf", is_flag=True,
              help="Also render every PDF and check each letter's layout as pages: text or "
                   "rules over text, content off the page, split tables and figures, headings "
                   "last on a page (problems); half-empty pages, one-word last lines, unusual "
                   "page counts (warnings).")
@jobs_option("for --pdf")
@format_option("text", "json")
@click.pass_obj
def check(project: Project, pdf: bool, jobs: int | None,
          output: str) -> ExitCode:
    """Check a year's data and templates, and every letter, without writing anything.

    Exit 0 only when there is no problem (warnings allowed), 2 otherwise. A layout finding
    that many letters share is said once with the count; -v lists every letter."""
    from lgsco_letters.editors.check import check_project
    from lgsco_letters.editors.check_output import as_json, as_text

    report = check_project(project, pdf, jobs_or_default(jobs))
    click.echo(as_json(report) if output == "json" else as_text(report, verbose()))
    return ExitCode.SUCCESS if report.clean else ExitCode.BAD_INPUT
