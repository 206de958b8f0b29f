"""`lgsco-letters list`: the year's authorities, one line each."""

from __future__ import annotations

import click

from lgsco_letters.commands.options import data_option
from lgsco_letters.errors import display_path
from lgsco_letters.project import Project
from lgsco_letters.words import plural


@click.command("list")
@data_option
@click.pass_obj
def list_authorities(project: Project) -> None:
    """List the year's authorities: name, file name, type, whether the figures are specimen,
    and the successor of an abolished one."""
    year = project.year
    width = max(len(authority.name) for authority in year.authorities)
    for authority in year.authorities:
        mark = "specimen" if authority.specimen else "real"
        successor = f"  successor: {authority.successor}" if authority.successor else ""
        click.echo(f"{authority.name:<{width}}  {authority.slug}.pdf  "
                   f"{authority.authority_type}  {mark}{successor}")
    count = plural(len(year.authorities), "authority", "authorities")
    click.echo(f"{count} in {display_path(year.folder)}")
