# The two commands the README promises, the stages of `make test` for a faster loop, and a few conveniences.
# Everything installs from PyPI: the main venv is .venv, the version matrix's venvs are made by scripts/matrix_venv.sh.
# The controller Python of every AAP default execution environment; a real interpreter, never an inactive pyenv shim.
PYTHON ?= $(shell bash -c '. scripts/matrix_lib.sh && real_python 3.12' || command -v python3)
VENV ?= .venv

.PHONY: demo test unit lint sanity build integration secrets venv emulator clean

## make demo: start the bundled emulator on loopback, run playbooks/demo.yml against it, stop it.
demo: venv
	@bash scripts/demo.sh

## make test: every check CI runs, in this order: lint, sanity, unit, build, integration, secrets (README "What runs where").
test:
	@bash scripts/test_all.sh all

## make unit: the unit tests on the main venv (seconds). make lint: yamllint, ansible-lint, antsibull-docs, changelog.
## make sanity: ansible-test sanity on every ansible-core of .ci/matrix.txt (CORES="2.21.5" for one).
## make build: build, install and ansible-doc every plugin and role.
## make integration: molecule and the whole pytest suite on the main venv (the floor, 2.16), then the integration and
## secret-leak tests on 2.18 and the newest ansible-core. make secrets: the secret-leak tests on 2.16.0 and 2.17.0.
unit lint sanity build integration secrets:
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
