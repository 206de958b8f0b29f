"""`lgsco-letters publish`: the year's letters and figures as an accessible static site."""

from __future__ import annotations

import time
from pathlib import Path

import click

from lgsco_letters.build.builder import BuildOptions, build_year
from lgsco_letters.build.manifest import SENDABLE
from lgsco_letters.build.progress import Progress
from lgsco_letters.commands.options import (
    data_option,
    jobs_option,
    jobs_or_default,
)
from lgsco_letters.errors import ExitCode, display_path
from lgsco_letters.locking import holding
from lgsco_letters.project import Project
from lgsco_letters.words import plural


@click.command()
@data_option
@click.option("--out", "site_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where the site goes. Default: out/<year>/site.")
@jobs_option("for the build")
@click.pass_obj
def publish(project: Project, site_dir: Path | None,
            jobs: int | None) -> ExitCode:
    """Bring the year's build up to date, then write the year as a static site: an index of
    every authority, a page per letter with its PDF, the figures and the data files."""
    from lgsco_letters.publish.static_site import Built, publish_site

    started = time.monotonic()
    year = project.year
    out_dir = project.out_dir()
    templates = project.templates
    progress = Progress(0)
    report = build_year(year, templates, BuildOptions(out_dir, jobs=jobs_or_default(jobs)),
                        progress)
    progress.finish()
    if report.failed:
        click.echo(f"{plural(len(report.failed), 'letter')} failed to build, so the site is "
                   "left as it was:", err=True)
        for letter in report.failed:
            click.echo(f"  {letter.authority.name}: {letter.error}", err=True)
        return ExitCode.UNFINISHED
    built = {letter.authority.slug: Built(letter.path, letter.sha256)
             for letter in report.letters if letter.status in SENDABLE}
    site_dir = site_dir or out_dir / "site"
    with holding(out_dir, "publish"):  # no build may change a PDF while it is copied
        site = publish_site(year, templates, built, site_dir)
    click.echo(f"Published {year.label} to {display_path(site_dir)}: "
               f"{plural(len(site.written), 'file')} written, {site.unchanged} unchanged"
               + (f", {len(site.removed)} removed" if site.removed else "")
               + f", in {time.monotonic() - started:.1f} s. Open "
               f"{display_path(site_dir / 'index.html')}.")
    return ExitCode.SUCCESS
