"""Options that several commands share, spelt once so that every command reads the same."""

from __future__ import annotations

from pathlib import Path

import click

from lgsco_letters.build.workers import default_jobs
from lgsco_letters.config import Config
from lgsco_letters.data.models import Year
from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.project import load_year
from lgsco_letters.render.templating import Templates
from lgsco_letters.render.variants import DEFAULT_VARIANT, VARIANTS

variant_option = click.option(
    "--pdf-variant", "variant", type=click.Choice(list(VARIANTS)), default=DEFAULT_VARIANT,
    show_default=True, help="The PDF variant: " + "; ".join(
        f"{name}: {what}" for name, what in VARIANTS.items()) + ".")

data_option = click.option(
    "--data", "data_dir", type=click.Path(path_type=Path),
    help="The year's folder (year.yaml and the authorities). Default: from lgsco-letters.yml.")


def jobs_option(what: str) -> click.decorators.FC:
    return click.option("--jobs", type=click.IntRange(min=1), default=None,
                        help=f"Worker processes{' ' + what if what else ''}. Default: the "
                             "number of CPU cores.")


def format_option(*formats: str) -> click.decorators.FC:
    return click.option("--format", "output", type=click.Choice(list(formats)),
                        default=formats[0], show_default=True)


def jobs_or_default(jobs: int | None) -> int:
    return jobs or default_jobs()


def year_folder(config: Config, data_dir: Path | None) -> Path:
    return data_dir or config.require(config.data, "the year's folder", "--data")


def load_year_from(config: Config, data_dir: Path | None) -> Year:
    # The letter template year.yaml names is checked wherever the templates folder is known;
    # a command that needs no templates (`list`) runs without one outside a project.
    known = config.file is not None or config.templates.is_dir()
    return load_year(year_folder(config, data_dir), config.templates if known else None)


def templates_of(config: Config) -> Templates:
    return Templates(config.require(config.templates, "the templates folder"))


def year_out_dir(config: Config, year: Year, out_dir: Path | None) -> Path:
    """The year's output folder: the one given, or `<out>/<year label>`, always inside it
    (the label is checked as a reporting year; this holds even if that check were lost)."""
    if out_dir is not None:
        return out_dir
    folder = config.out / year.label
    if not folder.resolve().is_relative_to(config.out.resolve()) or folder == config.out:
        raise LettersError(f"year: {year.label!r} would put the letters outside "
                           f"{display_path(config.out)}")
    return folder
