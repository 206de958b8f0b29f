"""A run's processes end with it, however it ends, and leave nothing behind: no worker holding
the folder's lock, no process at all within 5 s, no temporary files. Only ever the one process
is killed, never the group, as `kill`, `timeout`, systemd and the OOM killer do."""

from __future__ import annotations

import hashlib
import json
import signal
import time

import pytest

from helpers import ADUR_ROW, BROMSGROVE_ROW, BUNDLED_YEAR, TEMPLATES, ZERO_ROW, csv_text
from helpers.processes import Run, fd_targets, wait_until
from lgsco_letters.build.state import JOURNAL_FILE, STATE_FILE
from lgsco_letters.locking import LOCK_FILE

BROMSGROVE = "Bromsgrove District Council"


@pytest.fixture
def runs(tmp_path):
    started: list[Run] = []

    def start(*args: str) -> Run:
        started.append(run := Run(tmp_path, *args))
        return run

    yield start
    for run in started:
        run.stop()


def building(runs, out, *extra: str) -> Run:
    """A build of the bundled year (353 letters) with two workers, once it has recorded a
    letter in its journal."""
    run = runs("build", "--data", BUNDLED_YEAR, "--out", out, "--jobs", "2", *extra)
    journal = out / JOURNAL_FILE
    wait_until(lambda: (journal.is_file() and journal.stat().st_size)
               or run.process.poll() is not None, 180, "the first letter")
    assert run.process.poll() is None, run.text()
    wait_until(lambda: len(run.children()) == 2, 30, "two workers")
    return run


def assert_next_command_runs(runs, out) -> None:
    after = runs("build", "--data", BUNDLED_YEAR, "--out", out, "--jobs", "1", "--only",
                 BROMSGROVE)
    assert after.wait(120) == 0, after.text()
    assert "in use" not in after.text()


def assert_journal_consistent(out) -> dict:
    """Every letter the build recorded is on disk, whole, as recorded; the records."""
    records = {}
    if (out / STATE_FILE).is_file():
        records.update(json.loads((out / STATE_FILE).read_text()))
    if (out / JOURNAL_FILE).is_file():
        for line in (out / JOURNAL_FILE).read_text().splitlines():
            entry = json.loads(line)
            records[entry.pop("slug")] = entry
    assert records
    for slug, record in records.items():
        data = (out / f"{slug}.pdf").read_bytes()
        assert hashlib.sha256(data).hexdigest() == record["sha256"]
    return records


def test_workers_do_not_hold_the_folder_lock(runs, tmp_path):
    out = tmp_path / "out"
    run = building(runs, out)
    for worker in run.children():
        assert not [t for t in fd_targets(worker) if t.endswith(LOCK_FILE)]


def test_a_killed_build_leaves_no_worker_and_the_next_build_runs(runs, tmp_path):
    out = tmp_path / "out"
    run = building(runs, out)
    run.kill(signal.SIGKILL)
    run.wait(10)
    run.assert_gone_within(5)
    assert run.leftovers() == [], run.text()  # each worker removed its own temporary files
    assert_next_command_runs(runs, out)


def test_sigterm_stops_the_workers_and_keeps_the_journal(runs, tmp_path):
    out = tmp_path / "out"
    run = building(runs, out)
    run.kill(signal.SIGTERM)
    assert run.wait(30) == 128 + signal.SIGTERM
    assert "The build was stopped (SIGTERM). " in run.text()
    assert "Build again: it carries on from there." in run.text()
    run.assert_gone_within(5)
    assert run.leftovers() == []
    assert_journal_consistent(out)
    assert not list(out.glob(".*.tmp"))
    assert_next_command_runs(runs, out)


def test_ctrl_c_stops_at_once_and_keeps_what_was_written(runs, tmp_path):
    out = tmp_path / "out"
    run = building(runs, out)
    run.kill(signal.SIGINT)  # to the main process alone, not the group a terminal signals
    interrupted = time.monotonic()
    assert run.wait(60) == 128 + signal.SIGINT
    assert time.monotonic() - interrupted < 10  # rendering on would take a minute or more
    assert "The build was stopped (Ctrl-C). " in run.text()
    run.assert_gone_within(5)
    assert run.leftovers() == []
    recorded = assert_journal_consistent(out)
    assert 0 < len(recorded) < 300
    manifest = json.loads((out / "manifest.json").read_text())
    # a letter a worker had written but not yet reported is not claimed: the next build redoes it
    assert {row["slug"] for row in manifest if row["status"] == "built"} == set(recorded)


def test_a_killed_worker_stops_the_build_saying_so(runs, tmp_path):
    out = tmp_path / "out"
    run = building(runs, out)
    run.kill(signal.SIGKILL, run.children()[0])
    assert run.wait(60) == 1
    assert "The build stopped: a worker process ended unexpectedly (killed by signal 9) " \
           "while rendering " in run.text()
    run.assert_gone_within(5)
    assert run.leftovers() == []
    assert_journal_consistent(out)
    assert_next_command_runs(runs, out)


def test_a_killed_check_leaves_no_worker(runs, tmp_path):
    run = runs("check", "--pdf", "--data", BUNDLED_YEAR, "--jobs", "2")
    wait_until(lambda: len(run.children()) == 2 or run.process.poll() is not None, 120,
               "two workers")
    time.sleep(1)  # warm, rendering
    run.kill(signal.SIGKILL)
    run.wait(10)
    run.assert_gone_within(5)
    assert run.leftovers() == []


@pytest.mark.parametrize("command", [
    ("build", "--jobs", "2"), ("build", "--jobs", "1"), ("check", "--pdf", "--jobs", "2"),
    ("check", "--pdf", "--jobs", "1")])
def test_a_finished_run_leaves_no_temporary_files(runs, tmp_path, make_year, command):
    folder = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW))
    out = ("--out", tmp_path / "out") if command[0] == "build" else ()
    run = runs(*command, "--data", folder, *out)
    assert run.wait(180) == 0, run.text()
    assert run.leftovers() == []


def test_a_preview_leaves_no_temporary_files(runs, tmp_path):
    run = runs("preview", BROMSGROVE, "--data", BUNDLED_YEAR, "--out", tmp_path / "b.pdf")
    assert run.wait(120) == 0, run.text()
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF-")
    assert run.leftovers() == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stopped_serve_leaves_no_temporary_files(runs, tmp_path, signum):
    import urllib.request

    run = runs("serve", "--port", "0", "--data", BUNDLED_YEAR)
    wait_until(lambda: " at http://" in run.text() or run.process.poll() is not None, 60,
               "the address")
    address = run.text().split(" at ")[1].split(" ")[0]
    url = address.rstrip("/") + "/letters/bromsgrove-district-council.pdf"
    with urllib.request.urlopen(url, timeout=120) as response:
        assert response.read().startswith(b"%PDF-")
    assert run.leftovers() != []  # WeasyPrint's fonts, while it runs
    run.kill(signum)
    assert run.wait(30) == 0
    run.assert_gone_within(5)
    assert run.leftovers() == []


def test_what_a_killed_preview_left_the_next_run_removes_but_never_a_live_ones(runs, tmp_path):
    """A process that renders in itself (`preview`, `serve`) and is killed outright (SIGKILL,
    the out-of-memory killer) cannot remove WeasyPrint's font folder (1.2 MB): it stayed in
    $TMPDIR for good. The next run that renders removes it; a live process's it leaves."""
    import urllib.request

    killed = runs("preview", BROMSGROVE, "--data", BUNDLED_YEAR, "--out", tmp_path / "k.pdf")
    wait_until(lambda: any("weasyprint-" in name for name in killed.leftovers())
               or killed.process.poll() is not None, 120, "WeasyPrint's font folder")
    killed.kill(signal.SIGKILL)
    killed.wait(30)
    left = killed.leftovers()
    assert any("weasyprint-" in name for name in left), left
    serving = runs("serve", "--port", "0", "--data", BUNDLED_YEAR)
    wait_until(lambda: " at http://" in serving.text() or serving.process.poll() is not None,
               60, "the address")
    address = serving.text().split(" at ")[1].split(" ")[0]
    with urllib.request.urlopen(address.rstrip("/") + "/letters/adur-district-council.pdf",
                                timeout=120) as response:
        assert response.read().startswith(b"%PDF-")
    live = [name for name in serving.leftovers() if name not in left]
    assert any("weasyprint-" in name for name in live), live
    again = runs("preview", BROMSGROVE, "--data", BUNDLED_YEAR, "--out", tmp_path / "b.pdf")
    assert again.wait(120) == 0, again.text()
    assert serving.leftovers() == live  # the killed one's gone, the live one's kept
    serving.kill(signal.SIGTERM)
    assert serving.wait(30) == 0
    assert serving.leftovers() == []


def test_ctrl_c_while_the_wordmark_is_drawn_never_writes_a_letter_without_it(make_year, tmp_path,
                                                                            monkeypatch):
    """WeasyPrint swallows any exception raised while it draws an SVG image: a Ctrl-C raised
    there would leave the letter without its wordmark, recorded as built, and the build going
    on. In this process, a stop waits for the letter, which is whole, then stops the build."""
    import os

    from weasyprint.svg import SVG

    from lgsco_letters.build.builder import BuildOptions, BuildStopped, build_year
    from lgsco_letters.project import load_year
    from lgsco_letters.render.templating import Templates

    folder = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW, ZERO_ROW))
    year, templates = load_year(folder), Templates(TEMPLATES)
    whole = build_year(year, templates, BuildOptions(tmp_path / "whole", jobs=1))
    draw = SVG.draw

    def interrupted(self, *args, **kwargs):
        SVG.draw = draw  # once
        os.kill(os.getpid(), signal.SIGINT)
        return draw(self, *args, **kwargs)

    monkeypatch.setattr(SVG, "draw", interrupted)
    with pytest.raises(BuildStopped) as stopped:
        build_year(year, templates, BuildOptions(tmp_path / "out", jobs=1))
    assert stopped.value.exit_code == 130
    assert str(stopped.value).startswith("The build was stopped (Ctrl-C). 1 letter written "
                                         "before it stopped: Adur District Council.")
    assert [path.name for path in (tmp_path / "out").glob("*.pdf")] == [
        "adur-district-council.pdf"]
    assert whole.letters[0].sha256 == hashlib.sha256(
        (tmp_path / "out" / "adur-district-council.pdf").read_bytes()).hexdigest()
