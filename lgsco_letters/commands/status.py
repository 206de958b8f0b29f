"""`lgsco-letters status`: how the year's mailing stands."""

from __future__ import annotations

import collections
from pathlib import Path

import click

from lgsco_letters.commands.grouping import grouped
from lgsco_letters.commands.options import data_option, load_year_from, year_out_dir
from lgsco_letters.config import Config
from lgsco_letters.mail.ledger import SendStatus, open_ledger
from lgsco_letters.words import plural

UNSENT_SUMMARIES = {
    "never tried": lambda n: f"  {plural(n, 'letter')} never tried (status --all lists them)",
    "specimen": lambda n: f"  {plural(n, 'specimen letter')} never tried: send holds them back "
                          "without --allow-specimen (status --all lists them)",
}


@click.command()
@data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The year's output folder. Default: out/<year>.")
@click.option("--all", "every", is_flag=True, help="List every letter not yet sent.")
@click.pass_obj
def status(config: Config, data_dir: Path | None, out_dir: Path | None, every: bool) -> None:
    """How the mailing stands: counts per status, and the authorities not yet sent."""
    year = load_year_from(config, data_dir)
    ledger = open_ledger(year_out_dir(config, year, out_dir), create=False)
    try:
        entries = ledger.entries()
    finally:
        ledger.close()
    counts = collections.Counter(entry.status for entry in entries.values())
    unsent = [a for a in year.authorities
              if a.slug not in entries or entries[a.slug].status != SendStatus.SENT]
    for name in (SendStatus.SENT, SendStatus.FAILED_TEMPORARY, SendStatus.FAILED_PERMANENT,
                 SendStatus.UNKNOWN, SendStatus.SENDING):
        click.echo(f"{name + ':':<18}{counts[name]}")
    click.echo(f"{'not yet sent:':<18}{len(unsent)} of {len(year.authorities)}")
    lines = []
    for authority in unsent:
        entry = entries.get(authority.slug)
        mark = " (specimen)" if authority.specimen else ""
        if entry is None:
            kind = "specimen" if authority.specimen else "never tried"
            lines.append((kind, f"  {authority.name}{mark}: never tried"))
        else:
            lines.append((entry.status, f"  {authority.name}{mark}: {entry.status}: "
                                        f"{entry.reply}"))
    for line in grouped(lines, UNSENT_SUMMARIES, every):
        click.echo(line)
