"""The command line: thin wrappers that turn options into calls and results into messages."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import click

from . import __version__
from .build import BuildReport, default_jobs, prepare_letters, render_letters
from .config import Config, load_config
from .errors import DataError, LettersError, display_path
from .models import Year
from .templating import Templates, describe_template_error
from .year import load_year, select_authorities


class LettersGroup(click.Group):
    """Reports every user error in words, once, with exit code 2 and no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LettersError as error:
            click.echo(str(error), err=True)
            ctx.exit(error.exit_code)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"{where}{error.strerror or error}", err=True)
            ctx.exit(2)


data_option = click.option(
    "--data", "data_dir", type=click.Path(path_type=Path),
    help="The year's folder (year.yaml and the authorities). Default: from lgsco-letters.yml.")


@click.group(cls=LettersGroup)
@click.version_option(__version__, prog_name="lgsco-letters")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, for diagnosis.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Write the Ombudsman's Annual Review letters, one PDF per authority."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = load_config()


def _year(config: Config, data_dir: Path | None) -> Year:
    return load_year(data_dir or config.data)


@cli.command()
@data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where the PDFs go. Default: out/<year>.")
@click.option("--only", "names", multiple=True, metavar="NAME",
              help="Build only this authority (exact name or slug); repeat for more.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes. Default: the number of CPU cores.")
@click.pass_obj
def build(config: Config, data_dir: Path | None, out_dir: Path | None,
          names: tuple[str, ...], jobs: int | None) -> None:
    """Build every letter of a year (or those named with --only)."""
    started = time.monotonic()
    year = _year(config, data_dir)
    authorities = select_authorities(year, names)
    templates = Templates(config.templates)
    out_dir = out_dir or config.out / year.label
    letters = prepare_letters(year, templates, authorities, out_dir)
    jobs = jobs or default_jobs()
    click.echo(f"Building {len(letters)} letter{'s' if len(letters) != 1 else ''} of "
               f"{year.label} into {display_path(out_dir)} ({jobs} worker"
               f"{'s' if jobs != 1 else ''})")
    report = BuildReport(letters)
    for done, _ in enumerate(render_letters(letters, config.templates, jobs), start=1):
        if done % 25 == 0:
            click.echo(f"  {done} rendered")
    _summarise(report, out_dir, time.monotonic() - started)
    if report.failed:
        sys.exit(1)


def _summarise(report: BuildReport, out_dir: Path, seconds: float) -> None:
    click.echo(f"Built {report.count('built')} letter{'s' if report.count('built') != 1 else ''}"
               f" in {seconds:.1f} s: {display_path(out_dir)}")
    if report.failed:
        click.echo(f"{len(report.failed)} failed:", err=True)
        for letter in report.failed:
            click.echo(f"  {letter.authority.name}: {letter.error}", err=True)


@cli.command()
@click.argument("name")
@data_option
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="FILE.pdf for the PDF, FILE.html for one self-contained HTML file.")
@click.pass_obj
def preview(config: Config, name: str, data_dir: Path | None, out_file: Path | None) -> None:
    """Write one authority's letter, as PDF or as self-contained HTML."""
    from .preview import write_preview

    year = _year(config, data_dir)
    (authority,) = select_authorities(year, [name])
    path = write_preview(year, authority, Templates(config.templates),
                         out_file or config.out / year.label / f"{authority.slug}.pdf")
    click.echo(display_path(path))


@cli.command()
@data_option
@click.pass_obj
def check(config: Config, data_dir: Path | None) -> None:
    """Validate a year's data and templates without writing anything."""
    year = _year(config, data_dir)
    templates = Templates(config.templates)
    problems = templates.compile_all()
    if not problems:
        problems = _render_problems(year, templates)
    if problems:
        raise DataError(problems)
    click.echo(f"No problems: {len(year.authorities)} authorities in "
               f"{display_path(year.folder)}, templates in {display_path(templates.folder)}")


def _render_problems(year: Year, templates: Templates) -> list:
    from .errors import Problem

    problems = []
    for authority in year.authorities:
        try:
            templates.letter_html(year, authority)
        except Exception as error:  # every failure is reported, whatever its kind
            problems.append(Problem(authority.source, describe_template_error(
                error, templates.folder), authority.line, authority.name))
    return problems


@cli.command("list")
@data_option
@click.pass_obj
def list_authorities(config: Config, data_dir: Path | None) -> None:
    """List the year's authorities: name, file name, type, and whether the figures are specimen."""
    year = _year(config, data_dir)
    width = max(len(authority.name) for authority in year.authorities)
    for authority in year.authorities:
        mark = "specimen" if authority.specimen else "real"
        click.echo(f"{authority.name:<{width}}  {authority.slug}.pdf  "
                   f"{authority.authority_type}  {mark}")
    click.echo(f"{len(year.authorities)} authorities in {display_path(year.folder)}")


def main() -> None:
    cli(prog_name="lgsco-letters")
