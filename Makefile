# Two commands set everything up on a fresh machine: `make letters` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# WeasyPrint's system libraries; for the tests, poppler-utils (pdftotext) and Debian's Chromium
# (the browser test drives it with Playwright; Playwright's own browser download is never used).
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
TEST_DEBS := poppler-utils chromium openssl

.PHONY: letters test lint system-packages test-system-packages clean

letters: $(VENV)/.core system-packages
	$(BIN)/lgsco-letters build

test: $(VENV)/.test system-packages test-system-packages
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(VENV)/.test
	$(BIN)/ruff check .

$(VENV)/.core: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.core

system-packages:
	@./.ci/apt-ensure $(RUNTIME_DEBS)

test-system-packages:
	@./.ci/apt-ensure $(TEST_DEBS)

clean:
	rm -rf $(VENV) out
