"""Running the office's token command: no shell, no secrets of ours in its environment, its
output read only as far as a token can go, and nothing of it left running when it takes too long.

The command runs in a session (and process group) of its own, so that a command that hangs is
stopped with everything it started, not just the process we started. Its standard output is
read up to `MAX_OUTPUT`: an XOAUTH2 line is at most 12,288 octets (RFC 4954), so anything longer
is not a token, whatever it is, and is refused unread.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time

from lgsco_letters.errors import LettersError

TOKEN_SECONDS = 120  # how long a token command may take (a browser sign-in is not for here)
MAX_OUTPUT = 16 * 1024  # of standard output: longer is not a token
MAX_STDERR = 64 * 1024  # of standard error kept (the start of it is shown)
# Ours to know, not the token command's: it is given the environment without them.
SECRET_VARIABLES = ("LGSCO_SMTP_PASSWORD", "LGSCO_SMTP_TOKEN", "LGSCO_IMAP_PASSWORD",
                    "LGSCO_IMAP_TOKEN")


class SignInError(LettersError):
    """The credentials cannot be had, or the server keeps refusing them: nothing will go."""


def run_token_command(argv: list[str], named: str) -> tuple[int, bytes, bytes]:
    """Run `argv`; return its exit status, standard output and (the start of) its standard
    error. `named` is how messages name the command."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in SECRET_VARIABLES}
    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=environment,
                                   start_new_session=True)
    except FileNotFoundError:
        raise SignInError(f"{named}: {argv[0]}: no such command") from None
    except PermissionError:
        raise SignInError(f"{named}: {argv[0]}: not allowed to run it (is it "
                                "executable?)") from None
    except OSError as error:  # ENOEXEC (a script without #!), a bad interpreter, ...
        hint = " (a script needs a first line such as #!/bin/sh)" if error.errno == 8 else ""
        raise SignInError(f"{named}: {argv[0]} cannot be run: "
                                f"{error.strerror or error}{hint}") from None
    try:
        stdout, stderr = _read(process, named)
    except BaseException:
        _stop(process)
        raise
    return process.returncode, stdout, stderr


def _read(process: subprocess.Popen, named: str) -> tuple[bytes, bytes]:
    """Both streams, read as they come, until the command has ended and said all it will
    (a background process it left with the streams open is not waited for)."""
    deadline = time.monotonic() + TOKEN_SECONDS
    kept = {process.stdout: bytearray(), process.stderr: bytearray()}
    limits = {process.stdout: MAX_OUTPUT, process.stderr: MAX_STDERR}
    with selectors.DefaultSelector() as selector:
        for stream in kept:
            selector.register(stream, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise _too_slow(named)
            ended = process.poll() is not None
            ready = selector.select(timeout=0 if ended else min(left, 0.5))
            if not ready and ended:
                break
            for key, _ in ready:
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer = kept[key.fileobj]
                buffer += chunk[:max(0, limits[key.fileobj] + 1 - len(buffer))]
                if key.fileobj is process.stdout and len(buffer) > MAX_OUTPUT:
                    raise SignInError(
                        f"{named}: what it gave is not a bearer token (more than "
                        f"{MAX_OUTPUT // 1024} KB on standard output, not shown): have the "
                        "command print the token alone")
    try:
        process.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise _too_slow(named) from None
    for stream in kept:
        stream.close()
    return bytes(kept[process.stdout]), bytes(kept[process.stderr])


def _too_slow(named: str) -> SignInError:
    return SignInError(f"{named}: gave no token within {TOKEN_SECONDS} s, and was stopped, with "
                       "whatever it had started (it may be waiting for a sign-in in a browser: "
                       "sign in first, so that it can answer on its own)")


def _stop(process: subprocess.Popen) -> None:
    """Stop the command and everything in its process group."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        process.wait(timeout=10)
    for stream in (process.stdout, process.stderr):
        with contextlib.suppress(OSError):
            stream.close()
