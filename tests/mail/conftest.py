"""Fixtures for mailing: the SMTP server, and a built year (approved, or not yet)."""

from __future__ import annotations

import shutil

import pytest

from helpers import ADUR_ROW, BROMSGROVE_ROW, TEMPLATES, csv_text
from helpers.mail import NAMES, Recorder, Server, approve_all, free_port, row
from lgsco_letters.build.builder import BuildOptions, build_year
from lgsco_letters.project import load_year
from lgsco_letters.render.templating import Templates


@pytest.fixture
def smtp():
    recorder = Recorder()
    server = Server(free_port(), recorder)
    recorder.on_stop = server.stop
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A year of six letters, built once: four real councils, Bromsgrove, one specimen."""
    root = tmp_path_factory.mktemp("mailing")
    data = root / "2017-18"
    data.mkdir()
    shutil.copy(TEMPLATES.parent / "data" / "2017-18" / "year.yaml", data / "year.yaml")
    (data / "authorities.csv").write_text(csv_text(*(row(n) for n in NAMES), BROMSGROVE_ROW,
                                                   ADUR_ROW))
    build_year(load_year(data), Templates(TEMPLATES), BuildOptions(root / "out", jobs=2))
    return root


@pytest.fixture
def unapproved(built, tmp_path):
    shutil.copytree(built, tmp_path / "y")
    return tmp_path / "y"


@pytest.fixture
def year(unapproved):
    """The built year, every letter signed off."""
    approve_all(unapproved)
    return unapproved
