"""Signing in when things go wrong: a token that runs out in the middle of a session, a token
command that cannot be run, hangs, or says too much, and servers that echo the token, send a
challenge that is not base64, or answer without a code. Against real servers on 127.0.0.1:
aiosmtpd over STARTTLS, and, for what no real server does, a few lines of socket server."""

from __future__ import annotations

import base64
import os
import shlex
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from helpers import ROOT
from helpers.mail import free_port, send, send_command
from helpers.oauth import (
    OAuthRecorder,
    OAuthServer,
    make_certificate,
    runs,
    token,
    token_command,
)
from lgsco_letters.mail import token_command as running
from lgsco_letters.mail.signin import SignInError, TokenSource, xoauth2

USER = "annual.review@lgo.example.org"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(autouse=True)
def no_secrets(monkeypatch):
    for name in running.SECRET_VARIABLES:
        monkeypatch.delenv(name, raising=False)


class RunsOut(OAuthRecorder):
    """Signs in with XOAUTH2 a token in `accepted`; at the MAIL command numbered `withdraw_at`
    (over the whole server) the tokens accepted become `after_expiry`, and a session signed in
    with a token no longer accepted is refused at `stage` (MAIL, RCPT, or the reply to the
    message's data) with `refusal`, the session kept open: as a token that expires mid-session
    is refused. With `revoke_on_use`, a token signing in after that is withdrawn at once."""

    def __init__(self, accepted: set[str], stage: str, refusal: str):
        super().__init__(accepted)
        self.stage, self.refusal_mid = stage, refusal
        self.withdraw_at: int | None = None
        self.withdrawn = False
        self.revoke_on_use = False

    async def auth_XOAUTH2(self, server, args):
        result = await super().auth_XOAUTH2(server, args)
        server.session.token = self.offered[-1]
        if self.withdrawn and self.revoke_on_use and result.success:
            self.accepted.discard(self.offered[-1])
        return result

    def _refused(self, session, stage: str) -> str | None:
        if stage == self.stage and getattr(session, "token", None) not in self.accepted:
            return self.refusal_mid
        return None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mails += 1
        if self.mails == self.withdraw_at:
            self.accepted, self.withdrawn = set(self.after_expiry), True
        if refused := self._refused(session, "MAIL"):
            return refused
        envelope.mail_from, envelope.mail_options = address, list(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return self._refused(session, "RCPT") or await super().handle_RCPT(
            server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        return self._refused(session, "DATA") or await super().handle_DATA(
            server, session, envelope)


def runs_out(certificate, stage: str, refusal: str) -> OAuthServer:
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate[1], certificate[0])
    server = OAuthServer(free_port(), RunsOut({token(1)}, stage, refusal), tls_context=context,
                         require_starttls=True)
    server.start()
    return server


def send_xoauth2(run, year, server, certificate, *extra):
    return send(run, year, server, "--starttls", "--cafile", certificate[1], "--user", USER,
                "--auth", "xoauth2", *extra)


def ledger(year: Path) -> dict[str, str]:
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        return dict(db.execute("SELECT authority, status FROM sends"))


STAGES = [("MAIL", "535 5.7.3 Authentication unsuccessful"),
          ("RCPT", "454 4.7.0 Temporary authentication failure"),
          ("DATA", "535 5.7.3 Authentication unsuccessful")]


@pytest.mark.parametrize(("stage", "refusal"), STAGES)
def test_a_token_that_runs_out_mid_session_is_fetched_afresh_and_the_letter_goes(
        run, year, certificate, tmp_path, stage, refusal):
    server = runs_out(certificate, stage, refusal)
    server.recorder.withdraw_at, server.recorder.after_expiry = 3, {token(2)}
    try:
        result = send_xoauth2(run, year, server, certificate, "--token-command",
                              token_command(tmp_path))
    finally:
        server.stop()
    assert result.exit_code == 1, result.output  # the specimen
    assert "5 sent," in result.output
    recipients = sorted(r for _, rs, _ in server.recorder.messages for r in rs)
    assert len(recipients) == len(set(recipients)) == 5  # every council once, none twice
    assert runs(tmp_path) == 2 and server.recorder.offered == [token(1), token(2)]
    assert set(ledger(year).values()) == {"sent"}
    assert "0 refused for good" in result.output


@pytest.mark.parametrize(("stage", "refusal"), STAGES)
def test_a_fresh_token_refused_mid_session_too_stops_the_run_with_the_letters_unsent(
        run, year, certificate, tmp_path, stage, refusal):
    server = runs_out(certificate, stage, refusal)
    server.recorder.withdraw_at, server.recorder.after_expiry = 3, {token(2)}
    server.recorder.revoke_on_use = True  # the fresh token signs in, and is refused at once
    command = token_command(tmp_path)
    try:
        result = send_xoauth2(run, year, server, certificate, "--token-command", command)
    finally:
        server.stop()
    assert result.exit_code == 1, result.output
    assert (f"127.0.0.1:{server.port} refused the token for {USER} from --token-command "
            f"{command!r}, and a fresh one from it as well ({refusal}). The run stopped; the "
            "letters not yet sent stay unsent.") in result.output
    assert "2 sent," in result.output
    assert "2 not tried." in result.output
    assert runs(tmp_path) == 2
    statuses = ledger(year)
    # refused before its data: nothing recorded; refused after it: not sent; never refused
    unsent = ["failed-temporary"] if stage == "DATA" else []
    assert sorted(statuses.values()) == [*unsent, "sent", "sent"]
    held = run("status", "--data", year / "2017-18", "--out", year / "out").output
    assert "refused for good" not in held and "unknown" not in held.replace("unknown:", "")


def test_a_token_from_the_environment_refused_mid_session_stops_at_once(
        run, year, certificate, monkeypatch):
    server = runs_out(certificate, "MAIL", "535 5.7.3 Authentication unsuccessful")
    server.recorder.withdraw_at = 2
    monkeypatch.setenv("LGSCO_SMTP_TOKEN", token(1))
    try:
        result = send_xoauth2(run, year, server, certificate)
    finally:
        server.stop()
    assert result.exit_code == 1, result.output
    assert (f"refused the token for {USER} from $LGSCO_SMTP_TOKEN (535 5.7.3 Authentication "
            "unsuccessful): it may have expired.") in result.output
    assert "1 sent," in result.output
    assert "failed-permanent" not in ledger(year).values()


def test_a_token_command_that_cannot_be_run_stops_before_anything_is_claimed(
        run, year, certificate, tmp_path):
    server = runs_out(certificate, "MAIL", "")
    script = tmp_path / "get-token"
    script.write_text("echo token\n")  # no #! line
    script.chmod(0o755)
    try:
        result = send_xoauth2(run, year, server, certificate, "--token-command", str(script))
    finally:
        server.stop()
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"--token-command {str(script)!r}: {script} cannot be run: Exec format error (a script "
        "needs a first line such as #!/bin/sh)")
    assert server.recorder.messages == []
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM deliveries").fetchone() == (0,)


def python_command(tmp_path: Path, code: str) -> str:
    script = tmp_path / "command.py"
    script.write_text(code)
    return shlex.join([sys.executable, str(script)])


def test_a_token_command_that_says_too_much_is_refused_unread(tmp_path):
    command = python_command(tmp_path, "import sys\nfor _ in range(200):\n"
                                       "    sys.stdout.write('A' * 1024 * 1024)\n")
    tracemalloc.start()
    try:
        with pytest.raises(SignInError) as refused:
            TokenSource(command, "LGSCO_SMTP_TOKEN").token()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(refused.value) == (f"--token-command {command!r}: what it gave is not a bearer "
                                  "token (more than 16 KB on standard output, not shown): have "
                                  "the command print the token alone")
    assert peak < 2 * 1024 * 1024


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"  # ended, not yet reaped
    except FileNotFoundError:
        return True


def test_a_token_command_that_hangs_is_stopped_with_all_it_started(tmp_path, monkeypatch):
    pids = tmp_path / "pids"
    command = python_command(tmp_path, "import subprocess, sys, time\n"
                                       "child = subprocess.Popen(['sleep', '1000'])\n"
                                       f"open({str(pids)!r}, 'w').write(str(child.pid))\n"
                                       "time.sleep(1000)\n")
    monkeypatch.setattr(running, "TOKEN_SECONDS", 3)
    with pytest.raises(SignInError, match="gave no token within 3 s, and was stopped, with "
                                          "whatever it had started"):
        TokenSource(command, "LGSCO_SMTP_TOKEN").token()
    child = int(pids.read_text())
    deadline = time.monotonic() + 30
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(child)


def test_no_token_or_secret_is_shown_or_given_to_the_token_command(tmp_path, monkeypatch):
    first, seen = token(1), tmp_path / "seen"
    secrets = {name: f"secret-of-{name.lower()}" for name in running.SECRET_VARIABLES}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    response = base64.b64encode(xoauth2(USER, first).encode()).decode()
    command = python_command(tmp_path, (
        "import os, sys\nfrom pathlib import Path\n"
        f"Path({str(seen)!r}).write_text(' '.join(k for k in os.environ if 'LGSCO' in k))\n"
        f"runs = Path({str(tmp_path / 'runs')!r})\n"
        "count = int(runs.read_text()) + 1 if runs.exists() else 1\n"
        "runs.write_text(str(count))\n"
        f"if count == 1:\n    print({first!r})\n    sys.exit(0)\n"
        f"sys.stderr.write('refresh failed; the last token was {first} ({response}) "
        f"{secrets['LGSCO_SMTP_PASSWORD']}')\nsys.exit(4)\n"))
    source = TokenSource(command, "LGSCO_SMTP_TOKEN", USER)
    assert source.token() == first
    assert seen.read_text() == ""  # none of our secrets in the command's environment
    with pytest.raises(SignInError) as failed:
        source.refresh()
    said = str(failed.value)
    assert said == (f"--token-command {command!r} failed with exit status 4: refresh failed; "
                    "the last token was [token] ([token]) [password]")
    assert source.hide(f"x {response} y") == "x [token] y"


class RawServer:
    """An SMTP server of a few lines, for what aiosmtpd will not do: `challenge` answers AUTH
    with a challenge that is not base64 (then 535 to the answer), `long challenge` with a
    challenge (in base64) repeating the token, `echo` refuses it with a 535 repeating the
    client's response and the token, `no code` answers it without a code."""

    def __init__(self, mode: str):
        self.mode, self.port, self.lines = mode, free_port(), []
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.2)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as lines:
            connection.sendall(b"220 raw ESMTP\r\n")
            for line in lines:
                self.lines.append(line)
                said = self._answer(line.strip())
                if said is None:
                    return
                connection.sendall(said + b"\r\n")

    def _answer(self, line: bytes) -> bytes | None:
        word = line.split(b" ")[0].upper()
        if word == b"EHLO":
            return b"250-raw\r\n250 AUTH XOAUTH2 PLAIN"
        if word == b"QUIT":
            return None
        if word == b"AUTH":
            response = line.split()[-1]
            offered = base64.b64decode(response).split(b"Bearer ")[1][:-2]
            return {"challenge": b"334 %%% \x1b[31mnot base64 at all !!",
                    "long challenge": b"334 " + base64.b64encode(
                        b'{"status": "401", "offered": "' + offered + b'"}'),
                    "no code": b"hello there",
                    "echo": b"535 5.7.8 refused " + response + b" for " + offered}[self.mode]
        return b"535 5.7.8 Error: authentication failed" if "challenge" in self.mode else (
            b"250 ok")

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)
        self.listener.close()


@pytest.mark.parametrize(("mode", "said"), [
    ("challenge", "refused the token for annual.review@lgo.example.org from $LGSCO_SMTP_TOKEN "
                  "(535 5.7.8 Error: authentication failed; the server said %%% "
                  "\\u001b[31mnot base64 at all !! (not base64)): it may have expired."),
    ("no code", "refused the sign-in for annual.review@lgo.example.org: a reply without a code "
                "(\"hello there\")"),
    ("echo", "refused the token for annual.review@lgo.example.org from $LGSCO_SMTP_TOKEN (535 "
             "5.7.8 refused [token] for [token]): it may have expired."),
    ("long challenge", "refused the token for annual.review@lgo.example.org from "
                       "$LGSCO_SMTP_TOKEN (535 5.7.8 Error: authentication failed; the server "
                       "said {\"status\": \"401\", \"offered\": \"[token]\"}): it may have "
                       "expired."),
])
def test_what_a_server_answers_to_the_token_is_shown_as_its_refusal(year, mode, said):
    server = RawServer(mode)
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("LGSCO_")} | {"LGSCO_SMTP_TOKEN": token(1)}
    command = send_command(year, server.port, "--yes", "--user", USER, "--auth", "xoauth2",
                           "--timeout", "10")
    command.insert(command.index("send"), "-v")
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                                env=environment, timeout=300)
    finally:
        server.stop()
    assert result.returncode in (1, 2), result.stderr
    assert said in result.stderr
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr
    response = base64.b64encode(xoauth2(USER, token(1)).encode()).decode()
    echoed = base64.b64encode(b'{"status": "401", "offered": "' + token(1).encode()).decode()
    for secret in (token(1), response, echoed[40:]):  # nor any 40 characters of them
        for start in range(0, len(secret) - 40, 20):
            assert secret[start:start + 40] not in result.stdout + result.stderr
    assert not any(line.startswith(b"MAIL") for line in server.lines)  # nothing sent


def test_an_imap_servers_words_are_cut_short_only_once_the_token_is_blanked_out():
    import imaplib

    from lgsco_letters.mail.imap import _words
    from lgsco_letters.mail.signin import SignIn

    tokens = TokenSource(None, "LGSCO_IMAP_TOKEN", USER)
    os.environ["LGSCO_IMAP_TOKEN"] = token(1)
    try:
        tokens.token()
        said = _words(imaplib.IMAP4.error(b"NO [AUTHENTICATIONFAILED] " + b"x" * 200
                                          + token(1).encode()), SignIn(USER, "xoauth2",
                                                                       tokens=tokens))
    finally:
        del os.environ["LGSCO_IMAP_TOKEN"]
    assert said == "NO [AUTHENTICATIONFAILED] " + "x" * 200 + "[token]"  # not its first 74
