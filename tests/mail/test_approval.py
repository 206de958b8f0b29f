"""What an approval covers: the PDF's bytes and the envelope (the recipient and every Cc field's
address), and only as the approval log records it; against the real SMTP server."""

from __future__ import annotations

import json
import shutil
import sqlite3

from helpers.mail import NAMES, SENDER, address, approve_all, ledger_rows, send

ALPHA = NAMES[0]


def approve(run, year, *args):
    return run("approve", *args, "--data", year / "2017-18", "--out", year / "out")


def status_json(run, year) -> dict:
    result = run("status", "--data", year / "2017-18", "--out", year / "out", "--format", "json")
    assert result.exit_code == 0, result.output
    return {letter["authority"]: letter for letter in json.loads(result.output)["letters"]}


def change_in_data(year, old: str, new: str) -> None:
    csv_path = year / "2017-18" / "authorities.csv"
    text = csv_path.read_text(encoding="utf-8")
    assert old in text
    csv_path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_changed_address_needs_a_new_approval_not_a_rebuild(run, year, smtp):
    change_in_data(year, address(ALPHA), "someone.else@alpha.example.org")  # not rebuilt
    held = send(run, year, smtp, "--only", ALPHA)
    assert held.exit_code == 1, held.output
    assert (f"  {ALPHA}: held back: the address changed since approval: approve it again "
            "(approved to ce@alpha.example.org; now to someone.else@alpha.example.org)"
            ) in held.output.splitlines()
    assert smtp.recorder.messages == []
    assert ledger_rows(year) == {}
    status = run("status", "--data", year / "2017-18", "--out", year / "out")
    assert (f"  {ALPHA}: held back: the address changed since approval: approve it again "
            "(approved to ce@alpha.example.org; now to someone.else@alpha.example.org)"
            ) in status.output.splitlines()
    letter = status_json(run, year)[ALPHA]
    assert letter["approved_for"] == {"to": "ce@alpha.example.org", "cc": {}}
    assert letter["reason_code"] == "address changed"

    again = approve(run, year, "alpha", "--as", "Sam Second")
    assert again.output == ("Approved 1 letter as Sam Second, each for its PDF, its cover "
                            "note and the addresses shown:\n"
                            f"  {ALPHA}: to someone.else@alpha.example.org\n")
    sent = send(run, year, smtp, "--only", ALPHA)
    assert sent.exit_code == 0, sent.output
    assert [rs for _, rs, _ in smtp.recorder.messages] == [["someone.else@alpha.example.org"]]
    assert status_json(run, year)[ALPHA]["sent_to"] == {"to": "someone.else@alpha.example.org",
                                                        "cc": ""}


def test_an_address_that_only_looks_the_same_is_shown_so_that_it_does_not(run, year, smtp):
    """"ce" and a combining acute accent, "c\u00e9" at a glance and "ce" in a small font (one
    script, nothing to refuse; Cyrillic "\u0441\u0435" for "ce" is refused in the data):
    wherever an address is shown for approval or comparison, its characters beyond ASCII are
    spelt out."""
    look_alike = "ce\u0301@alpha.example.org"
    spelt = "ce\\u0301@alpha.example.org (not plain ASCII: \\u0301 COMBINING ACUTE ACCENT)"
    change_in_data(year, address(ALPHA), look_alike)
    changed = (f"  {ALPHA}: held back: the address changed since approval: approve it again "
               f"(approved to ce@alpha.example.org; now to {spelt})")
    held = send(run, year, smtp, "--only", ALPHA)
    assert changed in held.output.splitlines()
    status = run("status", "--data", year / "2017-18", "--out", year / "out")
    assert changed in status.output.splitlines()
    again = approve(run, year, "alpha", "--as", "Sam Second")
    assert again.output == ("Approved 1 letter as Sam Second, each for its PDF, its cover "
                            "note and the addresses shown:\n"
                            f"  {ALPHA}: to {spelt}\n")
    every = run("status", "--data", year / "2017-18", "--out", year / "out", "--all")
    assert f"  {ALPHA}: approved: approved by Sam Second on " in every.output
    assert every.output.split(f"  {ALPHA}: approved: ")[1].splitlines()[0].endswith(
        f", to {spelt}")
    assert status_json(run, year)[ALPHA]["approved_for"]["to"] == look_alike  # as data, raw


def with_link_officers(run, year) -> None:
    """A link_officer_email column: Alpha's officer, none for the others."""
    csv_path = year / "2017-18" / "authorities.csv"
    text = csv_path.read_text().replace(",specimen,", ",link_officer_email,specimen,")
    lines = text.splitlines()
    lines[1:] = [line.replace(",false,", ",lo@alpha.example.org,false,", 1)
                 if line.startswith("Alpha") else line.replace(",false,", ",,false,", 1)
                 .replace(",true,", ",,true,", 1) for line in lines[1:]]
    csv_path.write_text("\n".join(lines) + "\n")
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0


def test_the_approval_covers_every_cc_field(run, unapproved, smtp):
    year = unapproved
    with_link_officers(run, year)
    approved = approve(run, year, ALPHA, "--as", "Pat Signer")
    assert approved.output.splitlines()[1] == (
        f"  {ALPHA}: to ce@alpha.example.org; link_officer_email lo@alpha.example.org")
    assert status_json(run, year)[ALPHA]["approved_for"] == {
        "to": "ce@alpha.example.org", "cc": {"link_officer_email": "lo@alpha.example.org"}}
    change_in_data(year, "lo@alpha.example.org", "new.officer@alpha.example.org")
    held = send(run, year, smtp, "--only", ALPHA, "--cc", "link_officer_email")
    assert held.exit_code == 1
    assert ("held back: the address changed since approval: approve it again (approved to "
            "ce@alpha.example.org; link_officer_email lo@alpha.example.org; now to "
            "ce@alpha.example.org; link_officer_email new.officer@alpha.example.org)"
            ) in held.output
    assert smtp.recorder.messages == []
    approve(run, year, ALPHA, "--as", "Pat Signer")
    sent = send(run, year, smtp, "--only", ALPHA, "--cc", "link_officer_email")
    assert sent.exit_code == 0, sent.output
    (message,) = smtp.recorder.to("new.officer@alpha.example.org")
    assert message["To"] == "ce@alpha.example.org"


def ledger(year) -> sqlite3.Connection:
    return sqlite3.connect(year / "out" / "sent.sqlite", isolation_level=None)


def test_an_approval_written_by_other_means_than_approve_is_refused(run, year, smtp):
    """Anyone who can write out/<year>/ can change an approval; the log makes it visible."""
    assert approve(run, year, NAMES[1], "--as", "Pat Signer", "--revoke").exit_code == 0
    with ledger(year) as db:
        db.execute("UPDATE approvals SET approved_by = 'Mallory' WHERE authority = ?", (ALPHA,))
        # Beta's approval put back behind the log's back, which says it was revoked
        db.execute("INSERT INTO approvals (slug, authority, sha256, approved_by, approved_at, "
                   "recipient, cc) SELECT slug, authority, sha256, person, at, recipient, cc "
                   "FROM approval_log WHERE authority = ? AND action = 'approved'", (NAMES[1],))
    result = send(run, year, smtp, "--only", ALPHA, "--only", NAMES[1], "--only", NAMES[2])
    assert result.exit_code == 1
    assert (f"  {ALPHA}: held back: its approval in sent.sqlite is not the approval log's "
            "latest entry for it (the log has it approved by Pat Signer on ") in result.output
    assert (f"  {NAMES[1]}: held back: its approval in sent.sqlite is not the approval log's "
            "latest entry for it (the log has no approval of it in force): the ledger was "
            "changed by other means than lgsco-letters approve; find out who changed it, then "
            "approve it again") in result.output
    assert [rs for _, rs, _ in smtp.recorder.messages] == [[address(NAMES[2])]]
    assert status_json(run, year)[ALPHA]["reason_code"] == "approval not logged"
    approve(run, year, ALPHA, "--as", "Pat Signer")
    assert send(run, year, smtp, "--only", ALPHA).exit_code == 0


def test_a_rebuilt_letter_that_was_sent_gets_true_hints(run, year, smtp):
    assert send(run, year, smtp, "--only", ALPHA).exit_code == 0
    change_in_data(year, "Alpha Borough Council,district,,Chief Executive,ce@alpha.example.org,"
                         "false,0,4,", "Alpha Borough Council,district,,Chief Executive,"
                                       "ce@alpha.example.org,false,1,3,")
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    status = run("status", "--data", year / "2017-18", "--out", year / "out")
    hint = (f"  {ALPHA}: held back: changed since sent on "), (
        ", and not approved since: approve it again, then send it with --resend")
    (line,) = [line for line in status.output.splitlines() if line.startswith(hint[0])]
    assert line.endswith(hint[1])
    resend = send(run, year, smtp, "--resend", ALPHA)  # what the hint says not to do yet
    assert resend.exit_code == 1
    assert "changed since approved by Pat Signer on " in resend.output
    assert ": approve it again, then send" in resend.output
    approve_all(year)
    status = run("status", "--data", year / "2017-18", "--out", year / "out")
    assert "(--resend sends the new one)" in status.output
    assert send(run, year, smtp, "--resend", ALPHA).exit_code == 0
    assert len(smtp.recorder.to(address(ALPHA))) == 2


def test_a_dry_run_counts_each_held_letter_once_under_its_first_reason(run, unapproved,
                                                                        tmp_path):
    year = unapproved
    change_in_data(year, ",false,", ",true,")  # every letter a specimen, and none approved
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    dry = ("send", "--data", year / "2017-18", "--out", year / "out", "--from",
           "annual.review@lgo.example.org", "--dry-run", tmp_path / "eml")
    result = run(*dry)
    assert result.exit_code == 1, result.output  # as a real run: nothing chosen would go
    assert result.output.splitlines()[:2] == [
        "0 letters to send from annual.review@lgo.example.org to "
        f"{tmp_path / 'eml'} (dry run); 0 already sent; 6 held back.",
        "  6 letters not approved, held back: lgsco-letters approve NAME... (or --all) --as "
        "PERSON (-v lists them)"]
    approve_all(year)
    approved = run(*dry)
    assert approved.exit_code == 1
    assert "  6 specimen letters held back: --allow-specimen sends them (-v lists them)" in (
        approved.output.splitlines())
    assert run(*dry, "--allow-specimen").exit_code == 0  # every letter chosen would go


def test_the_letters_of_one_year_are_never_approved_or_sent_from_another_years_folder(
        run, year, smtp):
    """`--data` of 2018-19 with `--out` of 2017-18 would attach 2017-18's PDFs as 2018-19's
    letters, recorded in 2017-18's ledger: refused, naming both years."""
    other = year / "2018-19"
    shutil.copytree(year / "2017-18", other)
    text = (other / "year.yaml").read_text(encoding="utf-8")
    (other / "year.yaml").write_text(text.replace("year: 2017-18", "year: 2018-19"),
                                     encoding="utf-8")
    said = (f"{year / 'out'} holds the letters of 2017-18 (its manifest says so), but {other} "
            "is the year 2018-19: a year's letters are built, approved, sent and recorded only "
            "in its own output folder. Give --out the folder of 2018-19 (by default "
            "out/2018-19), not another year's.")
    ledger = (year / "out" / "sent.sqlite").read_bytes()
    commands = [("send", "--smtp", f"127.0.0.1:{smtp.port}", "--from", SENDER, "--yes"),
                ("send", "--from", SENDER, "--dry-run", year / "eml"),
                ("approve", "--all", "--as", "Pat Signer"), ("status",), ("build",)]
    for command in commands:
        result = run(*command, "--data", other, "--out", year / "out")
        assert result.exit_code == 2, (command, result.output)
        assert said in result.output, command
    assert smtp.recorder.messages == []
    assert (year / "out" / "sent.sqlite").read_bytes() == ledger
    assert not (year / "eml").exists()

    # a manifest from before it said its year: the folder's name, when it is a year's
    built = year / "built" / "2017-18"
    shutil.copytree(year / "out", built)
    rows = json.loads((built / "manifest.json").read_text())
    (built / "manifest.json").write_text(json.dumps([
        {key: value for key, value in row.items() if key != "year"} for row in rows]))
    result = run("send", "--from", SENDER, "--dry-run", year / "eml", "--data", other, "--out",
                 built)
    assert result.exit_code == 2
    assert f"{built} holds the letters of 2017-18 (its name says so), but {other}" in (
        result.output)
    fine = run("send", "--from", SENDER, "--dry-run", year / "eml", "--data", year / "2017-18",
               "--out", built)
    assert fine.exit_code == 1, fine.output  # its own year: only the specimen held back


def test_a_letter_whose_data_changed_since_it_was_built_is_neither_approved_nor_sent(
        run, year, smtp):
    """The letter says what the data said when it was built: once a figure it quotes has
    changed, approving or sending that PDF would pass off the old figures as the data's. It is
    held back (and refused approval) until it is rebuilt; the rebuilt letter needs approving."""
    built_pdf = (year / "out" / "alpha-borough-council.pdf").read_bytes()
    change_in_data(year, "ce@alpha.example.org,false,0,4,2,", "ce@alpha.example.org,false,0,3,3,")
    said = (f"  {ALPHA}: held back: its data changed since it was built (the PDF still says "
            "what the data said then): rebuild it (lgsco-letters build), approve it again, "
            "then send")
    status = run("status", "--data", year / "2017-18", "--out", year / "out")
    assert said in status.output.splitlines(), status.output
    assert status_json(run, year)[ALPHA]["reason_code"] == "changed since built"
    held = send(run, year, smtp, "--only", ALPHA)
    assert held.exit_code == 1, held.output
    assert said in held.output.splitlines()
    assert smtp.recorder.messages == [] and ledger_rows(year) == {}
    again = approve(run, year, ALPHA, "--as", "Sam Second")
    assert again.exit_code == 2, again.output
    assert again.output == (
        "Found 1 problem; nothing was written:\n"
        f"  {year / 'out' / 'manifest.json'} ({ALPHA}): its PDF was built from data that has "
        "changed since (it still says what the data said then): rebuild it with lgsco-letters "
        "build, then approve it\n")
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    rebuilt = (year / "out" / "alpha-borough-council.pdf").read_bytes()
    assert rebuilt != built_pdf
    assert "changed since approved by Pat Signer" in send(run, year, smtp, "--only",
                                                          ALPHA).output
    assert approve(run, year, ALPHA, "--as", "Sam Second").exit_code == 0
    assert send(run, year, smtp, "--only", ALPHA).exit_code == 0
    (message,) = smtp.recorder.to(address(ALPHA))
    (attached,) = [part.get_content() for part in message.iter_attachments()]
    assert attached == rebuilt
