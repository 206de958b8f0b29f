"""`lgsco-letters serve`: the live preview in a browser."""

from __future__ import annotations

import click

from lgsco_letters.commands.options import data_option
from lgsco_letters.errors import LettersError
from lgsco_letters.processes import sigterm_as_interrupt
from lgsco_letters.project import Project


@click.command()
@data_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; keep 127.0.0.1 unless you mean to share it.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.pass_obj
def serve(project: Project, host: str, port: int) -> None:
    """Preview the letters in a browser; pages follow template and data edits as you save."""
    from lgsco_letters.editors.access import is_loopback, new_token, reachable_names
    from lgsco_letters.editors.server import PreviewServer
    from lgsco_letters.editors.snapshot import Site

    site = Site(project.year_folder, project.templates_folder, project.config.out)
    token = None if is_loopback(host) else new_token()
    try:
        server = PreviewServer((host, port), site, token=token)
    except OSError as error:
        raise LettersError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    server.watch()
    label = site.snapshot.year.label if site.snapshot.year else "(not loaded: see the page)"
    query = f"?token={token}" if token else ""
    first, *others = [f"http://{name}:{server.server_address[1]}/{query}"
                      for name in reachable_names(host)]
    click.echo(f"Serving {label} at {first} (Ctrl-C to stop)")
    for address in others:
        click.echo(f"  also at {address}")
    if token:
        click.echo(f"Warning: {host} can be reached from other machines. The letters, embargoed "
                   "until sent, are visible to whoever has this address with its token: share "
                   "it only with those who may read them.", err=True)
    try:
        with sigterm_as_interrupt():  # SIGTERM, like Ctrl-C, stops it cleanly
            server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
