"""The command line: one group that reports user errors once; each command in `commands/`."""

from __future__ import annotations

import logging
import os
import sys

import click

from lgsco_letters import __version__
from lgsco_letters.commands.approve import approve
from lgsco_letters.commands.bounces import bounces
from lgsco_letters.commands.build import build
from lgsco_letters.commands.check import check
from lgsco_letters.commands.diff import diff
from lgsco_letters.commands.inspect_letter import inspect_letter
from lgsco_letters.commands.list_authorities import list_authorities
from lgsco_letters.commands.new_year import new_year
from lgsco_letters.commands.preview import preview
from lgsco_letters.commands.publish import publish
from lgsco_letters.commands.send import send
from lgsco_letters.commands.serve import serve
from lgsco_letters.commands.status import status
from lgsco_letters.commands.summary import summary
from lgsco_letters.config import load_config
from lgsco_letters.errors import DataError, ExitCode, LettersError
from lgsco_letters.project import Project


class LettersGroup(click.Group):
    """Where every command's end becomes its exit code (`errors.ExitCode`), the one place: the
    code a command returns, or its error's, said once in words with no traceback; 3 for a bug
    in the engine (-v shows its traceback)."""

    def invoke(self, ctx: click.Context) -> None:
        try:
            outcome = super().invoke(ctx)
        except LettersError as error:
            every = isinstance(error, DataError) and ctx.params.get("verbose")
            click.echo(error.report(every=True) if every else str(error), err=True)
            ctx.exit(error.exit_code)
        except BrokenPipeError:
            # `lgsco-letters list | head`: the reader has all it wants, which is no error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(ExitCode.SUCCESS)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"{where}{error.strerror or error}", err=True)
            ctx.exit(ExitCode.BAD_INPUT)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            if ctx.params.get("verbose"):
                raise
            click.echo(f"Unexpected error: {type(error).__name__}: {error}. This is a bug in "
                       "lgsco-letters, not in your data: run again with -v to see where it "
                       "happened.", err=True)
            ctx.exit(ExitCode.BUG)
        ctx.exit(outcome if isinstance(outcome, ExitCode) else ExitCode.SUCCESS)


@click.group(cls=LettersGroup)
@click.version_option(__version__, prog_name="lgsco-letters")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, for diagnosis.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Write the Ombudsman's Annual Review letters, one PDF per authority."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = Project(load_config())  # what every command works on, each part loaded once


def _verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """`-v` after the command's name means what it means before it."""
    if value:
        ctx.find_root().params["verbose"] = True
        logging.getLogger().setLevel(logging.DEBUG)


for command in (build, preview, check, diff, serve, inspect_letter, list_authorities, approve,
                send, bounces, status, summary, publish, new_year):
    command.params.append(click.Option(
        ["-v", "--verbose"], is_flag=True, expose_value=False, callback=_verbose,
        help="Log what happens, and list every letter a summary counts (as lgsco-letters -v)."))
    cli.add_command(command)


def main() -> None:
    cli(prog_name="lgsco-letters")
