"""OAuth 2.0 sign-in for the tests: an aiosmtpd server that takes SASL XOAUTH2 over STARTTLS (as
Microsoft 365 and Google do) and can withdraw a token mid-run, and a token command of the kind
an office uses (it hands out numbered tokens, counting how often it was run)."""

from __future__ import annotations

import base64
import collections
import json
import shlex
import ssl
import subprocess
import sys
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from helpers.mail import Recorder, Server, free_port

# A bearer token as Microsoft's identity platform gives one: a JWT of about 1,500 characters.
LONG = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + "A" * 1400 + ".c2lnbmF0dXJl"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (key, certificate), the certificate being its
    own authority, for --cafile."""
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return key, cert


def token(number: int) -> str:
    return f"{LONG}-{number}"


class LongAuth(SMTP):
    """RFC 4954 lets an AUTH line be 12,288 octets; aiosmtpd's default is 512."""

    line_length_limit = 16384

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # aiosmtpd's limits per command are one dict shared by every server: this one's own
        self.command_size_limits = collections.defaultdict(lambda: 12288)


class OAuthRecorder(Recorder):
    """Keeps messages; signs in with XOAUTH2 a token in `accepted`. With `expire_at_mail` set,
    the MAIL command of that number (counted over the whole server) is answered 421 and the
    session closed, and the tokens then accepted become `after_expiry`: a token that expired."""

    def __init__(self, accepted: set[str]):
        super().__init__()
        self.accepted = set(accepted)
        self.offered: list[str] = []  # every token offered, in order
        self.mails = 0
        self.expire_at_mail: int | None = None
        self.after_expiry: set[str] = set()
        self.refusal = "535 5.7.3 Authentication unsuccessful"

    async def auth_XOAUTH2(self, server, args):
        raw = args[1] if len(args) > 1 else await server.challenge_auth("")
        response = base64.b64decode(raw).decode() if isinstance(raw, str) else raw.decode()
        fields = dict(part.split("=", 1) for part in response.split("\x01") if "=" in part)
        offered = fields.get("auth", "").removeprefix("Bearer ")
        self.offered.append(offered)
        if offered in self.accepted and fields.get("user"):
            return AuthResult(success=True, auth_data=fields["user"])
        # As Google and Microsoft do: a challenge carrying the reason, then 535 to its answer.
        await server.challenge_auth(json.dumps({"status": "401", "schemes": "bearer"}))
        return AuthResult(success=False, handled=False, message=self.refusal)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mails += 1
        if self.mails == self.expire_at_mail:
            self.accepted = set(self.after_expiry)
            # As aiosmtpd ends a session after QUIT: the reply, then the session and its
            # connection closed (the reply aiosmtpd then tries to give goes nowhere).
            await server.push("421 4.7.0 Session expired, closing connection")
            server._handler_coroutine.cancel()
            server.transport.close()
            return "421 4.7.0 Session expired"
        envelope.mail_from, envelope.mail_options = address, list(mail_options)
        return "250 OK"


class OAuthController(Controller):
    def factory(self):
        return LongAuth(self.handler, **self.SMTP_kwargs)


class OAuthServer(Server):
    def start(self):
        self.controller = OAuthController(self.recorder, hostname="127.0.0.1", port=self.port,
                                          **self.options)
        self.controller.start()


def oauth_server(certificate: tuple[Path, Path], accepted: set[str]) -> OAuthServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate[1], certificate[0])
    server = OAuthServer(free_port(), OAuthRecorder(accepted), tls_context=context,
                         require_starttls=True)
    server.start()
    return server


def token_command(folder: Path, fail_with: int | None = None) -> str:
    """A command that prints token(1), then token(2), ... one more each time it is run
    (counting in `folder`/runs); with `fail_with`, it fails with that status instead."""
    script = folder / "get-token.py"
    script.write_text(
        "import sys\nfrom pathlib import Path\n"
        "runs = Path(sys.argv[1])\n"
        "count = int(runs.read_text()) + 1 if runs.exists() else 1\n"
        "runs.write_text(str(count))\n"
        + (f"sys.stderr.write('AADSTS700082: The refresh token has expired due to inactivity. "
           f"Run az login.\\n' * 20)\nsys.exit({fail_with})\n" if fail_with else
           f"print({LONG!r} + '-' + str(count))\n"))
    return shlex.join([sys.executable, str(script), str(folder / "runs")])


def runs(folder: Path) -> int:
    path = folder / "runs"
    return int(path.read_text()) if path.exists() else 0
