"""A letter is approved and sent only as its data is now: a letter whose data changed after it
was built (its "Copied to" line among it) is refused by approve and held back by send and
status, until it is built again; against the real SMTP server."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import pdf_text
from helpers.mail import NAMES, address, approve_all, send

ALPHA = NAMES[0]
COPIED = "link officer, monitoring officer"
CC = ("--cc", "link_officer_email", "--cc", "monitoring_officer_email")


def officers(year: Path, alpha: str) -> None:
    """Alpha's link and monitoring officers' addresses, `alpha` as the two cells; the letters
    copied to both roles."""
    csv_path = year / "2017-18" / "authorities.csv"
    lines = csv_path.read_text().splitlines()
    lines[0] = lines[0].replace(",specimen,", ",link_officer_email,monitoring_officer_email,"
                                              "specimen,")
    lines[1:] = [line.replace(",false,", f",{alpha if line.startswith('Alpha') else ','},"
                                         "false,", 1).replace(",true,", ",,,true,", 1)
                 for line in lines[1:]]
    csv_path.write_text("\n".join(lines) + "\n")
    year_yaml = year / "2017-18" / "year.yaml"
    if "copied_to" not in year_yaml.read_text():
        with year_yaml.open("a") as stream:
            stream.write(f"copied_to: [{COPIED}]\n")


def built_and_approved(run, year: Path) -> None:
    result = run("build", "--data", year / "2017-18", "--out", year / "out")
    assert result.exit_code == 0, result.output
    approve_all(year)


STALE = ("its data changed since it was built (the PDF still says what the data said then): "
         "rebuild it (lgsco-letters build), approve it again, then send")


def test_an_officer_given_an_address_after_the_build_holds_the_letter_back(run, year, smtp,
                                                                           tmp_path):
    """Built saying "Copied to: link officer", Alpha's monitoring officer's address then added:
    sent as it was, the letter would have gone to the monitoring officer without saying so."""
    officers(year, "lo@alpha.example.org,")
    built_and_approved(run, year)
    officers_now = year / "2017-18" / "authorities.csv"
    officers_now.write_text(officers_now.read_text().replace(
        "lo@alpha.example.org,,", "lo@alpha.example.org,mo@alpha.example.org,"))

    held = send(run, year, smtp, "--only", ALPHA, *CC)
    assert held.exit_code == 1, held.output
    assert f"  {ALPHA}: held back: {STALE}" in held.output.splitlines()
    assert smtp.recorder.messages == []
    status = run("status", "--data", year / "2017-18", "--out", year / "out", "--format", "json")
    (alpha,) = [letter for letter in json.loads(status.output)["letters"]
                if letter["authority"] == ALPHA]
    assert (alpha["reason_code"], alpha["reason"], alpha["state"]) == (
        "changed since built", STALE, "held back")
    again = run("approve", "alpha", "--as", "Sam Second", "--data", year / "2017-18",
                "--out", year / "out")
    assert again.exit_code == 2
    assert again.output.splitlines()[1].endswith(
        f"manifest.json ({ALPHA}): its PDF was built from data that has changed since (it still "
        "says what the data said then): rebuild it with lgsco-letters build, then approve it")

    built_and_approved(run, year)  # built again: the letter says what is copied, and to whom
    sent = send(run, year, smtp, "--only", ALPHA, *CC)
    assert sent.exit_code == 0, sent.output
    (message,) = smtp.recorder.to(address(ALPHA))
    assert message["Cc"] == "lo@alpha.example.org, mo@alpha.example.org"
    pdf = tmp_path / "alpha.pdf"
    pdf.write_bytes(next(message.iter_attachments()).get_content())
    assert "Copied to: link officer, monitoring officer" in pdf_text(pdf)


def test_an_officer_whose_address_is_taken_away_after_the_build(run, year, smtp):
    officers(year, "lo@alpha.example.org,mo@alpha.example.org")
    built_and_approved(run, year)
    officers_now = year / "2017-18" / "authorities.csv"
    officers_now.write_text(officers_now.read_text().replace(",mo@alpha.example.org,", ",,"))
    held = send(run, year, smtp, "--only", ALPHA, *CC)
    assert f"  {ALPHA}: held back: {STALE}" in held.output.splitlines()
    assert smtp.recorder.messages == []


def test_a_figure_changed_after_the_build_holds_the_letter_back(run, year, smtp):
    csv_path = year / "2017-18" / "authorities.csv"
    lines = csv_path.read_text().splitlines()
    alpha = next(index for index, line in enumerate(lines) if line.startswith(ALPHA))
    cells = lines[alpha].split(",")
    cells[12] = str(int(cells[12]) + 1)  # received_housing, and so the total
    cells[15] = str(int(cells[15]) + 1)
    lines[alpha] = ",".join(cells)
    csv_path.write_text("\n".join(lines) + "\n")
    held = send(run, year, smtp, "--only", ALPHA)
    assert f"  {ALPHA}: held back: {STALE}" in held.output.splitlines()
    assert smtp.recorder.messages == []


def test_a_corrected_address_alone_still_needs_no_rebuild(run, year, smtp):
    """An address is where a letter goes, not what it says: only a new approval is needed."""
    officers(year, "lo@alpha.example.org,")
    built_and_approved(run, year)
    csv_path = year / "2017-18" / "authorities.csv"
    csv_path.write_text(csv_path.read_text().replace("lo@alpha.", "link@alpha."))
    again = run("approve", "alpha", "--as", "Sam Second", "--data", year / "2017-18",
                "--out", year / "out")
    assert again.exit_code == 0, again.output
    assert send(run, year, smtp, "--only", ALPHA, *CC).exit_code == 0


def test_a_manifest_from_before_the_data_was_recorded_asks_for_a_rebuild(run, year, smtp):
    manifest = year / "out" / "manifest.json"
    rows = json.loads(manifest.read_text())
    manifest.write_text(json.dumps([{key: value for key, value in row.items()
                                     if key != "data_fingerprint"} for row in rows]))
    held = send(run, year, smtp, "--only", ALPHA)
    assert (f"  {ALPHA}: held back: it was built before the manifest recorded the data each "
            "letter is built from, so whether it still says what the data says cannot be told: "
            "rebuild it (lgsco-letters build), approve it again, then send"
            ) in held.output.splitlines()
    assert run("build", "--data", year / "2017-18", "--out", year / "out").exit_code == 0
    assert send(run, year, smtp, "--only", ALPHA).exit_code == 0  # the same bytes: approved
