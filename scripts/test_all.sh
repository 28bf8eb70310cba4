#!/usr/bin/env bash
# make test / make <stage>: the checks CI runs, from a clean checkout, installing only from PyPI (no Galaxy, no Docker,
# no network beyond the package index). Test processes run in a loopback-only network namespace where allowed.
#   scripts/test_all.sh all                    every stage below, in this order (what `make test` and .ci/run run)
#   scripts/test_all.sh lint|sanity|unit|build|integration|secrets ...   only those stages
# Stages and the ansible-core versions they use are in README.md ("What runs where"); the versions in .ci/matrix.txt.
# CORES="2.18.19 2.21.5" limits the matrix stages to those versions. Without it sanity runs on every line of
# .ci/matrix.txt and integration on the lines that list it; unit runs on every line under `all` but on the main venv
# alone as a stage of its own (`make unit`: the inner loop, seconds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/matrix_lib.sh
. "$ROOT/scripts/matrix_lib.sh"
PY="${PYTHON:-$(real_python 3.12 || command -v python3)}"
VENV="${VENV:-$ROOT/.venv}"
export VENV PIP_DISABLE_PIP_VERSION_CHECK=1 NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False
# A test that hangs fails after this many seconds instead of stalling CI (pytest-timeout); unit tests get far less.
TEST_TIMEOUT="${TEST_TIMEOUT:-900}"
UNIT_TIMEOUT="${UNIT_TIMEOUT:-60}"
[ "$#" -gt 0 ] || set -- all
[ "$*" = all ] && { set -- lint sanity unit build integration secrets; ALL=1; }
SUMMARY=()

setup_main_venv() {
  banner "main venv + dev requirements"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$ROOT/requirements-dev.txt"
  touch "$VENV/.installed"
  export PATH="$VENV/bin:$PATH"
  MAIN_CORE="$(python -c 'import ansible.release as r; print(r.__version__)')"
  echo "main venv: ansible-core $MAIN_CORE, $(python -V) ($VENV)"
  # ansible-test's pip bootstrap, offline (toolchain gotcha 1).
  ansible_test_bootstrap "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" python
  stage_collection "$ROOT"
  export ANSIBLE_COLLECTIONS_PATH="$CROOT"
  cd "$COLL"
}

# matrix STAGE [DEFAULT_CORE]: scripts/matrix.sh STAGE on $CORES, or on DEFAULT_CORE, or on the lines that list it.
matrix() {
  local stage="$1"; shift
  # shellcheck disable=SC2086  # CORES is a space-separated list
  bash "$ROOT/scripts/matrix.sh" "$stage" ${CORES:-"$@"}
}

stage_lint() {
  banner "yamllint ($(yamllint --version))"; yamllint -s .
  # Two commands, not `a && b`: set -e does not stop the script at a failure on the left of &&.
  banner "ruff check + format --check ($(ruff --version))"; ruff check .; ruff format --check .
  banner "pre-commit config"; pre-commit validate-config .pre-commit-config.yaml
  banner "ansible-lint (ansible-core $MAIN_CORE)"; ansible-lint --offline --nocolor -q
  banner "antsibull-docs lint"; antsibull-docs lint-collection-docs --plugin-docs .
  banner "antsibull-changelog lint"; antsibull-changelog lint
}

stage_sanity() { matrix sanity; }

stage_unit() {
  if [ -n "${ALL:-}" ]; then matrix units; else matrix units "$MAIN_CORE"; fi
}

stage_build() {
  banner "build + install + ansible-doc of every plugin (ansible-core $MAIN_CORE)"
  local out mod role
  out="$(mktemp -d)"
  ansible-galaxy collection build --output-path "$out" . >/dev/null
  ANSIBLE_COLLECTIONS_PATH="$out/inst" ansible-galaxy collection install --offline -p "$out/inst" "$out"/secops-falcon-*.tar.gz >/dev/null
  # Every module and lookup in the tree, so a new one cannot be left out of the check.
  for mod in "$ROOT"/plugins/modules/*.py; do
    mod="$(basename "$mod" .py)"
    ANSIBLE_COLLECTIONS_PATH="$out/inst" ansible-doc --json "secops.falcon.$mod" | grep -q '"doc"' || { echo "ansible-doc: no docs for $mod"; exit 1; }
  done
  for mod in "$ROOT"/plugins/lookup/*.py; do
    mod="$(basename "$mod" .py)"
    ANSIBLE_COLLECTIONS_PATH="$out/inst" ansible-doc --json -t lookup "secops.falcon.$mod" | grep -q '"doc"' || { echo "ansible-doc: no docs for $mod"; exit 1; }
  done
  ANSIBLE_COLLECTIONS_PATH="$out/inst" ansible-doc --json -t inventory secops.falcon.falcon_hosts | grep -q '"doc"' || { echo "ansible-doc: no docs for falcon_hosts"; exit 1; }
  [ -f "$out/inst/ansible_collections/secops/falcon/extensions/eda/plugins/event_source/falcon_alerts.py" ] || { echo "build: the event source falcon_alerts is not in the tarball"; exit 1; }
  for role in falcon_incident_response falcon_policy_audit falcon_device_report; do
    ANSIBLE_COLLECTIONS_PATH="$out/inst" ansible-doc --json -t role "secops.falcon.$role" | grep -q '"entry_points"' || { echo "ansible-doc: no docs for role $role"; exit 1; }
  done
  rm -rf "$out"
}

stage_integration() {
  wait_prefetch
  banner "molecule, every role against the emulator (ansible-core $MAIN_CORE, $(python -V))"
  offline python scripts/with_emulator.py --hosts 60 --containment-delay 0.5 -- molecule test --all
  banner "ansible-rulebook venv for the Event-Driven Ansible tests (requirements-eda.txt; Java $(java -version 2>&1 | sed -n '1s/.*version "\([^"]*\)".*/\1/p'))"
  FALCON_EDA_VENV="$(bash "$ROOT/scripts/eda_venv.sh" | tail -n 1)"
  export FALCON_EDA_VENV
  echo "ansible-rulebook: $("$FALCON_EDA_VENV/bin/ansible-rulebook" --version | head -n 1) ($FALCON_EDA_VENV)"
  banner "pytest: unit, emulator, conformance, integration, reliability, inventory, EDA, AWX (ansible-core $MAIN_CORE, $(python -V))"
  FALCON_TEST_CALLBACK_COLLECTIONS="$(bash "$ROOT/scripts/community_collections.sh" "$(matrix_field "$MAIN_CORE" 4)")" \
    offline python -m pytest -p no:cacheprovider --import-mode=importlib -n 2 -q --timeout "$TEST_TIMEOUT" tests
  # The other cores whose line lists integration (the main venv's core just ran it all, above).
  local cores
  cores="${CORES:-$(matrix_lines | awk -v main="$MAIN_CORE" '$5 ~ /integration/ && $1 != main { print $1 }')}"
  echo "integration + secret-leak tests on ansible-core $MAIN_CORE: in the pytest run above"
  # shellcheck disable=SC2086  # a space-separated list
  [ -z "$cores" ] || bash "$ROOT/scripts/matrix.sh" integration $cores
}

# The secret-leak tests alone on the cores that once leaked a token past _ansible_no_log (2.16.0, 2.17.0): the lines
# of .ci/matrix.txt that list secrets. The integration lines ran them already.
stage_secrets() { matrix secrets; }

# prefetch: with `all`, make every matrix venv, the community collections and the EDA venv in the background while the
# first stages run (mostly downloads: they overlap the CPU-bound lint). Each matrix venv is built under its own lock,
# so a stage that needs one meanwhile waits for it; the integration stage waits for the whole prefetch.
PREFETCH_PID=""
prefetch() {
  local log core
  log="$(mktemp)"
  (
    for core in $(matrix_lines | awk '{ print $1 }'); do
      [ "$core" = "$MAIN_CORE" ] || bash "$ROOT/scripts/matrix_venv.sh" "$core" >/dev/null
      bash "$ROOT/scripts/community_collections.sh" "$(matrix_field "$core" 4)" >/dev/null
    done
    bash "$ROOT/scripts/eda_venv.sh" >/dev/null
  ) >"$log" 2>&1 &
  PREFETCH_PID=$!
  echo "prefetching the matrix venvs, community collections and the EDA venv in the background (pid $PREFETCH_PID, log $log)"
}

# A failed prefetch is not fatal here: the stage that needs the venv builds it again and reports what went wrong.
wait_prefetch() { [ -z "$PREFETCH_PID" ] || wait "$PREFETCH_PID" || echo "prefetch failed: the stages build what they need"; PREFETCH_PID=""; }

setup_main_venv
[ -z "${ALL:-}" ] || prefetch
for stage in "$@"; do
  declare -F "stage_$stage" >/dev/null || { echo "ERROR: unknown stage '$stage' (lint, sanity, unit, build, integration, secrets or all)" >&2; exit 2; }
  started=$SECONDS
  "stage_$stage"
  SUMMARY+=("$(printf '%-12s %5ss' "$stage" "$((SECONDS - started))")")
done
banner "stage times"
printf '  %s\n' "${SUMMARY[@]}"
