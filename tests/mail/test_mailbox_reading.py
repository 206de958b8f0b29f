"""`bounces` reading a maildir or an mbox: a message that cannot be read is named and the rest
read (exit 1); what the reading may have changed is never overstated; what is not an mbox file
is said to be what it is; and an IMAP folder name is refused with control characters in it."""

from __future__ import annotations

import os

import pytest

from helpers.mail import NAMES, send
from helpers.notifications import about, write_maildir
from lgsco_letters.mail import mailboxes

ALPHA, BETA, GAMMA, DELTA = NAMES


@pytest.fixture
def sent(run, year, smtp):
    assert send(run, year, smtp).exit_code == 1  # the specimen
    return year


def bounces(run, year, *args):
    return run("bounces", "--data", year / "2017-18", "--out", year / "out", *args)


def test_a_message_that_cannot_be_read_is_named_and_the_rest_are_read(run, sent, tmp_path):
    mailbox = write_maildir(tmp_path / "M", [about(sent, BETA, "postfix"),
                                             about(sent, GAMMA, "gmail")])
    # A file the system will not give: reading it fails with an I/O error, as a bad disk does.
    (mailbox / "new" / "17644000000.M0P1.broken").symlink_to("/proc/self/mem")
    result = bounces(run, sent, "--maildir", mailbox)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Read 3 messages from the maildir ")
    assert "Bounced: 2, recorded now" in lines
    assert lines[-2:] == ["Could not be opened: 1 message; the rest were read and recorded. Run "
                          "this again once they can be read:",
                          "  new/17644000000.M0P1.broken: Input/output error"]
    again = bounces(run, sent, "--maildir", mailbox)
    assert again.exit_code == 1 and "Already recorded" in again.output


@pytest.mark.skipif(not hasattr(os, "O_NOATIME"), reason="Linux's O_NOATIME")
def test_access_times_are_not_said_to_be_untouched_when_they_may_not_be(run, sent, tmp_path,
                                                                        monkeypatch):
    mailbox = write_maildir(tmp_path / "M", [about(sent, BETA, "postfix")])
    assert "(read only: nothing there was changed)" in bounces(
        run, sent, "--maildir", mailbox).output
    real = os.open

    def not_the_owner(path, flags, *args, **kwargs):
        # As Linux answers O_NOATIME for a file that belongs to someone else (root may use it
        # on any file, so the tests, run as root, cannot meet this otherwise).
        if flags & os.O_NOATIME:
            raise PermissionError(1, "Operation not permitted")
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(mailboxes.os, "open", not_the_owner)
    result = bounces(run, sent, "--maildir", mailbox)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith(
        "(read only: no message was changed, but the system may have updated the access time "
        "of 3 files or folders: they belong to another user, and only the owner may read a "
        "file without it).")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_what_is_not_a_regular_file_is_said_to_be_what_it_is(run, sent, tmp_path, kind):
    if kind == "fifo":
        path, said = tmp_path / "bounces.fifo", "a named pipe (FIFO)"
        os.mkfifo(path)
    else:
        path, said = "/dev/null", "a character device"
    result = bounces(run, sent, "--mbox", path)
    assert result.exit_code == 2
    assert f"--mbox {path}: {said}, not a regular file: give an mbox file" in result.output


@pytest.mark.parametrize("folder", ["INBOX\r\nA1 DELETE INBOX", "Bounces\x1b[2J", "Tab\there"])
def test_a_folder_name_with_control_characters_is_refused_up_front(run, sent, folder,
                                                                   monkeypatch):
    monkeypatch.setenv("LGSCO_IMAP_PASSWORD", "s3cret")  # all else in order
    result = bounces(run, sent, "--imap", "127.0.0.1:1", "--user", "someone", "--folder",
                     folder)
    assert result.exit_code == 2
    assert "Invalid value for --folder: " in result.output
    assert "a folder name cannot hold control or invisible characters" in result.output
    assert "\r" not in result.output and "\x1b" not in result.output
