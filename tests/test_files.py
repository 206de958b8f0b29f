"""Nothing is ever written through a symbolic link: not a folder's, not a temporary name's."""

from __future__ import annotations

import os

import pytest

from lgsco_letters.files import NotAFolder, copy_atomic, open_folder, write_atomic


def test_a_file_is_written_whole_and_no_temporary_file_is_left(tmp_path):
    write_atomic(tmp_path / "a" / "b" / "c.txt", "text", tmp_path / "a")
    assert (tmp_path / "a" / "b" / "c.txt").read_text() == "text"
    assert os.listdir(tmp_path / "a" / "b") == ["c.txt"]


def test_a_folder_that_is_a_link_is_refused_anywhere_from_the_top(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "top").mkdir()
    (tmp_path / "top" / "sub").symlink_to(elsewhere)
    with pytest.raises(NotAFolder) as refused:
        write_atomic(tmp_path / "top" / "sub" / "x.txt", "x", tmp_path / "top")
    assert str(refused.value) == ("top/sub is a symbolic link: lgsco-letters never writes "
                                  "through one. Replace it with a real folder (or remove it)")
    with pytest.raises(NotAFolder):  # the folder the file goes in, by default
        write_atomic(tmp_path / "top" / "sub" / "x.txt", "x")
    (tmp_path / "top" / "file").write_text("")
    with pytest.raises(NotAFolder):
        copy_atomic(tmp_path / "top" / "file", tmp_path / "top" / "sub" / "y.txt")
    with pytest.raises(NotAFolder, match=r"^top/file is not a folder: remove it$"):
        write_atomic(tmp_path / "top" / "file" / "x.txt", "x", tmp_path / "top")
    assert list(elsewhere.iterdir()) == []


def test_a_link_at_the_old_temporary_name_is_never_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("theirs")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / ".letter.pdf.tmp").symlink_to(victim)
    write_atomic(folder / "letter.pdf", b"%PDF-ours")
    copy_atomic(folder / "letter.pdf", folder / "copy.pdf")
    assert victim.read_text() == "theirs"
    assert (folder / "letter.pdf").read_bytes() == (folder / "copy.pdf").read_bytes() == \
        b"%PDF-ours"
    assert not (folder / "letter.pdf").is_symlink()


def test_the_folder_above_the_top_is_the_users_own(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "real")  # out/ on another disk, say
    with open_folder(tmp_path / "out" / "2017-18" / "site", tmp_path / "out" / "2017-18"):
        pass
    assert (tmp_path / "real" / "2017-18" / "site").is_dir()
