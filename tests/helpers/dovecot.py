"""A real IMAP server for the tests: Dovecot, started on 127.0.0.1 on free ports, unprivileged,
with its configuration and mailbox in a temporary folder.

Run as an ordinary user, Dovecot runs as that user. Run as root (as CI does), it is started as
`nobody` (Dovecot's login processes refuse to run as root, and a test has no business running a
server as root), in a folder of its own that `nobody` owns. Passwords come from a passwd-file;
OAuth 2.0 bearer tokens (XOAUTH2) are checked by Dovecot's oauth2 passdb against a token
introspection endpoint (RFC 7662) that the test runs on 127.0.0.1 and controls.
"""

from __future__ import annotations

import contextlib
import http.server
import imaplib
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from helpers.mail import free_port

USER = "annual.review@lgo.example.org"
PASSWORD = "imap-s3cret"
DOVECOT = "/usr/sbin/dovecot"

CONFIG = """
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
first_valid_gid = {gid}
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
disable_plaintext_auth = no
ssl = yes
ssl_cert = <{folder}/cert.pem
ssl_key = <{folder}/key.pem
mail_location = maildir:{folder}/home/%u/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {folder}/oauth2.conf
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={folder}/home/%u
}}
"""

OAUTH2 = """
introspection_mode = post
introspection_url = http://127.0.0.1:{port}/introspect
username_attribute = username
active_attribute = active
active_value = true
"""


class Introspection(http.server.ThreadingHTTPServer):
    """The identity provider's token introspection endpoint: a token is active while it is in
    `accepted`. Records every token it was asked about."""

    def __init__(self):
        self.accepted: set[str] = set()
        self.asked: list[str] = []
        super().__init__(("127.0.0.1", 0), _IntrospectionHandler)


class _IntrospectionHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        token = urllib.parse.parse_qs(self.rfile.read(length).decode()).get("token", [""])[0]
        self.server.asked.append(token)
        active = token in self.server.accepted
        body = json.dumps({"active": True, "username": USER} if active
                          else {"active": False}).encode()
        self.send_response(200 if active else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class Dovecot:
    def __init__(self, certificate: tuple[Path, Path]):
        self.certificate = certificate
        self.port, self.ssl_port = free_port(), free_port()
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None
        self.introspection = Introspection()

    @property
    def maildir(self) -> Path:
        return self.folder / "home" / USER / "Maildir"

    def start(self) -> None:
        as_root = os.geteuid() == 0
        account = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.geteuid())
        self.folder = Path(tempfile.mkdtemp(prefix="lgsco-dovecot-"))
        for name in ("run", "state", "home"):
            (self.folder / name).mkdir()
        shutil.copy(self.certificate[1], self.folder / "cert.pem")
        shutil.copy(self.certificate[0], self.folder / "key.pem")
        (self.folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        threading.Thread(target=self.introspection.serve_forever, daemon=True).start()
        (self.folder / "oauth2.conf").write_text(
            OAUTH2.format(port=self.introspection.server_address[1]))
        group = account.pw_gid
        (self.folder / "dovecot.conf").write_text(CONFIG.format(
            folder=self.folder, user=account.pw_name, group=_group_name(group),
            uid=account.pw_uid, gid=group, port=self.port, ssl_port=self.ssl_port))
        command = [DOVECOT, "-F", "-c", str(self.folder / "dovecot.conf")]
        if as_root:
            for path in [self.folder, *self.folder.rglob("*")]:
                os.chown(path, account.pw_uid, group)
            command = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={group}",
                       "--clear-groups", *command]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)
        self._wait_for_greeting()

    def _wait_for_greeting(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot stopped: {self.process.stdout.read().decode()}"
                                   f"{self.log()}")
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.port), timeout=5) as probe:
                if probe.recv(100).startswith(b"* OK"):
                    return
            time.sleep(0.1)
        raise RuntimeError(f"dovecot did not answer on 127.0.0.1:{self.port}: {self.log()}")

    def log(self) -> str:
        path = self.folder / "dovecot.log" if self.folder else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()
            self.process = None
        self.introspection.shutdown()
        self.introspection.server_close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def session(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        imap.login(USER, PASSWORD)
        return imap

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        imap = self.session()
        try:
            if folder != "INBOX":
                imap.create(folder)
            for data in messages:
                kind, said = imap.append(folder, None, None, data)
                assert kind == "OK", said
        finally:
            imap.logout()

    def flags(self, folder: str = "INBOX") -> list[bytes]:
        """Each message's flags, read in a session of its own (EXAMINE, so read-only too)."""
        imap = self.session()
        try:
            _, data = imap.select(folder, readonly=True)
            if int(data[0]) == 0:
                return []
            _, data = imap.fetch("1:*", "(FLAGS)")
            return [item for item in data if item]
        finally:
            imap.logout()

    def stored(self) -> dict[str, bytes]:
        """The mailbox's message files (not Dovecot's own index files), by name."""
        return {str(path.relative_to(self.maildir)): path.read_bytes()
                for sub in ("cur", "new", "tmp") for path in (self.maildir / sub).glob("*")
                if path.is_file()}


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name
