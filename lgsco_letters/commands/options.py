"""Options that several commands share, spelt once so that every command reads the same."""

from __future__ import annotations

from pathlib import Path

import click

from lgsco_letters.build.workers import default_jobs
from lgsco_letters.project import Project
from lgsco_letters.render.variants import DEFAULT_VARIANT, VARIANTS

variant_option = click.option(
    "--pdf-variant", "variant", type=click.Choice(list(VARIANTS)), default=DEFAULT_VARIANT,
    show_default=True, help="The PDF variant: " + "; ".join(
        f"{name}: {what}" for name, what in VARIANTS.items()) + ".")


def _use_data(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.find_object(Project).data_dir = value


# --data chooses the project's year folder, before the command asks the project for its year
data_option = click.option(
    "--data", "data_dir", type=click.Path(path_type=Path), expose_value=False,
    callback=_use_data,
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
