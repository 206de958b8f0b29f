"""The command line: thin wrappers that turn options into calls and results into messages."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from . import __version__
from .build import BuildOptions, BuildReport, build_year
from .config import Config, load_config
from .errors import LettersError, display_path
from .models import Year
from .progress import Progress
from .templating import Templates
from .variants import DEFAULT_VARIANT, VARIANTS, pdf_options
from .workers import default_jobs
from .year import load_year, select_authorities


class LettersGroup(click.Group):
    """Reports every user error in words, once, with exit code 2 and no traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except LettersError as error:
            click.echo(str(error), err=True)
            ctx.exit(error.exit_code)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"{where}{error.strerror or error}", err=True)
            ctx.exit(2)


variant_option = click.option(
    "--pdf-variant", "variant", type=click.Choice(list(VARIANTS)), default=DEFAULT_VARIANT,
    show_default=True, help="The PDF variant: " + "; ".join(
        f"{name}: {what}" for name, what in VARIANTS.items()) + ".")

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


def load_year_from(config: Config, data_dir: Path | None) -> Year:
    return load_year(data_dir or config.data)


@cli.command()
@data_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where the PDFs go. Default: out/<year>.")
@click.option("--only", "names", multiple=True, metavar="NAME",
              help="Build only this authority (exact name or slug); repeat for more.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes. Default: the number of CPU cores.")
@click.option("--force", is_flag=True, help="Rebuild every letter, changed or not.")
@variant_option
@click.option("--print-pack", is_flag=True,
              help="Also write print-pack.pdf: a contents page, then every letter from a "
                   "right-hand page, for duplex printing.")
@click.pass_obj
def build(config: Config, data_dir: Path | None, out_dir: Path | None, names: tuple[str, ...],
          jobs: int | None, force: bool, variant: str, print_pack: bool) -> None:
    """Build every letter of a year (or those named with --only)."""
    year = load_year_from(config, data_dir)
    selected = {a.slug for a in select_authorities(year, names)} if names else None
    options = BuildOptions(out_dir or config.out / year.label, selected,
                           jobs or default_jobs(), force, pdf_options(variant))
    templates = Templates(config.templates)
    count = len(selected) if selected is not None else len(year.authorities)
    click.echo(f"Building {plural(count, 'letter')} of {year.label} into "
               f"{display_path(options.out_dir)} ({plural(options.jobs, 'worker')})")
    progress = Progress(0)
    report = build_year(year, templates, options, progress)
    progress.finish()
    if print_pack:
        from .printpack import write_print_pack

        pack = write_print_pack(report, year, templates)
        click.echo(f"Print pack: {display_path(pack)}")
    _summarise(report)
    if report.failed:
        sys.exit(1)


def plural(count: int, word: str, words: str = "") -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


def _summarise(report: BuildReport) -> None:
    click.echo(f"{report.count('built')} built, {report.count('unchanged')} unchanged, "
               f"{report.count('failed')} failed in {report.seconds:.1f} s: "
               f"{display_path(report.out_dir / 'manifest.csv')}")
    if report.failed:
        click.echo(f"{plural(len(report.failed), 'letter')} failed:", err=True)
        for letter in report.failed:
            click.echo(f"  {letter.authority.name}: {letter.error}", err=True)


@cli.command()
@click.argument("name")
@data_option
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="FILE.pdf for the PDF, FILE.html for one self-contained HTML file.")
@variant_option
@click.pass_obj
def preview(config: Config, name: str, data_dir: Path | None, out_file: Path | None,
            variant: str) -> None:
    """Write one authority's letter, as PDF or as self-contained HTML."""
    from .preview import write_preview

    year = load_year_from(config, data_dir)
    (authority,) = select_authorities(year, [name])
    path = write_preview(year, authority, Templates(config.templates),
                         out_file or config.out / year.label / f"{authority.slug}.pdf", variant)
    click.echo(display_path(path))


@cli.command()
@data_option
@click.option("--pdf", is_flag=True,
              help="Also render every PDF and flag letters whose page count is unusual.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for --pdf. Default: the number of CPU cores.")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_obj
def check(config: Config, data_dir: Path | None, pdf: bool, jobs: int | None,
          output: str) -> None:
    """Check a year's data and templates, and every letter, without writing anything.

    Exit 0 only when there is no problem (warnings allowed), 2 otherwise."""
    from .check import check_year
    from .check_output import as_json, as_text

    report = check_year(data_dir or config.data, config.templates, pdf, jobs or default_jobs())
    click.echo(as_json(report) if output == "json" else as_text(report))
    if not report.clean:
        sys.exit(2)


@cli.command()
@click.option("--against", "ref", required=True, metavar="REF",
              help="A git revision of this repository, or a folder holding other templates.")
@data_option
@click.option("--pages", is_flag=True, help="Also render PDFs and list page counts that moved.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for --pages. Default: the number of CPU cores.")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_obj
def diff(config: Config, ref: str, data_dir: Path | None, pages: bool, jobs: int | None,
         output: str) -> None:
    """Show what the working templates change in every letter, compared with REF."""
    import tempfile

    from .diff import compare_pages, diff_year, templates_at
    from .diff_output import as_json, as_text

    year = load_year_from(config, data_dir)
    with tempfile.TemporaryDirectory(prefix="lgsco-diff-") as scratch:
        before = Templates(templates_at(ref, config.templates, Path(scratch)))
        after = Templates(config.templates)
        report = diff_year(year, before, after, ref)
        if pages:
            compare_pages(before, after, report, jobs or default_jobs())
    click.echo(as_json(report) if output == "json" else as_text(report))


@cli.command()
@data_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; keep 127.0.0.1 unless you mean to share it.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.pass_obj
def serve(config: Config, data_dir: Path | None, host: str, port: int) -> None:
    """Preview the letters in a browser; pages follow template and data edits as you save."""
    from .serve import PreviewServer
    from .site import Site

    site = Site(data_dir or config.data, config.templates)
    try:
        server = PreviewServer((host, port), site)
    except OSError as error:
        raise LettersError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    server.watch()
    label = site.snapshot.year.label if site.snapshot.year else "(not loaded: see the page)"
    click.echo(f"Serving {label} at http://{host}:{server.server_address[1]}/ "
               "(Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@cli.command("inspect")
@click.argument("pdf_file", metavar="FILE.pdf", type=click.Path(path_type=Path, dir_okay=False))
@data_option
@click.pass_obj
def inspect_letter(config: Config, pdf_file: Path, data_dir: Path | None) -> None:
    """Say which data and templates made a letter, and whether they have changed since.

    Exit 0 when the letter still matches the current data and templates, 1 when not."""
    from .inspect import compare, read_provenance, report

    made = read_provenance(pdf_file)
    year = load_year_from(config, data_dir)
    comparison = compare(made, year, Templates(config.templates))
    for line in report(comparison, year):
        click.echo(line)
    if not comparison.matches:
        sys.exit(1)


@cli.command("list")
@data_option
@click.pass_obj
def list_authorities(config: Config, data_dir: Path | None) -> None:
    """List the year's authorities: name, file name, type, and whether the figures are specimen."""
    year = load_year_from(config, data_dir)
    width = max(len(authority.name) for authority in year.authorities)
    for authority in year.authorities:
        mark = "specimen" if authority.specimen else "real"
        click.echo(f"{authority.name:<{width}}  {authority.slug}.pdf  "
                   f"{authority.authority_type}  {mark}")
    count = plural(len(year.authorities), "authority", "authorities")
    click.echo(f"{count} in {display_path(year.folder)}")


def main() -> None:
    cli(prog_name="lgsco-letters")


# The mailing commands live in their own module; importing it registers them on `cli`.
from . import cli_send  # noqa: E402, F401
