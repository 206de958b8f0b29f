"""`lgsco-letters new-year`: start the next year's folder from the last one."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("new-year")
@click.argument("label")
@click.option("--from", "from_dir", required=True, metavar="YEAR_DIR",
              type=click.Path(path_type=Path, file_okay=False),
              help="The year to start from: its format, signatory, delivery, groups and councils.")
@click.option("--register", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              metavar="FILE", help="The new year's councils: a CSV with official_name, "
                                   "authority_type and replaces (mySociety's register).")
@click.option("--to", "to_dir", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Where to write the year. Default: LABEL beside YEAR_DIR.")
@click.option("--workbook", is_flag=True,
              help="Write authorities.xlsx, to fill in in a spreadsheet, not authorities.csv.")
def new_year(label: str, from_dir: Path, register: Path | None, to_dir: Path | None,
             workbook: bool) -> None:
    """Start the next year's folder (LABEL, such as 2019-20) from the year in YEAR_DIR.

    year.yaml is carried on, the councils carried or taken from the register, and every
    figure left empty.

    Exit 2, writing nothing, when the folder exists or anything is wrong."""
    from lgsco_letters.data.new_year import start_year
    from lgsco_letters.formats import INSTALLED

    for line in start_year(label, from_dir, register, to_dir, workbook, INSTALLED):
        click.echo(line)
