"""One `Project` per run: each command loads the year and the templates once at most, however
many of its steps use them (as MkDocs loads its config once and passes it on)."""

from __future__ import annotations

import pytest

from helpers import ADUR_ROW, BROMSGROVE_ROW, csv_text
from lgsco_letters import project as project_module
from lgsco_letters.render import templating


@pytest.fixture
def counted(monkeypatch):
    calls = {"year": 0, "templates": 0}
    read_year, init = project_module.read_year, templating.Templates.__init__

    def counting_read_year(*args, **kwargs):
        calls["year"] += 1
        return read_year(*args, **kwargs)

    def counting_init(self, *args, **kwargs):
        calls["templates"] += 1
        init(self, *args, **kwargs)

    monkeypatch.setattr(project_module, "read_year", counting_read_year)
    monkeypatch.setattr(templating.Templates, "__init__", counting_init)
    return calls


@pytest.mark.parametrize("command, loads", [
    (("build", "--only", "bromsgrove", "--jobs", "1"), {"year": 1, "templates": 1}),
    (("check",), {"year": 1, "templates": 1}),
    (("summary",), {"year": 1, "templates": 0}),
    (("list",), {"year": 1, "templates": 0}),
])
def test_a_command_loads_the_year_and_the_templates_once(make_year, run, tmp_path, counted,
                                                         command, loads):
    year = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW))
    out = ("--out", tmp_path / "out") if command[0] == "build" else ()
    result = run(*command, "--data", year, *out)
    assert result.exit_code == 0, result.output
    assert counted == loads
