"""The output folder's lock file: anything but the plain file it should be is named, with its
path and what it is."""

from __future__ import annotations

import os

import pytest

from lgsco_letters.errors import LettersError
from lgsco_letters.files import NotAFolder
from lgsco_letters.locking import LOCK_FILE, holding


@pytest.mark.parametrize("make, what", [
    (os.mkfifo, "is a FIFO (named pipe)"),
    (os.mkdir, "is a folder"),
    (lambda path: os.symlink("/dev/null", path), "is a symbolic link"),
])
def test_an_odd_file_as_the_lock_file_is_named(tmp_path, monkeypatch, make, what):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    make(tmp_path / "out" / LOCK_FILE)
    with pytest.raises(LettersError) as refused, holding(tmp_path / "out", "build"):
        pass
    assert str(refused.value) == (f"out/{LOCK_FILE} {what}, not the lock file lgsco-letters "
                                  "makes (a plain file): remove it, and the next run makes a "
                                  "new one")


def test_a_fifo_lock_file_through_the_cli(tmp_path, monkeypatch, make_year, run_here):
    from helpers import BROMSGROVE_ROW, TEMPLATES, csv_text

    monkeypatch.chdir(tmp_path)
    data = make_year(csv=csv_text(BROMSGROVE_ROW))
    (tmp_path / "lgsco-letters.yml").write_text(f"templates: {TEMPLATES}\n")
    (tmp_path / "out").mkdir()
    os.mkfifo(tmp_path / "out" / LOCK_FILE)
    result = run_here("build", "--data", data, "--out", "out")
    assert result.exit_code == 2
    assert result.output.endswith(f"out/{LOCK_FILE} is a FIFO (named pipe), not the lock file "
                                  "lgsco-letters makes (a plain file): remove it, and the next "
                                  "run makes a new one\n")


def test_an_output_folder_that_is_a_link_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(NotAFolder, match=r"^out is a symbolic link"), \
            holding(tmp_path / "out", "build"):
        pass
    assert list((tmp_path / "elsewhere").iterdir()) == []
