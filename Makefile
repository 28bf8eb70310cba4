# The two commands the README promises, plus a few conveniences. Everything installs from PyPI into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv

.PHONY: demo test venv emulator clean

## make demo: start the bundled emulator on loopback, run playbooks/demo.yml against it, stop it.
demo: venv
	@bash scripts/demo.sh

## make test: every check CI runs (lint, sanity, unit, emulator conformance, integration, molecule, build).
test:
	@bash scripts/test_all.sh

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

## make emulator: run the emulator in the foreground (Ctrl-C stops it).
emulator: venv
	PYTHONPATH=tests/emulator $(VENV)/bin/python -m falcon_emulator --port 8500 --hosts 5000 --seed 1

clean:
	rm -rf $(VENV) .ansible tests/output .pytest_cache reports
