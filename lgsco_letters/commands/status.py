"""`lgsco-letters status`: how the year's mailing stands."""

from __future__ import annotations

from pathlib import Path

import click

from lgsco_letters.commands.options import data_option, load_year_from
from lgsco_letters.config import Config
from lgsco_letters.mail.ledger import LEDGER_FILE, Ledger


@click.command()
@data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The year's output folder. Default: out/<year>.")
@click.pass_obj
def status(config: Config, data_dir: Path | None, out_dir: Path | None) -> None:
    """How the mailing stands: counts per status, and the authorities not yet sent."""
    year = load_year_from(config, data_dir)
    out_dir = out_dir or config.out / year.label
    path = out_dir / LEDGER_FILE
    entries = {}
    if path.is_file():
        ledger = Ledger(path)
        entries = ledger.entries()
        ledger.close()
    by_slug = {a.slug: a for a in year.authorities}
    counts: dict[str, int] = {}
    for entry in entries.values():
        counts[entry.status] = counts.get(entry.status, 0) + 1
    unsent = [a for slug, a in by_slug.items()
              if slug not in entries or entries[slug].status != "sent"]
    for name in ("sent", "failed-temporary", "failed-permanent", "sending"):
        click.echo(f"{name + ':':<18}{counts.get(name, 0)}")
    click.echo(f"{'not yet sent:':<18}{len(unsent)} of {len(by_slug)}")
    for authority in unsent:
        entry = entries.get(authority.slug)
        note = f"{entry.status}: {entry.reply}" if entry else "never tried"
        mark = " (specimen)" if authority.specimen else ""
        click.echo(f"  {authority.name}{mark}: {note}")
