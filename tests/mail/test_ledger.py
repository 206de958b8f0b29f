"""The ledger as users meet it: permissions told from damage, read-only readers, another
program's lock, ledgers of other versions, nothing created before there is something to record,
and what a failed resend leaves; against the real SMTP server and real file systems."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pty
import shutil
import sqlite3
import subprocess
import sys

import pytest

from helpers import BROMSGROVE_ROW, ROOT, csv_text
from helpers.mail import NAMES, SENDER, address, approve_all, send, send_command

ALPHA = NAMES[0]


def cli(year, *args: str) -> list[str]:
    return [sys.executable, "-m", "lgsco_letters", *args, "--data", str(year / "2017-18"),
            "--out", str(year / "out")]


def unprivileged(command: list[str]) -> list[str]:
    """As root, without the capabilities that let root write where permissions say no."""
    if os.geteuid() != 0:
        return command
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", *command]


@contextlib.contextmanager
def read_only(folder):
    folder.chmod(0o555)
    try:
        yield lambda command: subprocess.run(unprivileged(command), cwd=ROOT,
                                             capture_output=True, text=True)
    finally:
        folder.chmod(0o755)


@contextlib.contextmanager
def immutable(folder):
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not possible here: {made.stderr.decode().strip()}")
    try:
        yield lambda command: subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@contextlib.contextmanager
def mounted_read_only(folder):
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no mount namespace here: {probe.stderr.decode().strip()}")
    mount = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    yield lambda command: subprocess.run(["unshare", "--mount", "sh", "-c", mount, str(folder),
                                          *command], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize(("fault", "said"), [
    (read_only, "Permission denied (EACCES)"),
    (immutable, "Operation not permitted (EPERM)"),
    (mounted_read_only, "Read-only file system (EROFS)")])
def test_a_folder_that_cannot_be_written_is_a_permission_problem_not_a_damaged_ledger(
        run, year, smtp, fault, said):
    assert send(run, year, smtp, "--only", ALPHA).exit_code == 0
    out = year / "out"
    ledger_before = (out / "sent.sqlite").read_bytes()
    with fault(out) as in_fault:
        approve = in_fault(cli(year, "approve", "--all", "--as", "Pat Signer"))
        sending = in_fault(cli(year, "send", "--smtp", f"127.0.0.1:{smtp.port}", "--from",
                               SENDER, "--yes"))
        status = in_fault(cli(year, "status", "--format", "json"))
        check = in_fault([sys.executable, "-m", "lgsco_letters", "check", "--data",
                          str(year / "2017-18")])
        build = in_fault(cli(year, "build", "--force", "--only", NAMES[1]))
    for result in (approve, sending):
        assert result.returncode == 2, result.stderr
        assert said in result.stderr
        assert str(out) in result.stderr  # the path, named
        assert "--new-ledger" not in result.stderr and "backup" not in result.stderr
        assert "Traceback" not in result.stderr
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["counts"] == {"draft": 0, "approved": 5, "sent": 1,
                                                   "held back": 0, "failed": 0,
                                                   "bounced": 0}
    assert check.returncode == 0, check.stdout + check.stderr
    assert build.returncode != 0
    assert "Make room" not in build.stderr and said.split(" (")[0] in build.stderr
    assert "permissions" in build.stderr
    assert len(smtp.recorder.messages) == 1
    assert (out / "sent.sqlite").read_bytes() == ledger_before


def test_a_damaged_ledger_is_still_told_as_damaged(run, year, smtp):
    (year / "out" / "sent.sqlite").write_bytes(b"\0" * 100 + b"not a database" * 100)
    result = send(run, year, smtp)
    assert result.exit_code == 2
    assert "cannot be read as a ledger" in result.output and "--new-ledger" in result.output


@pytest.mark.parametrize("tables", [
    ["CREATE TABLE sends (slug TEXT, status TEXT)"],
    ["CREATE TABLE deliveries (id INTEGER PRIMARY KEY, slug TEXT)", "PRAGMA user_version = 1"],
    ["CREATE TABLE something_else (x)"]])
def test_a_ledger_with_tables_of_the_wrong_shape_is_refused_naming_the_file(
        run, unapproved, smtp, tables):
    year = unapproved
    path = year / "out" / "sent.sqlite"
    with sqlite3.connect(path) as db:
        for statement in tables:
            db.execute(statement)
    for result in (send(run, year, smtp),
                   run("status", "--data", year / "2017-18", "--out", year / "out")):
        assert result.exit_code == 2, result.output
        assert f"{path}: is not a ledger lgsco-letters can read: " in result.output
        assert "Traceback" not in result.output
    assert smtp.recorder.messages == []


def test_a_ledger_of_a_later_version_is_refused(run, year, smtp):
    assert send(run, year, smtp, "--only", ALPHA).exit_code == 0
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        db.execute("PRAGMA user_version = 7")
    result = send(run, year, smtp)
    assert result.exit_code == 2
    assert ("sent.sqlite: it is version 7 of the ledger, written by a later lgsco-letters "
            "(this one knows versions up to 3). Use that version") in result.output
    assert "--new-ledger" not in result.output
    assert len(smtp.recorder.messages) == 1


def test_a_ledger_another_program_holds_locked_is_a_clear_refusal(run, year, smtp):
    assert send(run, year, smtp, "--only", ALPHA).exit_code == 0
    path = year / "out" / "sent.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "db.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\ntime.sleep(300)",
         str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        result = send(run, year, smtp)
        status = run("status", "--data", year / "2017-18", "--out", year / "out")
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2, result.output
    assert (f"{path}: another program holds it locked (waited 10 s): close whatever has it "
            "open (an SQLite browser, a backup tool), then run this again") in result.output
    assert "--new-ledger" not in result.output
    assert status.exit_code == 0 and "sent:             1" in status.output  # readers read on
    assert len(smtp.recorder.messages) == 1


def test_nothing_is_created_until_there_is_something_to_record(run, make_year, unapproved, smtp,
                                                               tmp_path):
    folder = make_year(csv=csv_text(BROMSGROVE_ROW))
    nothing = tmp_path / "nothing"
    never_built = run("send", "--data", folder, "--out", nothing, "--smtp",
                      f"127.0.0.1:{smtp.port}", "--from", SENDER, "--yes")
    assert never_built.exit_code == 2
    assert not nothing.exists()
    (nothing / "preview").mkdir(parents=True)  # drafts only: never built
    assert run("send", "--data", folder, "--out", nothing, "--smtp", f"127.0.0.1:{smtp.port}",
               "--from", SENDER, "--yes").exit_code == 2
    assert sorted(path.name for path in nothing.iterdir()) == ["preview"]

    year = unapproved  # built, never approved: nothing to send, nothing to record
    for command in (("send", "--smtp", f"127.0.0.1:{smtp.port}", "--from", SENDER, "--yes"),
                    ("approve", "--all", "--as", "Pat Signer", "--revoke")):
        assert run(*command, "--data", year / "2017-18", "--out", year / "out").exit_code in (
            0, 1)
    assert not list((year / "out").glob("sent.sqlite*"))


V0_SCHEMA = """
CREATE TABLE sends (
    slug TEXT PRIMARY KEY, authority TEXT NOT NULL, recipient TEXT NOT NULL,
    cc TEXT NOT NULL DEFAULT '', sha256 TEXT NOT NULL, message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed-temporary',
                                           'failed-permanent', 'unknown')),
    attempts INTEGER NOT NULL DEFAULT 0, reply TEXT NOT NULL DEFAULT '', first_attempt TEXT,
    last_attempt TEXT, sent_at TEXT, resends INTEGER NOT NULL DEFAULT 0);
CREATE TABLE approvals (slug TEXT PRIMARY KEY, authority TEXT NOT NULL, sha256 TEXT NOT NULL,
    approved_by TEXT NOT NULL, approved_at TEXT NOT NULL);
CREATE TABLE approval_log (at TEXT NOT NULL, slug TEXT NOT NULL, authority TEXT NOT NULL,
    sha256 TEXT NOT NULL, action TEXT NOT NULL CHECK (action IN ('approved', 'revoked')),
    person TEXT NOT NULL);
"""


def a_2017_18_ledger(year) -> None:
    """A ledger as the versions before this one wrote it: Delta sent; Beta recorded sent
    although the server refused Beta's own address and only the Cc had it; all approved."""
    rows = {row["slug"]: row for row in json.loads((year / "out" / "manifest.json").read_text())}
    with sqlite3.connect(year / "out" / "sent.sqlite") as db:
        db.executescript(V0_SCHEMA)
        for slug, row in rows.items():
            when = "2018-06-01T09:00:00+00:00"
            db.execute("INSERT INTO approvals VALUES (?, ?, ?, 'Pat Signer', ?)",
                       (slug, row["authority"], row["sha256"], when))
            db.execute("INSERT INTO approval_log VALUES (?, ?, ?, ?, 'approved', 'Pat Signer')",
                       (when, slug, row["authority"], row["sha256"]))
        for name, reply in ((NAMES[3], "250 2.0.0 Message accepted for delivery"),
                            (NAMES[1], "250 2.0.0 Message accepted for delivery; refused "
                                       f"{address(NAMES[1])}: 450 4.2.1 Mailbox busy")):
            slug = name.lower().replace(" ", "-")
            db.execute("INSERT INTO sends VALUES (?, ?, ?, 'records@lgo.example.org', ?, ?, "
                       "'sent', 1, ?, ?, ?, ?, 0)",
                       (slug, name, address(name), rows[slug]["sha256"], f"<{slug}@lgo>",
                        reply, "2018-06-02T09:00:00+00:00", "2018-06-02T09:00:00+00:00",
                        "2018-06-02T09:00:00+00:00"))


def test_a_ledger_from_before_is_read_as_it_was_and_brought_up_to_date(run, unapproved, smtp):
    year = unapproved
    a_2017_18_ledger(year)
    path = year / "out" / "sent.sqlite"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    status = run("status", "--data", year / "2017-18", "--out", year / "out", "--all")
    assert status.exit_code == 0, status.output
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # read, not changed
    lines = status.output.splitlines()
    assert lines[:2] == ["sent:             1", "failed-temporary: 1"]
    assert (f"  {ALPHA}: held back: approved before an approval covered the addresses: "
            f"approve it again (now to {address(ALPHA)})") in lines
    assert (f"  {NAMES[1]}: held back: approved before an approval covered the addresses: "
            f"approve it again (now to {address(NAMES[1])})") in lines

    held = send(run, year, smtp)
    assert held.exit_code == 1
    assert "0 letters to send" in held.output and "1 already sent" in held.output
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (3,)
    approve_all(year)
    result = send(run, year, smtp)
    assert result.exit_code == 1, result.output  # the specimen
    recipients = sorted(r for _, rs, _ in smtp.recorder.messages for r in rs)
    assert recipients == sorted([address(ALPHA), address(NAMES[1]), address(NAMES[2]),
                                 "chief.executive@bromsgrove.example.org"])
    with sqlite3.connect(path) as db:  # both deliveries kept: the one the council never had
        assert db.execute("SELECT status, cc FROM deliveries WHERE authority = ? ORDER BY id",
                          (NAMES[1],)).fetchall() == [("failed-temporary",
                                                       "records@lgo.example.org"), ("sent", "")]


def test_a_failed_resend_of_a_letter_already_delivered_still_counts_it_sent_once(
        run, year, smtp):
    assert send(run, year, smtp, "--only", ALPHA).exit_code == 0
    smtp.recorder.rcpt_replies[address(ALPHA)] = ["550 5.2.1 Mailbox disabled"]
    resend = send(run, year, smtp, "--resend", ALPHA)
    assert resend.exit_code == 0, resend.output  # the council has it: the year is done
    failed = "failed-permanent: ce@alpha.example.org: 550 5.2.1 Mailbox disabled"
    assert f"  failed-permanent: {ALPHA} (ce@alpha.example.org: 550 5.2.1 Mailbox disabled; " \
           "the letter stays sent (sent on " in resend.output
    assert "Not sent" not in resend.output
    assert f"Sent, with a warning (1; status shows them):\n  {ALPHA}: a resend was not " \
           f"delivered ({failed}); the letter stays sent (sent on " in resend.output
    assert resend.output.splitlines()[-1] == (
        "0 sent, 0 failed for now (a re-run tries them again), 0 refused for good, 0 unknown "
        "(the server may have them: never sent again without --resend), 1 already sent "
        "before, 0 held back.")
    status = run("status", "--data", year / "2017-18", "--out", year / "out")
    lines = status.output.splitlines()
    assert lines[:7] == ["sent:             1", "failed-temporary: 0", "failed-permanent: 0",
                         "unknown:          0", "sending:          0", "bounced:          0",
                         "not yet sent:     5 of 6"]
    (line,) = [line for line in lines if line.startswith(f"  {ALPHA}: sent: sent on ")]
    assert line.endswith(" was not delivered (it failed: ce@alpha.example.org: 550 5.2.1 "
                         "Mailbox disabled))")
    again = send(run, year, smtp, "--only", ALPHA)
    assert again.exit_code == 0 and "1 already sent" in again.output
    assert len(smtp.recorder.messages) == 1


def test_on_a_terminal_send_shows_progress_not_a_line_per_letter(year, smtp):
    main, child = pty.openpty()
    process = subprocess.Popen(send_command(year, smtp.port, "--yes", "--rate", "600"),
                               cwd=ROOT, stdin=child, stdout=child, stderr=child)
    os.close(child)
    seen = b""
    with contextlib.suppress(OSError):  # the terminal closes with the process
        while chunk := os.read(main, 4096):
            seen += chunk
    assert process.wait(timeout=60) == 1  # the specimen is held back
    text = seen.decode()
    assert "\r\x1b[2K0/5 sent  -/min  0:00 left" in text
    assert "\r\x1b[2K5/5 sent  " in text and "/min  0:00 left\r\n" in text
    assert f"  sent: {ALPHA} (" not in text  # the progress line says it
    assert "5 sent, 0 failed for now" in text
    assert len(smtp.recorder.messages) == 5


def test_off_a_terminal_send_prints_one_line_per_letter(run, year, smtp):
    result = send(run, year, smtp, "--rate", "600")
    assert [line for line in result.output.splitlines() if line.startswith("  sent: ")] == [
        f"  sent: {name} (250 2.0.0 Message accepted for delivery)"
        for name in (NAMES[0], NAMES[1], "Bromsgrove District Council", NAMES[3], NAMES[2])]
    assert "\r" not in result.output


def test_a_copy_of_the_folder_is_a_complete_backup(run, year, smtp, tmp_path):
    assert send(run, year, smtp, "--only", ALPHA).exit_code == 0
    copy = tmp_path / "backup"
    shutil.copytree(year / "out", copy)
    status = run("status", "--data", year / "2017-18", "--out", copy)
    assert "sent:             1" in status.output


def test_the_time_left_follows_the_rate():
    from lgsco_letters.commands.send_output import Reporter

    reporter = Reporter(353, interval=1.0, terminal=False)  # --rate 60
    assert reporter.progress(now=reporter.started) == "0/353 sent  -/min  5:53 left"
    reporter.done = reporter.sent = 53
    reporter.first = reporter.started + 0.5  # the first letter went at once
    assert reporter.progress(now=reporter.first + 52.0) == "53/353 sent  60.0/min  5:00 left"


def test_the_rate_shown_is_steady_and_never_above_the_rate_set():
    """`--rate 30`: one letter every 2 s. The first one going at once is no measure of the
    pace (it showed 280.6/min), and a letter done quicker than the pause is no faster."""
    from lgsco_letters.commands.send_output import Reporter
    from lgsco_letters.mail.delivery import Result
    from lgsco_letters.mail.ledger import SendStatus
    from lgsco_letters.mail.run import SendOutcome

    sent = SendOutcome(ALPHA, Result(SendStatus.SENT, "250 OK"))
    reporter = Reporter(100, interval=2.0, terminal=False)
    start = reporter.started
    reporter(sent, now=start + 0.2)
    assert reporter.progress(now=start + 0.2) == "1/100 sent  -/min  3:18 left"
    shown = []
    for letter in range(1, 10):
        reporter(sent, now=start + 0.2 + 2 * letter)
        shown.append(reporter.progress(now=start + 0.2 + 2 * letter).split("  ")[1])
    assert shown == ["30.0/min"] * 9
    reporter(sent, now=start + 19.2)  # one that went sooner than the pause allows
    assert reporter.progress(now=start + 19.2).split("  ")[1] == "30.0/min"


@pytest.mark.parametrize(("change", "said"), [
    ("UPDATE deliveries SET status = 'bogus'",
     "its table deliveries, row 1 (Alpha Borough Council): status is 'bogus'; expected one of "
     "sending, sent, failed-temporary, failed-permanent, unknown, bounced"),
    ("UPDATE deliveries SET resends = 'abc'",
     "its table deliveries, row 1 (Alpha Borough Council): resends is 'abc'; expected a whole "
     "number"),
    ("UPDATE approvals SET approved_at = X'32303138' WHERE authority = 'Beta District Council'",
     "its table approvals, the row of 'beta-district-council' (Beta District Council): "
     "approved_at is b'2018'; expected text")])
def test_a_ledger_row_holding_what_no_ledger_holds_is_damage_named_with_its_row(
        run, year, smtp, change, said):
    assert send(run, year, smtp, "--only", ALPHA).exit_code == 0
    path = year / "out" / "sent.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA ignore_check_constraints = ON")
        db.execute(change)
    approve = run("approve", "--all", "--as", "Pat Signer", "--data", year / "2017-18",
                  "--out", year / "out")  # reads only the approvals
    for result in (send(run, year, smtp, "--resend", ALPHA, "--only", NAMES[1]),
                   run("status", "--data", year / "2017-18", "--out", year / "out"),
                   *([approve] if "approvals" in change else [])):
        assert result.exit_code == 2, result.output
        assert (f"{path}: is not a ledger lgsco-letters can read: {said}. Nothing was sent. "
                "Restore the ledger from backup; or, if you are sure, start a new one with send "
                "--new-ledger") in result.output
        assert "Traceback" not in result.output
    assert len(smtp.recorder.messages) == 1


@pytest.mark.parametrize("kind", ["folder", "link", "pipe", "wal pipe"])
def test_a_ledger_that_is_not_a_file_is_refused_naming_it_never_read_as_none(year, smtp, kind):
    out = year / "out"
    for file in out.glob("sent.sqlite*"):
        file.unlink()
    path = out / "sent.sqlite"
    said = {"folder": f"{path}: is not a file but a folder",
            "link": f"{path}: is not a file but a symbolic link (to /dev/null)",
            "pipe": f"{path}: is not a file but a named pipe (FIFO)",
            "wal pipe": f"{path}-wal: is not a file but a named pipe (FIFO)"}[kind]
    if kind == "folder":
        path.mkdir()
    elif kind == "link":
        path.symlink_to("/dev/null")
    elif kind == "pipe":
        os.mkfifo(path)
    else:
        sqlite3.connect(path).close()
        os.mkfifo(out / "sent.sqlite-wal")
    commands = [cli(year, "approve", "--all", "--as", "Pat Signer"),
                cli(year, "status"),
                cli(year, "send", "--smtp", f"127.0.0.1:{smtp.port}", "--from", SENDER, "--yes"),
                cli(year, "approve", "--all", "--as", "Pat Signer", "--revoke")]
    for command in commands:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert (f"{said}: a year's ledger is a plain file, never a folder, a link or a device. "
                "Nothing was read or changed. Move it out of the way") in result.stderr
        assert "Traceback" not in result.stderr
    assert smtp.recorder.messages == []


def test_upgrading_a_version_0_ledger_reads_every_refusal_it_recorded(run, unapproved, smtp):
    """Version 0 appended each refused address to the reply: the council's own refused with
    a reply without a code (-1) was not sent; a refused Cc is the sent letter's warning."""
    year = unapproved
    rows = {row["slug"]: row for row in json.loads((year / "out" / "manifest.json").read_text())}
    path = year / "out" / "sent.sqlite"
    accepted = "250 2.0.0 Message accepted for delivery"
    with sqlite3.connect(path) as db:
        db.executescript(V0_SCHEMA)
        for name, reply in (
                (NAMES[2], f"{accepted}; refused {address(NAMES[2])}: -1 ueued"),
                (NAMES[3], f"{accepted}; refused records@lgo.example.org: 550 5.1.1 No such "
                           "mailbox; refused other@lgo.example.org: -1 gone")):
            slug = name.lower().replace(" ", "-")
            db.execute("INSERT INTO sends VALUES (?, ?, ?, ?, ?, ?, 'sent', 1, ?, ?, ?, ?, 0)",
                       (slug, name, address(name), "records@lgo.example.org, "
                        "other@lgo.example.org", rows[slug]["sha256"], f"<{slug}@lgo>", reply,
                        *["2018-06-02T09:00:00+00:00"] * 3))
    warning = ("the Cc records@lgo.example.org was refused (550 5.1.1 No such mailbox); the Cc "
               "other@lgo.example.org was refused (a reply without a code (gone))")
    for _ in range(2):  # read through a copy (status), then brought up to date (send)
        status = run("status", "--data", year / "2017-18", "--out", year / "out", "--format",
                     "json")
        letters = {letter["authority"]: letter for letter in json.loads(status.output)["letters"]}
        sends = json.loads(status.output)["sends"]
        assert (sends["sent"], sends["failed-temporary"]) == (1, 1)  # Gamma goes again
        assert letters[NAMES[3]]["state"] == "sent"
        assert letters[NAMES[3]]["warning"] == warning
        send(run, year, smtp, "--only", NAMES[0])  # opens the ledger to write: upgrades it
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT authority, status, warning FROM deliveries ORDER BY id"
                          ).fetchall() == [(NAMES[3], "sent", warning),
                                           (NAMES[2], "failed-temporary", "")]
