"""The options `send` and `bounces` share for reaching a mail server: HOST:PORT, TLS, and who
signs in and how (a password from the environment, or an OAuth 2.0 token)."""

from __future__ import annotations

import click

from lgsco_letters.mail.signin import METHODS


def host_and_port(value: str, option: str, example: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"expected HOST:PORT, e.g. {example}, found {value!r}",
                                 param_hint=option)
    return host.strip("[]"), int(port)


def security(starttls: bool, ssl: bool) -> str:
    if starttls and ssl:
        raise click.UsageError("--starttls and --ssl cannot be used together")
    return "ssl" if ssl else "starttls" if starttls else "plain"


def signin_options(password: str, token: str):
    """--user, --auth and --token-command; `password` and `token` say where each comes from."""

    def decorate(function):
        function = click.option(
            "--token-command", metavar="CMD",
            help="With --auth xoauth2: run CMD (no shell) for the bearer token, its standard "
                 "output; run again once if the server refuses the token.")(function)
        function = click.option(
            "--auth", type=click.Choice(METHODS),
            help=f"How to sign in: plain or login (a password, {password}), or xoauth2 (an "
                 f"OAuth 2.0 bearer token, {token} or --token-command). Default: a password, "
                 "by whatever the server offers.")(function)
        return click.option("--user", help=f"Sign in as USER (with a password, {password}, "
                                            "unless --auth xoauth2).")(function)

    return decorate
