"""Mailing helpers: a real SMTP server on 127.0.0.1 (aiosmtpd) that records what it is given
and fails on request, and the CLI's send as the tests run it."""

from __future__ import annotations

import email
import email.policy
import socket
import sqlite3
import sys
import threading

from aiosmtpd.controller import Controller
from click.testing import CliRunner

from helpers import ADUR_ROW
from lgsco_letters.cli import cli

SENDER = "annual.review@lgo.example.org"
NAMES = ["Alpha Borough Council", "Beta District Council", "Gamma County Council",
         "Delta City Council"]


def row(name: str) -> str:
    slug = name.split()[0].lower()
    return ADUR_ROW.replace("Adur District Council", name).replace(
        "chief.executive@adur.example.org", f"ce@{slug}.example.org").replace(",true,", ",false,")


def address(name: str) -> str:
    return f"ce@{name.split()[0].lower()}.example.org"


class Recorder:
    """An aiosmtpd handler that keeps every message and fails on request."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.rcpt_replies: dict[str, list[str]] = {}
        self.stop_after: int | None = None
        self.on_stop = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        replies = self.rcpt_replies.get(address)
        if replies:
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.stop_after is not None and len(self.messages) == self.stop_after:
            threading.Thread(target=self.on_stop).start()
        return "250 2.0.0 Message accepted for delivery"

    def to(self, recipient: str) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(content, policy=email.policy.default)
                for _, recipients, content in self.messages if recipient in recipients]


class HoldsTheReply(Recorder):
    """Keeps each message, then holds its reply back until `released` is set: a run can be
    caught (and killed) between the end of the data and the server's reply."""

    def __init__(self):
        super().__init__()
        self.arrived, self.released = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        reply = await super().handle_DATA(server, session, envelope)
        self.arrived.set()
        while not self.released.is_set():
            await asyncio.sleep(0.05)
        return reply


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, port: int, recorder: Recorder, **options):
        self.port, self.recorder, self.options = port, recorder, options
        self.controller = None

    def start(self):
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port,
                                     **self.options)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def approve_all(year) -> None:
    command = ["approve", "--all", "--as", "Pat Signer", "--data", year / "2017-18", "--out",
               year / "out"]
    result = CliRunner().invoke(cli, [str(part) for part in command], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def send(run, year, smtp, *extra):
    return run("send", "--data", year / "2017-18", "--out", year / "out",
               "--smtp", f"127.0.0.1:{smtp.port}", "--from", SENDER, "--yes",
               "--backoff", "0", "--timeout", "5", *extra)


def ledger_rows(year) -> dict[str, tuple]:
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        return {r[0]: r[1:] for r in db.execute(
            "SELECT authority, status, attempts, reply, message_id FROM sends")}


def send_command(year, port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "lgsco_letters", "send", "--data", str(year / "2017-18"),
            "--out", str(year / "out"), "--smtp", f"127.0.0.1:{port}", "--from", SENDER,
            "--backoff", "0", *extra]


