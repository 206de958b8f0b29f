"""Signing in to the SMTP server: OAuth 2.0 (SASL XOAUTH2) with a token from the environment or
from the office's own token command, refreshed once when the server refuses it; and passwords
by the mechanism --auth names. Against a real aiosmtpd on 127.0.0.1, over STARTTLS."""

from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult

from helpers import ROOT
from helpers.mail import NAMES, Recorder, Server, address, free_port, send, send_command
from helpers.oauth import LONG, make_certificate, oauth_server, runs, token, token_command
from lgsco_letters.mail.signin import SignInError, TokenSource

SENT_ONCE = sorted([*map(address, NAMES), "chief.executive@bromsgrove.example.org"])


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


def send_with_token(year, server, certificate, *extra: str, env: dict | None = None):
    """`send -v` as a user runs it (a process of its own), signing in with XOAUTH2."""
    command = [*send_command(year, server.port, "--yes", "--starttls", "--cafile",
                             str(certificate[1]), "--user", "annual.review@lgo.example.org",
                             "--auth", "xoauth2", *extra)]
    command.insert(command.index("send"), "-v")
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("LGSCO_SMTP")} | (env or {})
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=environment,
                          timeout=300)


def recipients(server) -> list[str]:
    return sorted(r for _, rs, _ in server.recorder.messages for r in rs)


def deliveries(year: Path) -> int:
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        return db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]


def assert_token_nowhere(tokens: list[str], year: Path, *outputs: str) -> None:
    """No token in what was printed (stdout, stderr with -v's log) or in any file written."""
    for secret in tokens:
        for output in outputs:
            assert secret not in output and secret[-200:] not in output
        for path in (year / "out").rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def test_a_token_from_the_environment_signs_in_with_xoauth2_over_starttls(year, certificate):
    server = oauth_server(certificate, {token(1)})
    try:
        result = send_with_token(year, server, certificate, env={"LGSCO_SMTP_TOKEN": token(1)})
    finally:
        server.stop()
    assert result.returncode == 1, result.stderr  # the specimen is held back
    assert recipients(server) == SENT_ONCE
    assert server.recorder.offered == [token(1)]
    assert "signed in as annual.review@lgo.example.org with a bearer token" in result.stderr
    assert_token_nowhere([token(1)], year, result.stdout, result.stderr)


@pytest.mark.parametrize("refusal", ["535 5.7.3 Authentication unsuccessful",
                                     "454 4.7.0 Temporary authentication failure"])
def test_a_refused_token_is_fetched_afresh_once_and_the_run_goes_on(year, certificate,
                                                                      tmp_path, refusal):
    server = oauth_server(certificate, {token(1)})
    server.recorder.expire_at_mail, server.recorder.after_expiry = 3, {token(2)}
    server.recorder.refusal = refusal
    try:
        result = send_with_token(year, server, certificate, "--token-command",
                                 token_command(tmp_path))
    finally:
        server.stop()
    assert result.returncode == 1, result.stderr  # the specimen
    assert recipients(server) == SENT_ONCE, result.stderr  # every council once, none twice
    # The third letter's session was closed and its token withdrawn: refused on the way back
    # in, fetched afresh once, and the run went on.
    assert server.recorder.offered == [token(1), token(1), token(2)]
    assert runs(tmp_path) == 2
    assert refusal in result.stderr  # -v says why it fetched a fresh one
    assert "5 sent," in result.stdout
    assert_token_nowhere([token(1), token(2)], year, result.stdout, result.stderr)


def test_a_second_refusal_stops_the_run_with_exit_1_and_the_rest_stay_unsent(
        year, certificate, tmp_path):
    server = oauth_server(certificate, {token(1)})
    server.recorder.expire_at_mail, server.recorder.after_expiry = 3, set()
    command = token_command(tmp_path)
    try:
        result = send_with_token(year, server, certificate, "--token-command", command)
        assert result.returncode == 1, result.stderr
        assert len(server.recorder.messages) == 2
        assert (f"127.0.0.1:{server.port} refused the token for annual.review@lgo.example.org "
                f"from --token-command {command!r}, and a fresh one from it as well (535 5.7.3 "
                "Authentication unsuccessful; the server said {\"status\": \"401\", "
                "\"schemes\": \"bearer\"}). The run stopped; the letters not yet sent stay "
                "unsent.") in result.stderr
        assert "2 sent," in result.stdout
        assert "1 not sent (nothing recorded), 2 not tried." in result.stdout
        assert runs(tmp_path) == 2
        assert "Traceback" not in result.stderr
        with sqlite3.connect(year / "out" / "sent.sqlite") as db:
            statuses = dict(db.execute("SELECT authority, status FROM sends"))
        assert sorted(statuses.values()).count("sent") == 2
        assert_token_nowhere([token(1), token(2)], year, result.stdout, result.stderr)

        server.recorder.accepted = {token(3)}  # a token the office has put right
        again = send_with_token(year, server, certificate, "--token-command", command)
        assert again.returncode == 1, again.stderr  # the specimen
        assert recipients(server) == SENT_ONCE
    finally:
        server.stop()


def test_a_refused_token_from_the_environment_stops_at_once(year, certificate):
    server = oauth_server(certificate, {token(2)})
    try:
        result = send_with_token(year, server, certificate, env={"LGSCO_SMTP_TOKEN": token(1)})
    finally:
        server.stop()
    assert result.returncode == 1
    assert (f"127.0.0.1:{server.port} refused the token for annual.review@lgo.example.org "
            "from $LGSCO_SMTP_TOKEN (535 5.7.3 Authentication unsuccessful; the server said "
            "{\"status\": \"401\", \"schemes\": \"bearer\"}): it may have expired. Put a fresh "
            "one there, or give --token-command CMD") in result.stderr
    assert server.recorder.messages == []
    assert deliveries(year) == 0  # refused before anything was recorded
    assert_token_nowhere([token(1)], year, result.stdout, result.stderr)


def test_a_failing_token_command_is_named_with_its_status_and_its_error_cut_short(
        year, certificate, tmp_path):
    server = oauth_server(certificate, {token(1)})
    command = token_command(tmp_path, fail_with=3)
    try:
        result = send_with_token(year, server, certificate, "--token-command", command)
    finally:
        server.stop()
    assert result.returncode == 2
    said = result.stderr.splitlines()[-1]
    assert said.startswith(f"--token-command {command!r} failed with exit status 3: "
                           "AADSTS700082: The refresh token has expired due to inactivity. "
                           "Run az login. AADSTS700082")
    assert said.endswith("...") and len(said) < len(command) + 400
    assert server.recorder.messages == []
    assert deliveries(year) == 0


def test_a_token_must_come_from_somewhere(run, year, certificate):
    server = oauth_server(certificate, {token(1)})
    try:
        result = send_with_token(year, server, certificate)
    finally:
        server.stop()
    assert result.returncode == 2
    assert ("--auth xoauth2: set the bearer token in the environment variable LGSCO_SMTP_TOKEN, "
            "or give --token-command CMD to fetch one") in result.stderr
    misuse = send(run, year, server, "--token-command", "get-token")
    assert misuse.exit_code == 2
    assert "--token-command gives a token for --auth xoauth2: add --auth xoauth2" in (
        misuse.output)
    alone = send(run, year, server, "--auth", "xoauth2")
    assert alone.exit_code == 2
    assert "--auth xoauth2 needs --user (the mailbox to sign in as)" in alone.output


@pytest.mark.parametrize("mechanism", ["plain", "login"])
def test_auth_plain_and_login_sign_in_with_the_password_by_that_mechanism(
        run, year, monkeypatch, mechanism):
    seen = []

    def authenticate(server, session, envelope, used, auth_data):
        seen.append((used, auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-pass")

    server = Server(free_port(), Recorder(), authenticator=authenticate, auth_require_tls=False)
    server.start()
    monkeypatch.setenv("LGSCO_SMTP_PASSWORD", "s3cret-pass")
    try:
        result = send(run, year, server, "--user", "mailer", "--auth", mechanism, "--only",
                      NAMES[0])
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert seen == [(mechanism.upper(), b"mailer", b"s3cret-pass")]
    assert "s3cret-pass" not in result.output


def test_a_mechanism_the_server_does_not_offer_is_said_to_be_so(run, year, certificate):
    server = Server(free_port(), Recorder(), authenticator=lambda *args: AuthResult(
        success=True), auth_require_tls=False, auth_exclude_mechanism=["LOGIN"])
    server.start()
    try:
        result = send(run, year, server, "--user", "mailer", "--auth", "xoauth2", "--only",
                      NAMES[0], "--token-command", "never-run")
        plain = send(run, year, server, "--user", "mailer", "--auth", "login", "--only",
                     NAMES[0])
    finally:
        server.stop()
    assert result.exit_code == 2
    assert (f"127.0.0.1:{server.port} does not offer sign-in by XOAUTH2 (it offers PLAIN)"
            in result.output)
    assert plain.exit_code == 2, plain.output
    assert "set the password in the environment variable LGSCO_SMTP_PASSWORD" in plain.output


@pytest.mark.parametrize(("output", "said"), [
    (b"", "gave no token (its output was empty)"),
    (b'{"accessToken": "eyJ0e", "expiresOn": "2026-11-30 10:00"}',
     "is not a bearer token (expected one line of printable ASCII without spaces; got 57 "
     "characters, not shown) (it looks like JSON: have the command print the token alone; for "
     "the Azure CLI add --query accessToken --output tsv)"),
    (b"two words\n", "is not a bearer token"),
])
def test_a_token_command_that_gives_no_token_is_refused_without_showing_its_output(
        tmp_path, output, said):
    script = tmp_path / "token.py"
    script.write_bytes(b"import sys\nsys.stdout.buffer.write(" + repr(output).encode() + b")\n")
    source = TokenSource(shlex.join([sys.executable, str(script)]), "LGSCO_SMTP_TOKEN")
    with pytest.raises(SignInError) as refused:
        source.token()
    assert said in str(refused.value)
    if output:
        assert output.decode().split()[0] not in str(refused.value)


def test_a_token_command_is_run_without_a_shell(tmp_path):
    marker = tmp_path / "made-by-a-shell"
    quoted = TokenSource(f"echo '{LONG}'", "LGSCO_SMTP_TOKEN")
    assert quoted.token() == LONG  # split as a shell would: quotes and all
    chained = TokenSource(f"echo {LONG}; touch {marker}", "LGSCO_SMTP_TOKEN")
    with pytest.raises(SignInError, match="is not a bearer token"):
        chained.token()  # echo printed the rest as words: no shell ran `touch`
    assert not marker.exists()
    missing = TokenSource("no-such-token-helper --json", "LGSCO_SMTP_TOKEN")
    with pytest.raises(SignInError, match="no-such-token-helper: no such command"):
        missing.token()
