# The two commands the README promises, the stages of `make test` for a faster loop, and a few conveniences.
# Everything installs from PyPI: the main venv is .venv, the version matrix's venvs are made by scripts/matrix_venv.sh.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv

.PHONY: demo test unit lint sanity build integration venv emulator clean

## make demo: start the bundled emulator on loopback, run playbooks/demo.yml against it, stop it.
demo: venv
	@bash scripts/demo.sh

## make test: every check CI runs, in this order: lint, sanity, unit, build, integration (see README "What runs where").
test:
	@bash scripts/test_all.sh all

## make unit: the unit tests on the main venv (seconds). make lint: yamllint, ansible-lint, antsibull-docs, changelog.
## make sanity: ansible-test sanity on every ansible-core of .ci/matrix.txt (CORES="2.19.14" for one).
## make build: build, install and ansible-doc every plugin and role.
## make integration: molecule and the whole pytest suite on the main venv, then integration + secret-leak tests on the
## floor and the newest ansible-core.
unit lint sanity build integration:
	@bash scripts/test_all.sh $@

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
