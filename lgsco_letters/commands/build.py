"""`lgsco-letters build`: every letter of a year, rendering only what changed."""

from __future__ import annotations

from pathlib import Path

import click

from lgsco_letters.build.builder import BuildOptions, BuildReport, build_year
from lgsco_letters.build.manifest import BuildStatus
from lgsco_letters.build.progress import Progress
from lgsco_letters.commands.options import (
    data_option,
    jobs_option,
    jobs_or_default,
    variant_option,
)
from lgsco_letters.data.names import select_authorities
from lgsco_letters.errors import ExitCode, display_path
from lgsco_letters.project import Project
from lgsco_letters.render.findings import WARNINGS
from lgsco_letters.render.variants import pdf_options
from lgsco_letters.words import plural


@click.command()
@data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where the PDFs go. Default: out/<year>.")
@click.option("--only", "names", multiple=True, metavar="NAME",
              help="Build only this authority: its name, its slug, or enough of its whole "
                   "words to name it alone (bromsgrove); repeat for more.")
@jobs_option("")
@click.option("--force", is_flag=True, help="Rebuild every letter, changed or not.")
@variant_option
@click.option("--print-pack", is_flag=True,
              help="Also write print-pack.pdf: a contents page, then every letter from a "
                   "right-hand page, for duplex printing.")
@click.pass_obj
def build(project: Project, out_dir: Path | None, names: tuple[str, ...],
          jobs: int | None, force: bool, variant: str, print_pack: bool) -> ExitCode:
    """Build every letter of a year (or those named with --only)."""
    year = project.year
    selected = {a.slug for a in select_authorities(year, names)} if names else None
    options = BuildOptions(project.out_dir(out_dir), selected,
                           jobs_or_default(jobs), force, pdf_options(variant))
    templates = project.templates
    count = len(selected) if selected is not None else len(year.authorities)
    progress = Progress(0)
    report = build_year(year, templates, options, progress, on_ready=lambda: click.echo(
        f"Building {plural(count, 'letter')} of {year.label} into "
        f"{display_path(options.out_dir)} ({plural(options.jobs, 'worker')})"))
    progress.finish()
    if print_pack:
        from lgsco_letters.build.printpack import write_print_pack

        pack = write_print_pack(report, year, templates)
        click.echo(f"Print pack: {display_path(pack)}")
    _summarise(report)
    return ExitCode.UNFINISHED if report.failed else ExitCode.SUCCESS


def _summarise(report: BuildReport) -> None:
    click.echo(f"{report.count(BuildStatus.BUILT)} built, "
               f"{report.count(BuildStatus.UNCHANGED)} unchanged, "
               f"{report.count(BuildStatus.FAILED)} failed"
               + (f", {report.kept} left alone (not named by --only)" if report.kept else "")
               + f" in {report.seconds:.1f} s: "
               f"{display_path(report.out_dir / 'manifest.csv')}")
    if report.failed:
        click.echo(f"{plural(len(report.failed), 'letter')} failed:", err=True)
        for letter in report.failed:
            click.echo(f"  {letter.authority.name}: {letter.error}", err=True)
    _layout_warnings(report)


def _layout_warnings(report: BuildReport) -> None:
    """The layout check's warnings across the year, counted by kind, each with an example."""
    by_code: dict[str, list[str]] = {}
    for letter in report.letters:
        for code in letter.codes & set(WARNINGS):
            by_code.setdefault(code, []).append(letter.authority.name)
    if not by_code:
        return
    letters = plural(len({name for names in by_code.values() for name in names}), "letter")
    click.echo(f"Layout warnings in {letters} (the manifest's layout column; lgsco-letters "
               "check --pdf says more):")
    for code in (code for code in WARNINGS if code in by_code):
        names = by_code[code]
        example = f", e.g. {names[0]}" if len(names) > 1 else f": {names[0]}"
        click.echo(f"  {code} ({WARNINGS[code]}): {plural(len(names), 'letter')}{example}")
