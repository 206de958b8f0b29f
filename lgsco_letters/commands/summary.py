"""`lgsco-letters summary`: England's and each comparison group's figures for a year."""

from __future__ import annotations

import click

from lgsco_letters.commands.options import data_option, format_option
from lgsco_letters.project import Project


@click.command()
@data_option
@format_option("text", "csv", "json")
@click.pass_obj
def summary(project: Project, output: str) -> None:
    """England's totals and measures, and each comparison group's, computed from the year's
    data: check them against the published annual review before a mass run."""
    from lgsco_letters.editors.summary import as_csv, as_json, as_text, summarise

    figures = summarise(project.year)
    click.echo({"json": as_json, "csv": as_csv, "text": as_text}[output](figures))
