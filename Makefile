# Two commands set everything up on a fresh machine: `make letters` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# WeasyPrint's system libraries; for the tests, poppler-utils (pdftotext), Debian's Chromium
# (the browser test drives it with Playwright; Playwright's own browser download is never used)
# and Dovecot (the IMAP server `bounces` is tested against, started by the tests themselves).
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
TEST_DEBS := poppler-utils chromium openssl dovecot-imapd

# Every Python package is pinned in constraints.txt, so that two machines a year apart install
# the same versions and build the same bytes. `make lock` brings the pins up to date.
CONSTRAINTS := constraints.txt

.PHONY: letters test lint lock system-packages test-system-packages clean

letters: $(VENV)/.core system-packages
	$(BIN)/lgsco-letters build

test: $(VENV)/.test system-packages test-system-packages
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(VENV)/.test
	$(BIN)/ruff check .

$(VENV)/.core: pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.test: pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $@ $(VENV)/.core

lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet pip-tools
	.venv-lock/bin/pip-compile --quiet --upgrade --extra test --strip-extras \
		--no-emit-index-url --no-emit-find-links --output-file $(CONSTRAINTS) pyproject.toml

system-packages:
	@./.ci/apt-ensure $(RUNTIME_DEBS)

test-system-packages:
	@./.ci/apt-ensure $(TEST_DEBS)

clean:
	rm -rf $(VENV) .venv-lock out
